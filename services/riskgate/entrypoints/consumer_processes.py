"""The consumers of `riskgate run` against Kafka and Redis, each service's in a process of its
own beside gunicorn's HTTP workers.

A Python process runs one thread at a time, so consumers sharing a process with the HTTP
worker that takes events in (and with each other) wait on each other's turns: end to end on
Tansu and Redis, with the consumers as threads of the ingesting process, the pipeline kept up
with 0.175 of what one core can produce to Kafka; with each service's consumer a process of its
own, with 0.274: 1.7 times the events per second (bench/table.py, rows e2e_threads and e2e).
So the gunicorn master starts one `riskgate consume SERVICE` process for each consuming
service of the run (`ConsumerProcesses`), starts it again if it dies, replaces it when the run
is reloaded (SIGHUP, as gunicorn replaces its workers), and stops it with the run: SIGTERM
(each consumer finishes its poll and commits), then SIGKILL after gunicorn's graceful timeout.

Two things an HTTP worker answered from the consumers in its own process now cross processes:
- /readyz: each consumer process keeps the gauge `riskgate_consumer_state` (0 polling, 1
  retrying) in the multiprocess metrics directory that every process of the run shares, and
  the master forgets a dead process's gauge, so a service with no gauge has no consumer
  running (`consumer_states`);
- /metrics: the consumers' counts were already shared that way; the lag is asked of Kafka.

A process whose master dies, even by SIGKILL, is killed with it (`PR_SET_PDEATHSIG`): a
consumer never outlives its `riskgate run`, which would leave two consuming once it restarts.
"""

from __future__ import annotations

import ctypes
import logging
import math
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from prometheus_client import multiprocess

from riskgate import metrics
from riskgate.bootstrap import CONSUMING, bootstrap
from riskgate.config import Settings
from riskgate.failpoints import SUPERVISOR_ENV
from riskgate.service_layer.gc_pause import settle_long_lived
from riskgate.service_layer.scheduler import sweep_forever

log = logging.getLogger("riskgate")

RUNNING, RETRYING = 0.0, 1.0  # riskgate_consumer_state
REPORT_EVERY_S = 0.5  # how often a consumer process writes its consumers' state
BACKOFF_S = (1.0, 2.0, 5.0, 10.0, 30.0)  # before starting again a process that died young
YOUNG_S = 30.0  # a process that died sooner than this after starting is started later
_PR_SET_PDEATHSIG = 1  # linux/prctl.h


# --- the consumer process -----------------------------------------------------------------


def serve(settings: Settings, services: tuple[str, ...]) -> None:
    """Run the services' consumers (and their sweeps) until SIGTERM or SIGINT; the body of
    `riskgate consume`."""
    _die_with_supervisor()
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    system = bootstrap(settings)
    threads = system.start_consumers(services, stop)
    # the citizens' deadlines that pass without an event; the gatekeeper's auto-confirmation
    # of what waited in triage past its due day
    for service, what in (("citizens", "citizens"), ("gatekeeper", "triage")):
        if service in services:
            sweep = threading.Thread(
                target=sweep_forever,
                args=(system, settings.sweep_s, stop, what),
                name=f"sweep-{what}",
                daemon=True,
            )
            sweep.start()
            threads.append(sweep)
    settle_long_lived()  # what the process made to start lives as long as it: gc_pause.py
    log.info("consumers of %s running in process %d", ", ".join(services), os.getpid())
    while True:
        for name, loop in system.loops.items():
            metrics.CONSUMER_STATE.labels(name).set(RETRYING if loop.last_error else RUNNING)
        if stop.wait(REPORT_EVERY_S):
            break
    for thread in threads:
        thread.join(30)
    system.bus.close()  # type: ignore[attr-defined]  # the Kafka bus: its producer flushed
    log.info("consumers of %s stopped", ", ".join(services))


def _die_with_supervisor() -> None:
    """Have the kernel kill this process when the `riskgate run` that started it ends."""
    supervisor = os.environ.get(SUPERVISOR_ENV)
    if not supervisor or not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != int(supervisor):  # it ended before the line above
        os._exit(1)


def consumer_states(services: tuple[str, ...]) -> dict[str, float | None]:
    """Each service's `riskgate_consumer_state` as its consumer process last wrote it, or
    None where no process of this run holds one (not started yet, or dead)."""
    states: dict[str, float | None] = dict.fromkeys(services)
    directory = os.environ.get(metrics.MULTIPROCESS_DIR)
    if not directory:
        return states
    files = [str(p) for p in Path(directory).glob("gauge_livemax_*.db")]
    for family in multiprocess.MultiProcessCollector.merge(files, accumulate=False):
        if family.name != metrics.CONSUMER_STATE_NAME:
            continue
        for sample in family.samples:
            if sample.labels.get("consumer") in states:
                states[sample.labels["consumer"]] = sample.value
    return states


# --- the gunicorn master's side -----------------------------------------------------------


@dataclass
class _Child:
    service: str
    proc: subprocess.Popen[bytes]
    started: float
    replace_by: float | None = None  # asked to stop for a reload: killed if alive past this


class ConsumerProcesses:
    """One `riskgate consume SERVICE` process per consuming service, kept running by the
    gunicorn master (`keep` after each turn of its loop, `reap` on SIGCHLD, `replace` on
    SIGHUP, `stop` with it). `monotonic`: the clock the backoff is timed by."""

    def __init__(
        self, services: tuple[str, ...], monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.services = tuple(s for s in services if s in CONSUMING)
        self._clock = monotonic
        self._children: dict[str, _Child] = {}
        self._not_before: dict[str, float] = {}  # service -> when it may start again
        self._early_deaths: dict[str, int] = {}  # service -> deaths in a row soon after start
        self._stopping = False

    def reap(self) -> None:
        """Collect the exit of each child that ended, reporting it (before gunicorn's reaping
        of every child, which would not say whose exit it was)."""
        for service, child in list(self._children.items()):
            code = child.proc.poll()
            if code is None:
                continue
            del self._children[service]
            multiprocess.mark_process_dead(child.proc.pid)  # its state gauge leaves /readyz
            if self._stopping:
                continue
            how = f"signal {-code}" if code < 0 else f"code {code}"
            if child.replace_by is not None:  # it stopped as asked: its successor starts now
                log.info(
                    "the %s consumer process (pid %d) stopped for the reload with %s; "
                    "starting a new one",
                    service,
                    child.proc.pid,
                    how,
                )
                self._early_deaths[service] = 0
                self._not_before[service] = 0.0
                continue
            lived = self._clock() - child.started
            deaths = self._early_deaths.get(service, 0) + 1 if lived < YOUNG_S else 0
            self._early_deaths[service] = deaths
            wait = BACKOFF_S[min(deaths, len(BACKOFF_S)) - 1] if deaths else 0.0
            self._not_before[service] = self._clock() + wait
            log.error(
                "the %s consumer process (pid %d) ended with %s after %.0f s; starting it "
                "again in %.0f s",
                service,
                child.proc.pid,
                how,
                lived,
                wait,
            )

    def keep(self) -> None:
        """Start each service's process that is not running and may start (and kill one asked
        to stop for a reload that has not within its time)."""
        self.reap()
        if self._stopping:
            return
        now = self._clock()
        for child in self._children.values():
            if child.replace_by is not None and now > child.replace_by:
                log.warning("the %s consumer process did not stop in time: killed", child.service)
                child.proc.kill()  # reaped, and replaced, on its SIGCHLD
                child.replace_by = math.inf  # killed once, and said once
        for service in self.services:
            if service in self._children or now < self._not_before.get(service, 0.0):
                continue
            proc = subprocess.Popen(  # noqa: S603 - this interpreter, riskgate's own command
                [sys.executable, "-m", "riskgate", "consume", service],
                stdin=subprocess.DEVNULL,
                close_fds=True,  # not gunicorn's listening sockets nor its pipes
            )
            self._children[service] = _Child(service, proc, now)
            log.info("started the %s consumer process (pid %d)", service, proc.pid)

    def replace(self, timeout_s: float) -> None:
        """Stop every child (SIGTERM: it finishes its poll and commits) for a new one to start
        in its place once it has ended, as a reload (SIGHUP) replaces gunicorn's workers; one
        still running after `timeout_s` is killed. The new process reads the code, settings and
        rules as they are now."""
        by = self._clock() + timeout_s
        for child in self._children.values():
            if child.replace_by is None and child.proc.poll() is None:
                child.replace_by = by
                child.proc.send_signal(signal.SIGTERM)

    def stop(self) -> None:
        """SIGTERM every child (it finishes its poll and commits); start none again."""
        self._stopping = True
        for child in self._children.values():
            if child.proc.poll() is None:
                child.proc.send_signal(signal.SIGTERM)

    def wait(self, deadline: float) -> None:
        """Wait for the children to end until `deadline` (monotonic), then SIGKILL the rest."""
        for child in list(self._children.values()):
            try:
                child.proc.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("the %s consumer process did not stop in time: killed", child.service)
                child.proc.kill()
                child.proc.wait()
            multiprocess.mark_process_dead(child.proc.pid)
        self._children.clear()
