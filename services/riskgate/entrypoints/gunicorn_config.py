"""How `riskgate run` configures gunicorn beyond address and workers: JSON logs (riskgate's
own format, `logs.dict_config`; gunicorn's access log is off because riskgate logs each request
itself, with its request id) and prometheus-client's multiprocess mode, so that /metrics counts
the requests of every worker whichever worker answers.

prometheus-client reads `PROMETHEUS_MULTIPROC_DIR` when it is first imported, long before
`riskgate run` knows it will fork workers, so `shared_metrics_dir` sets it and starts the same
command again in the same process (`os.execv`: same pid, same arguments). The directory is new
for each run (or, if the operator set the variable, emptied at start), gunicorn forgets each
dead worker's gauges (`child_exit`), and the run removes the directory it made when it ends.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from prometheus_client import multiprocess

from riskgate import logs
from riskgate.config import Settings
from riskgate.metrics import MULTIPROCESS_DIR

# Set by `shared_metrics_dir` to the directory it made, so that the command started again
# knows the directory is its own to remove at the end (not the operator's).
OWNED_ENV = "RISKGATE_METRICS_DIR_MADE"


def _forget_worker(_server: Any, worker: Any) -> None:
    """gunicorn's child_exit: a dead worker's live gauges leave the shared directory."""
    multiprocess.mark_process_dead(worker.pid)


def gunicorn_options(settings: Settings) -> dict[str, Any]:
    """The gunicorn settings for logging and shared metrics."""
    return {
        "accesslog": None,  # riskgate.http logs one JSON line per request, with its id
        "loglevel": settings.log_level.lower(),
        "logconfig_dict": logs.dict_config(settings.log_level, settings.library_log_level),
        "child_exit": _forget_worker,
    }


def shared_metrics_dir() -> contextlib.AbstractContextManager[Path]:
    """The multiprocess metrics directory, to hold for the run. Without one, this makes it and
    runs the command again at once (so it does not return): call it before anything is done."""
    current = os.environ.get(MULTIPROCESS_DIR)
    if not current:
        made = tempfile.mkdtemp(prefix="riskgate-metrics-")
        os.environ[MULTIPROCESS_DIR] = made
        os.environ[OWNED_ENV] = made
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(sys.executable, [sys.executable, *sys.orig_argv[1:]])
    directory = Path(current)
    owned = os.environ.pop(OWNED_ENV, None) == current
    if not owned:  # the operator's: counts of an earlier run must not be added to this one's
        directory.mkdir(parents=True, exist_ok=True)
        for stale in directory.glob("*.db"):
            stale.unlink()
    return _held(directory, owned)


@contextlib.contextmanager
def _held(directory: Path, owned: bool) -> Iterator[Path]:
    master = os.getpid()
    try:
        yield directory
    finally:
        # a gunicorn worker leaves through here too (it is a fork of the master): only the
        # master removes the directory, once every worker is gone
        if owned and os.getpid() == master:
            shutil.rmtree(directory, ignore_errors=True)
