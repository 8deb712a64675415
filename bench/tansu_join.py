"""Reproduction: how long riskgate's consumers take to get partitions on a fresh Tansu.

Starts a fresh Tansu broker --starts times, and each time does what bench/e2e.py does before
it times anything: creates riskgate's topics, starts the risk, citizens, gatekeeper and work
consumers as threads (four consumer groups, --members each), and waits until every one holds
its partitions. With --processes, each service is a `riskgate run SERVICE` process instead (as
the integration tests and a deployment run them), and a start counts when each group has
consumed a probe record put on its topic. Prints the seconds each start took, or that it gave
up after --timeout.

Usage: .venv/bin/python bench/tansu_join.py [--starts 10] [--timeout 120]
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from e2e import PIPELINE, batches, pipeline, redis_for, wait_assigned
from gatekeeper import RULES, free_port, tansu
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from riskgate import topics
from riskgate.adapters.kafka_bus import KafkaBus
from riskgate.bootstrap import SUBSCRIPTIONS
from riskgate.sample import generate_year

PROBED = {service: SUBSCRIPTIONS[service][0] for service in PIPELINE}


@contextlib.contextmanager
def processes(
    kafka: str, url: str, groups: str, logs: Path, together: bool = False
) -> Iterator[None]:
    """The four services as `riskgate run SERVICE` processes in the groups `groups`-service
    (the topics created first, as bench/e2e.py's bootstrap does), or, `together`, one
    `riskgate run` of every service (which runs each service's consumers in a process of
    their own beside its HTTP worker)."""
    KafkaBus(kafka).ensure_topics(topics.ALL_TOPICS)
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("KAFKA_", "REDIS_", "RISKGATE_"))
    }
    env.update(
        KAFKA_BOOTSTRAP_SERVERS=kafka, REDIS_URL=url, RISKGATE_GROUP_PREFIX=groups,
        RISKGATE_RULES_DIR=str(RULES), RISKGATE_LOG_LEVEL="WARNING",
    )  # fmt: skip
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "riskgate", "run", *service, "--port", str(free_port())],
            env=env,
            stdout=(logs / f"{'-'.join(service) or 'all'}.log").open("w"),
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        for service in ([()] if together else [(s,) for s in PIPELINE])
    ]
    try:
        yield
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(30)


def probes_consumed(kafka: str, groups: str, timeout_s: float) -> float:
    """Put one unreadable record on each service's topic (every consumer dead-letters and
    commits it); seconds until every group has committed past it."""
    producer = KafkaProducer(bootstrap_servers=kafka, acks="all")
    sent = {}
    for service, topic in PROBED.items():
        sent[service] = producer.send(topic, key=b"probe", value=b"probe", partition=0).get(30)
    producer.close()
    begun = time.monotonic()
    readers = {
        service: KafkaConsumer(bootstrap_servers=kafka, group_id=f"{groups}-{service}")
        for service in PIPELINE
    }
    try:
        while True:
            waiting = [
                service
                for service, reader in readers.items()
                if (reader.committed(TopicPartition(PROBED[service], 0)) or 0)
                <= sent[service].offset
            ]
            if not waiting:
                return time.monotonic() - begun
            if time.monotonic() - begun > timeout_s:
                raise TimeoutError(
                    f"nothing consumed after {timeout_s:.0f} s: {', '.join(waiting)}"
                )
            time.sleep(0.25)
    finally:
        for reader in readers.values():
            reader.close()


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
    parser.add_argument("--processes", action="store_true", help="`riskgate run SERVICE` each")
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
                if args.processes:
                    stack.enter_context(processes(kafka, url, groups, Path(tmp)))
                    try:
                        took = probes_consumed(kafka, groups, args.timeout)
                        seconds.append(took)
                        print(f"start {start}: every group consumed after {took:.1f} s", flush=True)
                    except TimeoutError as exc:
                        failed += 1
                        print(f"start {start}: {exc}", flush=True)
                    continue
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
