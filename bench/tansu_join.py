"""Reproduction: how long riskgate's consumers take to get partitions on a fresh Tansu.

Starts a fresh Tansu broker --starts times, and each time does what bench/e2e.py does before
it times anything: creates riskgate's topics, starts the risk, citizens, gatekeeper and work
consumers as threads (four consumer groups, one member each), and waits until every one holds
its partitions. Prints the seconds each start took, or that it gave up after --timeout.

Usage: .venv/bin/python bench/tansu_join.py [--starts 10] [--timeout 120]
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import tempfile
import time
import uuid
from pathlib import Path

from e2e import PIPELINE, batches, pipeline, redis_for, wait_assigned
from gatekeeper import tansu

from riskgate.sample import generate_year


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--starts", type=int, default=10)
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    parser.add_argument(
        "--load", type=int, default=0, help="submit the sample year's first N events meanwhile"
    )
    parser.add_argument(
        "--members", type=int, default=1, help="consumers per group (as processes of a service)"
    )
    parser.add_argument("--log", action="store_true", help="kafka-python's group log on stderr")
    args = parser.parse_args()
    if args.log:
        logging.basicConfig(format="%(relativeCreated)d %(threadName)s %(name)s %(message)s")
        logging.getLogger("kafka.coordinator").setLevel(logging.INFO)
    events = generate_year(2009)[: args.load]
    seconds: list[float] = []
    failed = 0
    with redis_for(args.redis_url) as url:
        for start in range(1, args.starts + 1):
            with (
                tempfile.TemporaryDirectory(prefix="riskgate-join-") as tmp,
                tansu(Path(tmp)) as kafka,
                contextlib.ExitStack() as stack,
            ):
                groups = f"join-{uuid.uuid4().hex[:6]}"
                systems = [
                    stack.enter_context(pipeline(kafka, url, groups)) for _ in range(args.members)
                ]
                begun = time.monotonic()
                for actor, run in batches(systems[0], events):
                    systems[0].ingest.submit(run, actor)
                try:
                    for system in systems:
                        wait_assigned(system, PIPELINE, args.timeout - (time.monotonic() - begun))
                    took = time.monotonic() - begun
                    seconds.append(took)
                    print(f"start {start}: every consumer assigned after {took:.1f} s", flush=True)
                except TimeoutError as exc:
                    failed += 1
                    print(f"start {start}: {exc} ({time.monotonic() - begun:.0f} s)", flush=True)
    print(
        f"{args.starts - failed} of {args.starts} starts assigned within {args.timeout:.0f} s"
        + (f"; slowest {max(seconds):.1f} s, median {sorted(seconds)[len(seconds) // 2]:.1f} s"
           if seconds else "")
    )  # fmt: skip


if __name__ == "__main__":
    main()
