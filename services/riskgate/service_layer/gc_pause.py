"""Python's cyclic garbage collector held off while a one-off pass makes many objects.

A full collection walks every container object alive: once the sample year is in memory
(hundreds of thousands of them), each of the few that a bulk load or the annual assessment
sets off costs a tenth of a second and finds nothing to free, since what those passes make
either lives on or is freed by its reference count as soon as it is done with."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collections_paused() -> Iterator[None]:
    """No cyclic collection inside the block; the collector as it was after it (a nested
    or concurrent use leaves it to the outermost one that found it running)."""
    running = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if running:
            gc.enable()
