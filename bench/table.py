"""Benchmark: issue 16's table, every row beside its reference measured in the same run.

Rounds are interleaved (every row once per round, then the next round), and each row prints
the median of its rounds with the spread (min–max). The rows, and what each is measured against:

- assess: `riskgate assess --year 2009` wall time in a fresh process (the batch annual pass),
  with the year's events read back from the cache folder as on every run after the first,
  against generating the sample year alone in a fresh process;
- assess_streaming: the same with `--replay streaming` (each event through the live risk
  handler, the same bytes out), against the batch pass in the same round;
- simulate: `riskgate rules simulate` (the shipped rules as the candidate: two replays), the
  events read back as for assess, against assess in the same round;
- simulate_first: the same on an empty cache folder, as the first run of a riskgate finds it
  (the year generated, then kept), against simulate in the same round;
- start: `make run` until the sample year is loaded, from bench/start.py when it exists (from
  the prepared snapshot, against loading through ingest on an empty home);
- pipeline: the embedded pipeline (memory adapters: ingest, bus, risk, citizens, gatekeeper,
  work) over the sample year, against validating every event once against the contract;
- e2e: the pipeline on Tansu and Redis (bench/e2e.py, the year's first --e2e-events events),
  against the raw kafka-python produce rate of the same events, acks=all, same broker; ingest
  in the bench's process and the consumers as `riskgate run` runs them (each service's in a
  `riskgate consume` process of its own, beside an idle HTTP worker);
- e2e_processes: the same with one `riskgate run SERVICE` per service, as docker-compose
  deploys them;
- e2e_threads: the same with the consumers threads of the bench's process, the shape
  `riskgate run` had before `riskgate consume` (no goal: shown to compare);
- gatekeeper: requests applied per second through Tansu and Redis (bench/gatekeeper.py,
  --requests, in process), against sequential Redis PINGs per second;
- risk: the risk handler over the sample year (bench/risk.py), against durable-rules `post` on
  a one-rule ruleset.

Then the scaling: CPU seconds of `riskgate assess` and of the embedded pipeline at 1×, 2× and 4×
the events, and of the gatekeeper deciding 1,000, 3,000 and 6,000 requests (bench/scaling.py,
memory adapters), each with the cost per event and the exponent b of cost ∝ n^b (1 is linear).
k× the events is the 2009 sample generated with k seeds (2009, 1, 2, …) merged in time order:
the same 353 bodies, each indicator reported k times a quarter (--scaling-rounds rounds).
That multiplies what the rules find far more than the events: each area's agreement in force
is the latest seed's, and it judges the other seeds' figures, so LAA targets fire or stand
where they did not (5 December: 54,518 LAA target observations at 4×, against 7 at 1×), and
each such value is handled in full. So `assess` is also timed on consecutive sample years
(2009; 2009 and 2010), where the same bodies report for longer, as years of use bring.

Usage: .venv/bin/python bench/table.py [--quick] [--only ROW[,ROW…]] [--rounds N]
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib
import io
import json
import logging
import math
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import e2e
import gatekeeper
import risk
import scaling

from riskgate.adapters.redis_store import RedisStore
from riskgate.config import Settings
from riskgate.sample import generate_year
from riskgate.schemas import validate_event
from riskgate.service_layer.prepared_events import sample_events

BENCH = Path(__file__).resolve().parent
RULES = BENCH.parent / "rules"
YEAR = 2009


@dataclass
class Row:
    """One line of the table: what, its goal, and the figures of each round."""

    what: str
    unit: str  # "s" (lower is better) or "/s" (higher is better)
    goal: str
    reference: str
    against_reference: bool = False  # ratio now/reference for a time too (simulate/assess)
    now: list[float] = field(default_factory=list)
    ref: list[float] = field(default_factory=list)

    def ratios(self) -> list[float]:
        """Per round: now/reference for a rate, reference/now for a time (higher is better
        both ways), now/reference for a time `against_reference` (simulate/assess)."""
        pairs = zip(self.now, self.ref, strict=True)
        if self.unit == "/s" or self.against_reference:
            return [n / r for n, r in pairs]
        return [r / n for n, r in pairs]


def _fresh(*args: str, env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall and CPU seconds of a fresh Python process running `args`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, *args], check=True, capture_output=True, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def year_seconds() -> float:
    return _fresh("-c", f"from riskgate.sample import generate_year; generate_year({YEAR})")[0]


def assess_file(events: Path, out: Path) -> tuple[float, float]:
    return _fresh(
        "-m", "riskgate", "assess", "--year", str(YEAR), "--events", str(events), "--out", str(out)
    )


def simulate_seconds(cache: Path) -> float:
    """`riskgate rules simulate` with the sample year's events in RISKGATE_CACHE_DIR `cache`
    (read back, or, from an empty folder, generated and kept as on a first run)."""
    env = {**os.environ, "RISKGATE_RULES_DIR": str(RULES), "RISKGATE_CACHE_DIR": str(cache)}
    return _fresh("-m", "riskgate", "rules", "simulate", "--candidate", str(RULES), env=env)[0]


def kept_events(cache: Path) -> None:
    """The sample year's events kept in `cache`, as the first `assess` or `simulate` keeps them."""
    first = sample_events(Settings(cache_dir=cache), YEAR)
    assert first.source is None and sample_events(Settings(cache_dir=cache), YEAR).source


def validate_rate(events: list[dict[str, Any]]) -> float:
    start = time.perf_counter()
    for event in events:
        validate_event(event)
    return len(events) / (time.perf_counter() - start)


def gatekeeper_round(requests: int, redis_url: str) -> tuple[float, float]:
    """bench/gatekeeper.py once, its printout kept quiet: (requests/s, PINGs/s)."""
    args = argparse.Namespace(
        requests=requests, december=0.6, partitions=6, seed=2009, mode="inprocess",
        round_trips=20_000, flushes=30, timeout=600.0,
    )  # fmt: skip
    with (
        tempfile.TemporaryDirectory(prefix="riskgate-table-") as tmp,
        gatekeeper.tansu(Path(tmp)) as kafka,
        contextlib.redirect_stdout(io.StringIO()),
    ):
        try:
            return gatekeeper.run(args, kafka, redis_url, Path(tmp))
        finally:
            RedisStore(redis_url).flush_all()


def start_row() -> Callable[[], tuple[float, float]] | None:
    """bench/start.py's figures for one round, (seconds until loaded, reference seconds), if
    it is on this branch: its `measure()`, or its `seconds_to_ready(home, snapshots)` run on an
    empty home after a run that loaded the year through ingest and wrote the snapshot (the
    reference)."""
    if not (BENCH / "start.py").exists():
        return None
    start = importlib.import_module("start")
    if hasattr(start, "measure"):
        return start.measure
    if not hasattr(start, "seconds_to_ready"):
        return None

    def measure() -> tuple[float, float]:
        with tempfile.TemporaryDirectory(prefix="riskgate-start-") as tmp:
            snapshots = Path(tmp) / "snapshots"
            loaded = start.seconds_to_ready(Path(tmp) / "loads", snapshots)[0]
            restored = start.seconds_to_ready(Path(tmp) / "restores", snapshots)[0]
        return restored, loaded

    return measure


def years(k: int) -> list[dict[str, Any]]:
    """k× the sample year's events: the 2009 sample with k seeds, merged in time order."""
    seeds = [2009, *range(1, k)]
    merged = [e for seed in seeds for e in generate_year(YEAR, seed)]
    merged.sort(key=lambda e: (e["occurred_at"], e["event_id"]))
    return merged


def consecutive(k: int) -> list[dict[str, Any]]:
    """k sample years one after another (2009, 2010, …), merged in time order: more quarters
    of the same bodies' figures, as years of use bring. Past 2010 the generator's agreements
    (2008-09 to 2010-11) have no targets, which ingest refuses, so k is at most 2."""
    merged = [e for year in range(YEAR, YEAR + k) for e in generate_year(year)]
    merged.sort(key=lambda e: (e["occurred_at"], e["event_id"]))
    return merged


def exponent(sizes: list[int], costs: list[float]) -> float:
    """b in cost ∝ n^b, least squares on the logarithms."""
    xs, ys = [math.log(n) for n in sizes], [math.log(c) for c in costs]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mx) ** 2 for x in xs
    )


def fmt(value: float, unit: str) -> str:
    return f"{value:,.1f} s" if unit == "s" else f"{value:,.0f}/s"


def spread(values: list[float], unit: str) -> str:
    if unit == "s":
        return f"{min(values):,.1f}–{max(values):,.1f}"
    return f"{min(values):,.0f}–{max(values):,.0f}"


def print_table(rows: list[Row], rounds: int, note: str) -> None:
    print(f"issue 16's table: median of {rounds} interleaved round(s) (min–max); {note}")
    print("| what | now | goal | reference (same run) | ratio |")
    print("|---|---|---|---|---|")
    for row in rows:
        if not row.now:
            print(f"| {row.what} | not measured | {row.goal} | {row.reference} | |")
            continue
        ratios = row.ratios()
        print(
            f"| {row.what} | {fmt(statistics.median(row.now), row.unit)} "
            f"({spread(row.now, row.unit)}) | {row.goal} | {row.reference}: "
            f"{fmt(statistics.median(row.ref), row.unit)} ({spread(row.ref, row.unit)}) | "
            f"**{statistics.median(ratios):.3f}** ({min(ratios):.3f}–{max(ratios):.3f}) |"
        )


def print_scaling(title: str, unit: str, sizes: list[int], costs: list[list[float]]) -> None:
    """costs[i] holds the rounds' CPU seconds at sizes[i]."""
    medians = [statistics.median(c) for c in costs]
    print(f"{title}: exponent b = {exponent(sizes, medians):.2f} (cost ∝ n^b)")
    for n, c, m in zip(sizes, costs, medians, strict=True):
        print(
            f"  {n:>9,} {unit}: {m:>7.1f} CPU s ({min(c):.1f}–{max(c):.1f}), "
            f"{m / n * 1000:.3f} ms per {unit.rstrip('s')}"
        )


ROWS = (
    "assess",
    "assess_streaming",
    "assess_snapshot",
    "simulate",
    "simulate_first",
    "start",
    "pipeline",
    "e2e",
    "e2e_processes",
    "e2e_threads",
    "gatekeeper",
    "risk",
    "scaling",
)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="1 round, smaller e2e and scaling")
    parser.add_argument("--only", default=",".join(ROWS), help=f"rows: {', '.join(ROWS)}")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--scaling-rounds", type=int, default=2)
    parser.add_argument("--e2e-events", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=3000, help="gatekeeper row")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    args = parser.parse_args()
    only = set(args.only.split(","))
    unknown = only - set(ROWS)
    if unknown:
        parser.error(f"--only: no row {', '.join(sorted(unknown))}; rows: {', '.join(ROWS)}")
    if args.quick:
        args.rounds, args.scaling_rounds, args.e2e_events = 1, 1, min(args.e2e_events, 2000)
        args.requests = min(args.requests, 1000)
    multiples = (1, 2) if args.quick else (1, 2, 4)
    requests = (1000, 3000) if args.quick else (1000, 3000, 6000)

    events = generate_year(YEAR)
    measure_start = start_row()
    rows = {
        "assess": Row("`riskgate assess --year 2009`", "s", "< 3 s", "the year generated alone"),
        "assess_streaming": Row(
            "the same, `--replay streaming` (each event through the risk handler)", "s", "",
            "assess (batch pass)", True,
        ),
        "assess_snapshot": Row(
            "`riskgate assess --year 2009` from the prepared snapshot (same bytes)", "s", "< 3 s",
            "the replay (row above)",
        ),
        "simulate": Row(
            "`riskgate rules simulate` (two replays)", "s", "< 5 s", "assess", True
        ),
        "simulate_first": Row(
            "the same, the first run (the year generated and kept)", "s", "",
            "simulate (the year read back)", True,
        ),
        "start": Row(
            "`make run` until the sample year is loaded (bench/start.py)", "s", "< 15 s",
            "the year loaded through ingest",
        ),
        "pipeline": Row(
            f"embedded pipeline, ingest → decision ({len(events):,} events, memory)",
            "/s", "≥ 10,000/s", "validating each event once",
        ),
        "e2e": Row(
            f"end to end on Tansu + Redis (first {args.e2e_events:,} events)",
            "/s", "ratio ≥ 0.25", "raw kafka-python produce, acks=all",
        ),
        "e2e_processes": Row(
            "the same, one `riskgate run SERVICE` per service as docker-compose runs them",
            "/s", "ratio ≥ 0.25", "raw kafka-python produce, acks=all",
        ),
        "e2e_threads": Row(
            "the same, the consumers threads of the ingesting process (the former shape)",
            "/s", "—", "raw kafka-python produce, acks=all",
        ),
        "gatekeeper": Row(
            f"gatekeeper requests/s (decided or held in triage), Tansu + Redis ({args.requests:,})",
            "/s", "ratio ≥ 0.1", "sequential Redis PINGs",
        ),
        "risk": Row(
            "risk handler over the sample year", "/s", "ratio ≥ 1/3", "durable-rules `post`"
        ),
    }  # fmt: skip
    chosen = [rows[name] for name in rows if name in only]
    e2e_events = events[: args.e2e_events]
    prepared = Path(tempfile.mkdtemp(prefix="riskgate-bench-")) / "snapshots"
    if "assess_snapshot" in only:
        risk.prepare_snapshot(prepared)
    cache = prepared.parent / "cache"  # RISKGATE_CACHE_DIR: the year's events, kept once
    kept_events(cache)
    with e2e.redis_for(args.redis_url) as url:
        for _ in range(args.rounds):  # interleaved: this machine's speed drifts minute to minute
            wanted = {"assess", "assess_streaming", "assess_snapshot", "simulate",
                      "simulate_first"} & only  # fmt: skip
            assessed = risk.assess_seconds(cache=cache) if wanted else 0.0
            if "assess_snapshot" in only:
                rows["assess_snapshot"].now.append(risk.assess_seconds(prepared))
                rows["assess_snapshot"].ref.append(assessed)
            if "assess_streaming" in only:
                rows["assess_streaming"].now.append(
                    risk.assess_seconds(None, "--replay", "streaming", cache=cache)
                )
                rows["assess_streaming"].ref.append(assessed)
            if "assess" in only:
                rows["assess"].now.append(assessed)
                rows["assess"].ref.append(year_seconds())
            simulated = simulate_seconds(cache) if {"simulate", "simulate_first"} & only else 0
            if "simulate" in only:
                rows["simulate"].now.append(simulated)
                rows["simulate"].ref.append(assessed)
            if "simulate_first" in only:
                empty = Path(tempfile.mkdtemp(prefix="cache-", dir=prepared.parent))
                rows["simulate_first"].now.append(simulate_seconds(empty))
                rows["simulate_first"].ref.append(simulated)
                shutil.rmtree(empty, ignore_errors=True)
            if "start" in only and measure_start is not None:
                now, ref = measure_start()
                rows["start"].now.append(now)
                rows["start"].ref.append(ref)
            if "pipeline" in only:
                rows["pipeline"].now.append(risk.pipeline_rate(events))
                rows["pipeline"].ref.append(validate_rate(events))
            for row, shape in (
                ("e2e", "run"),
                ("e2e_processes", "services"),
                ("e2e_threads", "threads"),
            ):
                if row in only:
                    result = e2e.one_round(e2e_events, url, 120, 1800, shape)
                    rows[row].now.append(result.rate)
                    rows[row].ref.append(result.raw)
            gc.collect()  # each row measured apart from what the rows before it left
            if "gatekeeper" in only:
                rate, ping = gatekeeper_round(args.requests, url)
                rows["gatekeeper"].now.append(rate)
                rows["gatekeeper"].ref.append(ping)
            if "risk" in only:
                gc.collect()
                rows["risk"].now.append(risk.handler_rate(events)[0])
                rows["risk"].ref.append(risk.raw_post_rate(30_000))
    shutil.rmtree(prepared.parent, ignore_errors=True)
    if chosen:
        print_table(chosen, args.rounds, "ratio = now/reference for rates, reference/now for "
                    "times (simulate: simulate/assess)")  # fmt: skip
    if "start" in only and measure_start is None:
        path = BENCH / "start.py"
        if path.exists():  # a bench/start.py without measure(): quote what it prints
            print("\n`make run` until loaded: bench/start.py says:")
            print(subprocess.run([sys.executable, str(path)], capture_output=True, text=True,
                                 check=False).stdout.rstrip())  # fmt: skip
        else:
            print("\n`make run` until loaded: bench/start.py is not on this branch yet")
    if "scaling" in only:
        scale(multiples, requests, args.scaling_rounds)


def scale(multiples: tuple[int, ...], requests: tuple[int, ...], rounds: int) -> None:
    """CPU seconds at each size, rounds interleaved; the sizes' events are made once."""
    print(
        f"\nscaling: CPU seconds, median of {rounds} interleaved round(s) (min–max); k× the events "
        "= the 2009 sample generated with k seeds, merged in time order (the same bodies; the "
        "seeds' citizens' case numbers collide, so a dozen of their events are refused as "
        "duplicates); assess reads and validates the file, which the bundled year skips"
    )
    # the merged seeds' duplicate citizens' cases are refused: a dozen log lines, not figures
    logging.getLogger("riskgate.entrypoints.consumer").setLevel(logging.ERROR)
    assess: dict[int, list[float]] = {k: [] for k in multiples}
    spans = (1, 2)  # consecutive years (`consecutive`)
    over_years: dict[int, list[float]] = {k: [] for k in spans}
    pipeline: dict[int, list[float]] = {k: [] for k in multiples}
    deciding: dict[int, list[float]] = {n: [] for n in requests}
    counts: dict[int, int] = {}
    with tempfile.TemporaryDirectory(prefix="riskgate-scaling-") as tmp:
        files = {}
        for k in multiples:
            merged = years(k)
            counts[k] = len(merged)
            files[k] = Path(tmp) / f"events-{k}x.jsonl"
            files[k].write_text("".join(json.dumps(e) + "\n" for e in merged))
        year_files, year_counts = {}, {}
        for k in spans:
            merged = consecutive(k)
            year_counts[k] = len(merged)
            year_files[k] = Path(tmp) / f"events-{k}-years.jsonl"
            year_files[k].write_text("".join(json.dumps(e) + "\n" for e in merged))
        for _ in range(rounds):
            for k in spans:
                over_years[k].append(assess_file(year_files[k], Path(tmp) / "out.json")[1])
            for k in multiples:
                assess[k].append(assess_file(files[k], Path(tmp) / "out.json")[1])
                merged = [json.loads(line) for line in files[k].read_text().splitlines()]
                started = time.process_time()
                risk.pipeline_rate(merged)
                pipeline[k].append(time.process_time() - started)
                del merged
            for n in requests:
                deciding[n].append(sum(scaling.decide(n)[0]))
    sizes = [counts[k] for k in multiples]
    print_scaling(
        "`riskgate assess --year 2009 --events FILE` (fresh process, "
        + ", ".join(f"{k}×" for k in multiples) + ")",
        "events", sizes, [assess[k] for k in multiples],
    )  # fmt: skip
    print_scaling(
        "the same on consecutive sample years ("
        + ", ".join(f"{YEAR + k - 1}" for k in spans) + "): each body's figures k years long",
        "events", [year_counts[k] for k in spans], [over_years[k] for k in spans],
    )  # fmt: skip
    print_scaling(
        "embedded pipeline, memory adapters (" + ", ".join(f"{k}×" for k in multiples) + ")",
        "events", sizes, [pipeline[k] for k in multiples],
    )  # fmt: skip
    print_scaling(
        "gatekeeper deciding, memory adapters (bench/scaling.py's stream)",
        "decisions", list(requests), [deciding[n] for n in requests],
    )  # fmt: skip


if __name__ == "__main__":
    main()
