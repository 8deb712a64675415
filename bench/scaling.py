"""Benchmark: how the cost of deciding grows as the gatekeeper's registers fill.

The gatekeeper bench's national stream (bench/gatekeeper.py) decided on the memory adapters
(no I/O): CPU seconds for 1,000, 3,000 and 6,000 requests, and the CPU of each quarter of
the largest stream, so a cost that grows with the register shows. Beside each figure, in the
same run and interleaved round by round, the reference: the same stream decided with the
day-by-day placement that came before the interval search (tests/reference_placement.py),
whose decisions are checked equal byte for byte. Medians of the rounds, with the spread.

Usage: .venv/bin/python bench/scaling.py [--rounds N] [--sizes 1000,3000,6000]
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.reference_placement; bench/ itself is on the path already

from gatekeeper import RULES, national_stream, organisational_assessments  # noqa: E402

from riskgate import topics  # noqa: E402
from riskgate.adapters.bus import MemoryBus  # noqa: E402
from riskgate.adapters.policy_file import load_policies  # noqa: E402
from riskgate.adapters.store import MemoryStore  # noqa: E402
from riskgate.domain.reference import load_reference  # noqa: E402
from riskgate.service_layer.gatekeeper import GatekeeperService  # noqa: E402
from tests.reference_placement import DayByDayPlacement  # noqa: E402

SEED, DECEMBER = 2009, 0.6


@contextmanager
def day_by_day() -> Iterator[None]:
    """The old placement in place of the interval search, for the reference figures."""
    modules = [
        importlib.import_module(f"riskgate.domain.gatekeeper.{m}") for m in ("decide", "gates")
    ]
    saved = [m.Placement for m in modules]
    for module in modules:
        module.Placement = DayByDayPlacement  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for module, placement in zip(modules, saved, strict=True):
            module.Placement = placement  # type: ignore[attr-defined]


def decide(requests: int) -> tuple[list[float], list[bytes]]:
    """CPU seconds for each quarter of the stream, and every decision message."""
    reference = load_reference()
    bus = MemoryBus()
    service = GatekeeperService(MemoryStore(), bus, load_policies(RULES))
    for event in organisational_assessments(reference, SEED):
        service.handle(event)
    stream = national_stream(reference, requests, SEED, DECEMBER)
    quarters, size = [], len(stream) // 4
    for q in range(4):
        start = time.process_time()
        for event in stream[q * size : (q + 1) * size if q < 3 else len(stream)]:
            service.handle(event)
        quarters.append(time.process_time() - start)
    return quarters, [r.value for r in bus.read_all(topics.DECISIONS)]


def spread(values: list[float]) -> str:
    return f"{min(values):.2f}–{max(values):.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sizes", default="1000,3000,6000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    ours: dict[int, list[list[float]]] = {n: [] for n in sizes}
    theirs: dict[int, list[list[float]]] = {n: [] for n in sizes}
    for _ in range(args.rounds):  # interleaved: this machine's speed drifts minute to minute
        for n in sizes:
            quarters, decisions = decide(n)
            ours[n].append(quarters)
            with day_by_day():
                old_quarters, old_decisions = decide(n)
            theirs[n].append(old_quarters)
            assert decisions == old_decisions, f"decisions differ at {n} requests"
    print("gatekeeper deciding on the memory adapters (CPU s; median of rounds, min–max);")
    print("reference: the day-by-day placement, same stream, same run; decisions identical")
    print(
        f"{'requests':>9} {'intervals':>22} {'day by day':>22} {'speed-up':>9} {'ms/decision':>12}"
    )
    for n in sizes:
        new = [sum(q) for q in ours[n]]
        old = [sum(q) for q in theirs[n]]
        print(
            f"{n:>9,} {statistics.median(new):>10.2f} ({spread(new):>9}) "
            f"{statistics.median(old):>10.2f} ({spread(old):>9}) "
            f"{statistics.median(old) / statistics.median(new):>8.1f}x "
            f"{statistics.median(new) / n * 1000:>12.2f}"
        )
    largest = sizes[-1]
    for label, runs in (("intervals", ours[largest]), ("day by day", theirs[largest])):
        medians = [statistics.median(r[q] for r in runs) for q in range(4)]
        print(
            f"CPU s per quarter of {largest:,} requests, {label}: "
            + ", ".join(f"{m:.2f}" for m in medians)
        )


if __name__ == "__main__":
    main()
