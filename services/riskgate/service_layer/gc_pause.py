"""Python's cyclic garbage collector: held off while a one-off pass makes many objects, and
settled for a process that serves from its start on.

A full collection walks every container object alive: once the sample year is in memory
(hundreds of thousands of them), each of the few that a bulk load or the annual assessment
sets off costs a tenth of a second and finds nothing to free, since what those passes make
either lives on or is freed by its reference count as soon as it is done with.

A process that serves (`riskgate run`, each gunicorn worker) makes at its start what it keeps
until it ends: the reference data, the rulesets, the schemas, the app, and in the embedded
default the sample year's load. `settle_long_lived` puts all of that out of the collector's
sight (`gc.freeze`, which is meant for what a process makes before it serves),
and lets the young generation fill to 10,000 new objects rather than CPython's 700 before it
is collected: a consumer's garbage is per-record dicts and lists, freed by their reference
counts, among which a young collection finds almost nothing to free. On the embedded pipeline
the collector's share of the time fell from about 16% to 1% (`bench/risk.py`)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# Allocations between young collections once settled (CPython's default: 700). The older
# generations keep their defaults.
YOUNG_GENERATION = 10_000


def settle_long_lived() -> None:
    """Everything alive now is kept out of every later collection, and young collections
    run every `YOUNG_GENERATION` allocations. Called again, it settles what came since."""
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION, middle, old)


@contextmanager
def collections_paused(*, keep: bool = False) -> Iterator[None]:
    """No cyclic collection inside the block; the collector as it was after it (a nested
    or concurrent use leaves it to the outermost one that found it running). `keep`, for a
    command that ends soon after: what the block made is kept out of every later collection
    (`gc.freeze`), or the first allocation after it would set off a full collection of the
    whole year, a tenth of a second or more that frees nothing."""
    running = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if keep:
            gc.freeze()
        if running:
            gc.enable()
