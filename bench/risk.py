"""Benchmark: the risk service's streaming rate on the full sample year.

Prints, from one run on this machine:
- the raw rate of durable-rules `post` on a trivial ruleset (the engine's ceiling);
- the risk handler's rate over the sample year's events (facts, observations,
  rules, judgements, requests) on the embedded adapters, without ingest or
  validation, and the ratio of the two;
- the same handler over the sample year without its Local Area Agreements (`laa.*` events
  left out), interleaved with it: what observing every target against its trajectory costs;
- the in-process annual assessment (`assess_year`: peers, LAA sections, Direction of Travel)
  with and without the agreements;
- the whole embedded pipeline's rate (ingest validation, bus, risk, gatekeeper, work);
- the wall time of `riskgate assess --year 2009` for all 152 areas, as a user runs it
  (a fresh process: generating the year, replaying it through the rules, comparing peers,
  writing the file), against the 10 s goal.

Usage: .venv/bin/python bench/risk.py [--events N]
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from durable import lang

from riskgate.bootstrap import bootstrap
from riskgate.config import Settings
from riskgate.sample import generate_year
from riskgate.service_layer.annual_assessment import assess_year
from riskgate.service_layer.gc_pause import settle_long_lived

RULES = Path(__file__).resolve().parents[1] / "rules"


def raw_post_rate(n: int) -> float:
    """Events per second through durable-rules `post` on a one-rule ruleset."""
    name = f"bench_trivial_{uuid.uuid4().hex[:8]}"
    with lang.ruleset(name):

        @lang.when_all(lang.m.kind == "x")
        def matched(_c: object) -> None:
            pass

    start = time.perf_counter()
    for i in range(n):
        lang.post(name, {"id": i, "kind": "x", "value": i})
    return n / (time.perf_counter() - start)


def handler_rate(events: list[dict], assessed: list[float] | None = None) -> tuple[float, int]:
    system = bootstrap(Settings(rules_dir=RULES))
    start = time.perf_counter()
    for event in events:
        system.risk.handle(event)
    elapsed = time.perf_counter() - start
    if assessed is not None:
        started = time.perf_counter()
        assess_year(system, 2009)
        assessed.append(time.perf_counter() - started)
    flagged = sum(
        1
        for area in system.reference.areas
        for j in system.risk.assessment(area, 2009).values()
        if j["flag"]
    )
    return len(events) / elapsed, flagged


@contextlib.contextmanager
def settled() -> Iterator[None]:
    """The collector as `riskgate run` leaves it once a worker has started
    (`settle_long_lived`), and as it was found afterwards. What is alive when it settles,
    the year this process holds to submit among it, is out of the collector's sight, as a
    year arriving over HTTP is outside a served process. Afterwards what the round made is
    collected: unfrozen, it would wait in the oldest generation, growing the bench by about
    600 MB a round; once it had grown by two rounds' worth, `riskgate assess` run in a fresh
    process right after took 4.1-4.4 s against 3.1-3.7 s before the pipeline in the same
    round (three runs; with the collection, 3.1 s)."""
    threshold = gc.get_threshold()
    settle_long_lived()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
        gc.collect()


def pipeline_rate(events: list[dict]) -> float:
    system = bootstrap(Settings(rules_dir=RULES))
    with settled():
        start = time.perf_counter()
        for i in range(0, len(events), 2000):
            system.ingest.submit(events[i : i + 2000])
            system.pump()
        return len(events) / (time.perf_counter() - start)


def assess_seconds(
    snapshots: Path | None = None, *options: str, cache: Path | None = None
) -> float:
    """Wall time of `riskgate assess --year 2009 --out FILE` in a fresh process: a replay of
    the year, or with `snapshots` (a RISKGATE_SNAPSHOT_DIR holding the year's prepared
    snapshot) the year read from it; `options` added (`--replay streaming`). `cache`: the
    RISKGATE_CACHE_DIR the year's events are read back from (None: off, the year generated)."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "RISKGATE_SNAPSHOT_DIR": str(snapshots or Path(tmp) / "none"),
               "RISKGATE_CACHE_DIR": str(cache) if cache else "off"}  # fmt: skip
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "riskgate", "assess", "--year", "2009",
             "--out", str(Path(tmp) / "assessment.json"), *options],
            check=True,
            capture_output=True,
            env=env,
        )  # fmt: skip
        return time.perf_counter() - started


def prepare_snapshot(snapshots: Path) -> None:
    """`riskgate snapshot build` into `snapshots` (a throwaway home beside it)."""
    env = {**os.environ, "RISKGATE_SNAPSHOT_DIR": str(snapshots),
           "RISKGATE_HOME": str(snapshots.parent / "snapshot-home")}  # fmt: skip
    subprocess.run([sys.executable, "-m", "riskgate", "snapshot", "build"], check=True,
                   capture_output=True, env=env)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=0, help="use only the first N events")
    parser.add_argument(
        "--rounds", type=int, default=3, help="interleaved rounds; medians reported"
    )
    args = parser.parse_args()
    events = generate_year(2009)
    if args.events:
        events = events[: args.events]
    # Interleaved rounds, medians: this machine's speed drifts from one minute to the next.
    without = [e for e in events if not e["type"].startswith("laa.")]
    raws, rates, bare, flagged = [], [], [], 0
    assessed: list[float] = []
    assessed_bare: list[float] = []
    for _ in range(args.rounds):
        raws.append(raw_post_rate(30_000))
        rate, flagged = handler_rate(events, assessed)
        rates.append(rate)
        bare.append(handler_rate(without, assessed_bare)[0])
    raw, rate = statistics.median(raws), statistics.median(rates)
    rate_bare = statistics.median(bare)
    seconds, seconds_bare = len(events) / rate, len(without) / rate_bare
    whole = pipeline_rate(events)
    print(f"events in the sample year used:          {len(events):>10,}")
    print(f"durable-rules post, trivial ruleset:     {raw:>10,.0f} events/s  "
          f"(rounds: {', '.join(f'{r:,.0f}' for r in raws)})")  # fmt: skip
    print(f"risk handler (rules, facts, judgements): {rate:>10,.0f} events/s  "
          f"= {rate / raw:.2f} of raw  ({flagged} flags; rounds: "
          f"{', '.join(f'{r:,.0f}' for r in rates)})")  # fmt: skip
    print(f"risk handler without the LAAs:           {rate_bare:>10,.0f} events/s  "
          f"({seconds_bare:.1f} s against {seconds:.1f} s with them: the LAAs cost "
          f"{seconds / seconds_bare - 1:+.0%}; rounds: {', '.join(f'{r:,.0f}' for r in bare)})")  # fmt: skip
    print(f"annual assessment, in process:           {statistics.median(assessed):>10.1f} s with LAAs, "
          f"{statistics.median(assessed_bare):.1f} s without")  # fmt: skip
    print(f"whole embedded pipeline incl. ingest:    {whole:>10,.0f} events/s  "
          f"({len(events) / whole:.1f} s for the year)")  # fmt: skip
    if not args.events:
        times = [assess_seconds() for _ in range(args.rounds)]
        print(f"riskgate assess --year 2009 (152 areas): {statistics.median(times):>10.1f} s wall  "
              f"(goal: under 10 s; rounds: {', '.join(f'{t:.1f}' for t in times)})")  # fmt: skip


if __name__ == "__main__":
    main()
