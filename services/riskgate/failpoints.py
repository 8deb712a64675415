"""Failpoints: named places where a process can be told to die, for crash tests.

Armed from RISKGATE_FAILPOINTS (comma-separated names, e.g.
`risk.exit_after_publish`); never armed in normal operation.
"""

from __future__ import annotations

import logging
import os
import signal

log = logging.getLogger(__name__)
_armed: frozenset[str] = frozenset()
EXIT_CODE = 86
SUPERVISOR_ENV = "RISKGATE_SUPERVISOR_PID"  # set by `riskgate run` for its gunicorn master


def arm(names: frozenset[str]) -> None:
    global _armed
    _armed = names


def hit(name: str) -> None:
    """Kill the service at once, without cleanup, if the failpoint is armed.

    Under gunicorn the supervisor dies too, as when a container is killed, so
    the service does not quietly respawn a worker.
    """
    if name in _armed:
        log.error("failpoint %s: killing the service", name)
        logging.shutdown()
        supervisor = os.environ.get(SUPERVISOR_ENV)
        if supervisor and int(supervisor) != os.getpid():
            os.kill(int(supervisor), signal.SIGKILL)
        os._exit(EXIT_CODE)
