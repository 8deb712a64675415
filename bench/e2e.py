"""Benchmark: the pipeline end to end on Kafka (Tansu) and Redis, against the raw produce rate.

The first --events events of the sample year go in as the ingest service takes them (validated,
keyed by area, published with acks=all and flushed, in batches of 500), each from the token a
deployment would use (an admin registers bodies, an inspectorate reports its own findings, an
integrator sends the rest: on Kafka the events topic trusts no loader); the risk, citizens,
gatekeeper and work consumers run (--shape) as `riskgate run` runs them, each service's in a
process of its own beside an HTTP worker; or one `riskgate run SERVICE` per service, as
docker-compose deploys them; or as threads of this process. Each in consumer groups of its
own. Timed from the first event submitted until every group has
committed up to the end of everything it reads. In the same run, on the same broker: the raw
kafka-python produce rate of the same events' bytes (acks=all, the same producer settings as
riskgate's publisher), and the ratio of the two. Each round starts its own Tansu broker and
prints how long the four consumers took to get their partitions (untimed in the rate).

Redis: --redis-url (default redis://127.0.0.1:6379/14, its `riskgate:` keys flushed; the test
suite's lock on that database is held meanwhile), or --own-redis.

Usage: .venv/bin/python bench/e2e.py [--events N] [--rounds N] [--shape run|services|threads]
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gatekeeper import RULES, claimed, own_redis, tansu
from kafka import KafkaProducer

from riskgate.adapters.redis_store import RedisStore
from riskgate.bootstrap import SUBSCRIPTIONS, System, bootstrap
from riskgate.config import Settings
from riskgate.domain.actors import Actor
from riskgate.domain.publishing import ADMIN, FINDING, REGISTRATION
from riskgate.limits import MAX_MESSAGE_BYTES
from riskgate.sample import generate_year

PIPELINE = ("risk", "citizens", "gatekeeper", "work")  # in the order records flow
BATCH = 500


@dataclass
class Round:
    rate: float  # events/s through the pipeline
    raw: float  # raw produce events/s, acks=all
    assigned_s: float  # seconds until every consumer held its partitions
    ingested: float  # events/s through ingest's submissions alone (before the pipeline drains)


def assignment(system: System, service: str) -> set[Any]:
    """The partitions a running consumer holds (kafka-python's view)."""
    # bench-only peek through the loop's subscription into its KafkaConsumer
    return set(system.loops[service]._subscription._consumer.assignment())  # type: ignore[attr-defined]


def wait_assigned(system: System, services: tuple[str, ...], timeout_s: float) -> float:
    """Seconds until every service's consumer holds partitions; TimeoutError naming those
    that got none."""
    start = time.monotonic()
    while True:
        waiting = [s for s in services if not assignment(system, s)]
        if not waiting:
            return time.monotonic() - start
        if time.monotonic() - start > timeout_s:
            raise TimeoutError(f"no partitions after {timeout_s:.0f} s: {', '.join(waiting)}")
        time.sleep(0.05)


def _settings(kafka: str, redis_url: str, groups: str) -> Settings:
    return Settings(
        kafka_bootstrap_servers=kafka,
        redis_url=redis_url,
        rules_dir=RULES,
        consumer_group_prefix=groups,
    )


@contextlib.contextmanager
def pipeline(kafka: str, redis_url: str, groups: str | None = None) -> Iterator[System]:
    """A System on Kafka and Redis (topics created) with its consumers running in threads, in
    consumer groups of their own (or those named `groups`-service)."""
    if groups is None:
        RedisStore(redis_url).flush_all()
    system = bootstrap(_settings(kafka, redis_url, groups or f"bench-{uuid.uuid4().hex[:6]}"))
    stop = threading.Event()
    threads = system.start_consumers(PIPELINE, stop)
    try:
        yield system
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)
        system.bus.close()  # type: ignore[attr-defined]


def caught_up(system: System) -> bool:
    """Every group has committed up to the end of what it reads, checked in flow order (so
    what an upstream service published before committing is counted downstream)."""
    for service in PIPELINE:
        group = f"{system.settings.consumer_group_prefix}-{service}"
        if any(system.bus.lag(group, SUBSCRIPTIONS[service]).values()):
            return False
    return True


def role_of(event: dict[str, Any]) -> str:
    """The role of the token a deployment would send this event with."""
    if event["type"] == REGISTRATION:
        return ADMIN
    if event["type"] == FINDING:
        return f"inspectorate:{event['payload']['inspectorate']}"
    return "integrator"


def batches(
    system: System, events: list[dict[str, Any]]
) -> list[tuple[Actor, list[dict[str, Any]]]]:
    """The events in order, in runs of one producer, each run cut to BATCH."""
    actors: dict[str, Actor] = {}
    out: list[tuple[Actor, list[dict[str, Any]]]] = []
    for event in events:
        role = role_of(event)
        if role not in actors:
            actor = system.tokens.actor_of(system.tokens.create(role, "bench"))
            assert actor is not None
            actors[role] = actor
        if not out or out[-1][0] != actors[role] or len(out[-1][1]) == BATCH:
            out.append((actors[role], []))
        out[-1][1].append(event)
    return out


def pipeline_rate(
    system: System, events: list[dict[str, Any]], timeout_s: float
) -> tuple[float, float]:
    """Events/s through the whole pipeline, and through ingest's submissions alone."""
    runs = batches(system, events)  # the tokens are made before the clock starts
    start = time.perf_counter()
    for actor, run in runs:
        result = system.ingest.submit(run, actor)
        assert not result.errors, result.errors
    ingested = len(events) / (time.perf_counter() - start)
    deadline = time.monotonic() + timeout_s
    while not caught_up(system):  # a check under load takes 3-30 ms (one took 55-65 ms when
        # a group's committed offsets were asked partition by partition)
        if time.monotonic() > deadline:
            raise TimeoutError(f"the pipeline had not caught up after {timeout_s:.0f} s")
        time.sleep(0.02)  # the end is known to within 20 ms (at 0.1 s, the rate of 10,000
        # events in about 1.5 s was understated by 3% on average)
    return len(events) / (time.perf_counter() - start), ingested


def raw_produce_rate(kafka: str, events: list[dict[str, Any]]) -> float:
    """kafka-python alone: the same events' bytes, keyed by body, acks=all, one flush."""
    producer = KafkaProducer(
        bootstrap_servers=kafka,
        acks="all",
        linger_ms=5,
        max_in_flight_requests_per_connection=1,
        max_request_size=MAX_MESSAGE_BYTES,
    )
    messages = [(e["body"].encode(), json.dumps(e).encode()) for e in events]
    producer.send("bench.raw", value=b"warm")
    producer.flush()
    start = time.perf_counter()
    for key, value in messages:
        producer.send("bench.raw", key=key, value=value)
    producer.flush()
    rate = len(messages) / (time.perf_counter() - start)
    producer.close()
    return rate


SHAPES = {
    "run": "one `riskgate run` (each service's consumers a process of their own)",
    "services": "one `riskgate run SERVICE` per service, as docker-compose deploys them",
    "threads": "the consumers threads of this process",
}


def one_round(
    events: list[dict[str, Any]],
    redis_url: str,
    join_timeout_s: float,
    timeout_s: float,
    shape: str = "run",
) -> Round:
    """A fresh Tansu: raw produce rate, then the pipeline's rate, on the same broker, with
    ingest in this process and the consumers as `shape` says (SHAPES).

    What earlier rows left in this process is collected first: the raw produce rate, measured
    beside a pipeline row's uncollected 600 MB, came out at 9,900-15,400/s, and at
    18,100-29,300/s with it collected (the same events, each on a fresh Tansu)."""
    gc.collect()
    with tempfile.TemporaryDirectory(prefix="riskgate-e2e-") as tmp, tansu(Path(tmp)) as kafka:
        raw = raw_produce_rate(kafka, events)
        if shape != "threads":
            from tansu_join import probes_consumed
            from tansu_join import processes as service_processes

            groups = f"bench-{uuid.uuid4().hex[:6]}"
            RedisStore(redis_url).flush_all()
            with service_processes(kafka, redis_url, groups, Path(tmp), shape == "run"):
                assigned = probes_consumed(kafka, groups, join_timeout_s)
                system = bootstrap(_settings(kafka, redis_url, groups))
                try:
                    rate, ingested = pipeline_rate(system, events, timeout_s)
                finally:
                    system.bus.close()  # type: ignore[attr-defined]
            return Round(rate, raw, assigned, ingested)
        with pipeline(kafka, redis_url) as system:
            assigned = wait_assigned(system, PIPELINE, join_timeout_s)
            rate, ingested = pipeline_rate(system, events, timeout_s)
        return Round(rate, raw, assigned, ingested)


@contextlib.contextmanager
def redis_for(url: str | None) -> Iterator[str]:
    """Our own redis-server (url None), or the given database held and emptied after."""
    if url is None:
        with tempfile.TemporaryDirectory() as tmp, own_redis(Path(tmp)) as own:
            yield own
        return
    with claimed(url):
        try:
            yield url
        finally:
            RedisStore(url).flush_all()


def spread(values: list[float], fmt: str = ",.0f") -> str:
    return f"{min(values):{fmt}}–{max(values):{fmt}}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=10_000, help="the sample year's first N")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--own-redis", action="store_true")
    parser.add_argument("--join-timeout", type=float, default=120.0)
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument(
        "--shape",
        choices=sorted(SHAPES),
        default="run",
        help="how the consumers run: " + "; ".join(f"{k}: {v}" for k, v in SHAPES.items()),
    )
    args = parser.parse_args()
    events = generate_year(2009)[: args.events]
    rounds = []
    with redis_for(None if args.own_redis else args.redis_url) as url:
        for _ in range(args.rounds):
            rounds.append(
                one_round(events, url, args.join_timeout, args.timeout, args.shape)
            )
    rates, raws = [r.rate for r in rounds], [r.raw for r in rounds]
    ratios = [r.rate / r.raw for r in rounds]
    shape = SHAPES[args.shape]
    print(f"the sample year's first {len(events):,} events; {args.rounds} rounds, each on a "
          f"fresh Tansu; {shape}")  # fmt: skip
    print(f"pipeline end to end:     {statistics.median(rates):>8,.0f} events/s  ({spread(rates)})")
    print(f"raw produce, acks=all:   {statistics.median(raws):>8,.0f} events/s  ({spread(raws)})")
    print(f"ratio (per round):       {statistics.median(ratios):>8.3f}  "
          f"({spread(ratios, '.3f')})")  # fmt: skip
    ingests = [r.ingested for r in rounds]
    print(f"ingest alone (submitting): {statistics.median(ingests):>6,.0f} events/s  "
          f"({spread(ingests)})")  # fmt: skip
    print("partitions assigned after: " + ", ".join(f"{r.assigned_s:.1f} s" for r in rounds))


if __name__ == "__main__":
    main()
