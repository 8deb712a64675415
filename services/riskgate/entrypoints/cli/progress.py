"""Progress bars for the long commands (load, publish, demo, assess, simulate), on standard
error and only when it is a terminal: a pipe or a log file gets none (tqdm's `disable=None`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from tqdm import tqdm

Item = TypeVar("Item")


def bar(total: int, what: str) -> tqdm:
    """A bar counting `total` events under the label `what`; invisible unless on a terminal."""
    return tqdm(total=total, desc=what, unit=" events", unit_scale=True, leave=False, disable=None)


def counted(items: Iterable[Item], total: int, what: str) -> Iterator[Item]:
    """`items`, one at a time, with a bar of `total` while they are taken (without a bar to
    show, not counted one by one: 127,000 calls that do nothing were 2% of `assess`'s pass)."""
    with bar(total, what) as shown:
        if shown.disable:
            yield from items
            return
        for item in items:
            yield item
            shown.update(1)


@contextmanager
def reporting(what: str) -> Iterator[Callable[[int, int], None]]:
    """A callback `(done, total)` for a service that reports its own progress, with its bar."""
    shown: list[tqdm] = []

    def report(done: int, total: int) -> None:
        if not shown:
            shown.append(bar(total, what))
        shown[0].update(done - shown[0].n)

    try:
        yield report
    finally:
        if shown:
            shown[0].close()
