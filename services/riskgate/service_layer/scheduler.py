"""The loops that keep a process's pipeline moving: the embedded default's one scheduler
(pump every consumer, sweep the citizens' deadlines now and then) and the distributed
citizens service's deadline sweep."""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING

from riskgate.sample.ids import SAMPLE_YEAR
from riskgate.service_layer.sample_year import mark_sample, run_year

if TYPE_CHECKING:
    from riskgate.bootstrap import System

log = logging.getLogger("riskgate")
IDLE_S = 0.1  # how long the embedded scheduler waits when no consumer had anything


def run_embedded(
    system: System,
    *,
    load: bool,
    sweep_s: float,
    stop: threading.Event,
    on_loaded: Callable[[Counter[str]], object] | None = None,
) -> None:
    """Load the sample year first if asked (and compare its areas with their peers), then pump
    the consumers until `stop`, sweeping the citizens' deadlines every `sweep_s` seconds and
    making the peer comparison of any year whose figures have been quiet long enough.
    `on_loaded` hears what the load accepted before anything else is pumped (`riskgate run`
    writes the home's snapshot then)."""
    if load:
        log.info("loading the bundled sample year…")
        accepted = run_year(system, SAMPLE_YEAR)
        log.info("sample year loaded: %d events", accepted.total())
        mark_sample(system, "loaded")
        if on_loaded is not None:
            on_loaded(accepted)
    swept = 0.0
    while not stop.is_set():
        if time.monotonic() - swept >= sweep_s:
            system.citizens.sweep()  # deadlines passed since the last look
            system.gatekeeper.triage.sweep()  # risk-triggered requests left in triage too long
            swept = time.monotonic()
        if system.pump() == 0 and not system.peers.run_due():  # peers: once figures are quiet
            stop.wait(IDLE_S)


def sweep_forever(
    system: System, every_s: float, stop: threading.Event, what: str = "citizens"
) -> None:
    """Every `every_s` seconds: mark the citizens' deadlines that pass without any event
    (`what` citizens), or confirm the risk-triggered requests left in triage past their due
    day (`what` triage, the gatekeeper service)."""
    sweep = system.citizens.sweep if what == "citizens" else system.gatekeeper.triage.sweep
    while not stop.wait(every_s):
        try:
            made = sweep()
        except Exception:  # a store or broker outage: try again next time
            log.exception("the %s sweep failed; retrying in %ss", what, every_s)
            continue
        if made:
            log.info("%s sweep: %d transitions", what, made)
