"""The gatekeeper under faults, each gatekeeper a real `riskgate run gatekeeper` process
on a Tansu broker and a real Redis: two processes racing on one stream, a rebuild of the
stored state from the topics, Redis dying mid-stream, and a crash between publish and store."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import random
import re
import signal
import subprocess
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest
import redis
from kafka import KafkaProducer

from riskgate.adapters.redis_store import RedisStore
from riskgate.adapters.store import MemoryStore
from riskgate.domain.gatekeeper import NOT_VISITS, on_site_period
from riskgate.domain.vocabulary import INSPECTORATES, THEMES
from riskgate.failpoints import EXIT_CODE
from riskgate.service_layer.gatekeeper import rebuild
from riskgate.service_layer.tokens import Tokens
from tests.conftest import _start_redis, riskgate_command, service_env
from tests.integration.cluster import (
    Service,
    call,
    descendants,
    gatekeeper_state,
    group_caught_up,
    read_topic,
    tcp_ports_to,
    wait_for,
)

pytestmark = pytest.mark.integration

REQUESTS = "inspection.requests.v1"
DECISIONS = "gatekeeper.decisions.v1"
JUDGEMENTS = "risk.judgements.v1"
NS = "riskgate:"
# Unitary councils: each an area of its own, so body and area (the message key) agree.
HARTLEPOOL, MIDDLESBROUGH, REDCAR, STOCKTON = "E06000001", "E06000002", "E06000003", "E06000004"
DARLINGTON, HALTON, WARRINGTON, BLACKBURN = "E06000005", "E06000006", "E06000007", "E06000008"
REST_DAYS, CAP_DAYS, ROLLING = 30, 20, 365  # rules/policies.yaml: GK-REST, GK-CAP


# --- building and sending requests -----------------------------------------------------------


def requested(
    body: str,
    inspectorate: str,
    theme: str,
    window: tuple[str, str],
    on_site_days: int,
    *,
    on: str = "2009-10-01T09:00:00+00:00",
    request_id: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """An `inspection.requested` envelope as a Government Office's proposal makes it: straight
    to the gatekeeper (a risk rule's request would wait for its inspectorate's triage first;
    tests/integration/test_framework_cluster.py)."""
    request_id = request_id or f"REQ-{uuid.uuid4().hex[:12]}"
    return {
        "event_id": str(uuid.uuid4()),
        "type": "inspection.requested",
        "occurred_at": on,
        "source": "riskgate.risk",
        "body": body,
        "payload": {
            "area": body,
            "inspectorate": inspectorate,
            "theme": theme,
            "window_start": window[0],
            "window_end": window[1],
            "on_site_days": on_site_days,
            "origin": "government_office",
            "reason": f"{theme} at {body} needs a look ({request_id})",
            "request_id": request_id,
            "evidence": [str(uuid.uuid4())],
            **extra,
        },
    }


def produce(
    kafka: str,
    events: Iterable[dict[str, Any]],
    topic: str = REQUESTS,
    partition_of: Callable[[dict[str, Any]], int] | None = None,
) -> None:
    """Put messages straight on a topic, keyed by body (= area here), and wait for the acks."""
    producer = KafkaProducer(bootstrap_servers=kafka, acks="all")
    try:
        for event in events:
            producer.send(
                topic,
                key=event["body"].encode(),
                value=json.dumps(event).encode(),
                partition=partition_of(event) if partition_of else None,
            )
        producer.flush()
    finally:
        producer.close()


def mixed_stream(
    bodies: list[str], n: int, seed: int, *, start: dt.date, spread_days: int = 20
) -> list[dict[str, Any]]:
    """n routine requests round the bodies, every inspectorate and theme, all windows overlapping."""
    rng = random.Random(seed)
    events = []
    for i in range(n):
        window_start = start + dt.timedelta(days=rng.randint(0, spread_days))
        window_end = start + dt.timedelta(days=88 + rng.randint(0, 28))
        events.append(
            requested(
                bodies[i % len(bodies)],
                rng.choice(list(INSPECTORATES)),
                rng.choice(THEMES),
                (window_start.isoformat(), window_end.isoformat()),
                rng.randint(2, 8),
                on=f"2009-10-01T09:{i // 60:02d}:{i % 60:02d}+00:00",
                request_id=f"REQ-{seed}-{i:03d}",
            )
        )
    return events


# --- reading what the gatekeeper did -----------------------------------------------------------


def _hash(redis_url: str, key: str) -> dict[str, Any]:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    try:
        raw: dict[str, str] = client.hgetall(NS + key)  # type: ignore[assignment]
        return {k: json.loads(v) for k, v in raw.items()}
    finally:
        client.close()


def stored_decisions(redis_url: str) -> list[dict[str, Any]]:
    return list(_hash(redis_url, "gk:decisions").values())


def register(redis_url: str, body: str) -> list[dict[str, Any]]:
    return list(_hash(redis_url, f"gk:register:{body}").values())


def published(kafka: str, kind: str = "gatekeeper.decision") -> list[dict[str, Any]]:
    return [m for m in map(json.loads, read_topic(kafka, DECISIONS)) if m["type"] == kind]


def _day(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


def burden_problems(body: str, inspections: list[dict[str, Any]]) -> list[str]:
    """Where a body's register breaks rest (incl. overlap) or the 12-month cap of on-site days.

    A joint inspection is one register entry, so it counts once.
    """
    visits = sorted(
        (i for i in inspections if i["status"] not in NOT_VISITS),
        key=lambda i: (i["on_site_start"], i["inspection_id"]),
    )
    problems = []
    for a, b in combinations(visits, 2):
        gap = (_day(b["on_site_start"]) - _day(a["on_site_end"])).days
        if gap < REST_DAYS:
            problems.append(
                f"{body}: {a['inspection_id']} on site {a['on_site_start']}..{a['on_site_end']} "
                f"and {b['inspection_id']} {b['on_site_start']}..{b['on_site_end']}: gap {gap} days"
            )
    days: list[dt.date] = []
    for visit in visits:
        period = on_site_period(_day(visit["on_site_start"]), int(visit["on_site_days"]))
        assert period[-1] == _day(visit["on_site_end"]), visit
        days.extend(period)
    days.sort()
    for end in days:
        within = [d for d in days if (end - d).days < ROLLING and d <= end]
        if len(within) > CAP_DAYS:
            problems.append(f"{body}: {len(within)} on-site days in the 365 days to {end}")
            break
    return problems


def one_decision_per_request(redis_url: str, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every request has exactly one stored decision; return the decisions."""
    decisions = stored_decisions(redis_url)
    per_request = Counter(d["request_id"] for d in decisions)
    wanted = {e["payload"]["request_id"] for e in events}
    assert set(per_request) == wanted, (
        f"missing {sorted(wanted - set(per_request))[:5]}, extra {sorted(set(per_request) - wanted)[:5]}"
    )
    assert max(per_request.values()) == 1, per_request.most_common(3)
    requests = _hash(redis_url, "gk:requests")
    assert {r: v["decision_id"] for r, v in requests.items()} == {
        d["request_id"]: d["decision_id"] for d in decisions
    }
    return decisions


def each_request_in_one_inspection(
    redis_url: str, bodies: Iterable[str], decisions: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """A request that was not rejected sits in exactly one inspection, a rejected one in none."""
    inspections = [i for b in set(bodies) for i in register(redis_url, b)]
    holders = Counter(r for i in inspections for r in i["request_ids"])
    for d in decisions:
        expected = 0 if d["outcome"] == "rejected" else 1
        assert holders[d["request_id"]] == expected, (d["request_id"], d["outcome"], holders)
        if d["inspection_id"]:
            held = next(i for i in inspections if i["inspection_id"] == d["inspection_id"])
            assert d["request_id"] in held["request_ids"], (d, held)
    return inspections


def decisions_topic_matches_store(kafka: str, decisions: list[dict[str, Any]]) -> Counter[str]:
    """Every stored decision is on the topic, every copy of one decision alike; return copies."""
    messages = published(kafka)
    copies = Counter(m["event_id"] for m in messages)
    assert set(copies) == {d["decision_id"] for d in decisions}
    by_id: dict[str, dict[str, Any]] = {}
    for m in messages:
        first = by_id.setdefault(m["event_id"], m)
        assert m == first, f"decision {m['event_id']} published twice with different content"
    assert {m["event_id"]: m["payload"]["request_id"] for m in messages} == {
        d["decision_id"]: d["request_id"] for d in decisions
    }
    for d in decisions:
        sent = by_id[d["decision_id"]]["payload"]
        assert (sent["outcome"], sent["inspection_id"], sent["deferred_until"]) == (
            d["outcome"],
            d["inspection_id"],
            d["deferred_until"],
        )
    return copies


def state_differences(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Per differing key: the fields or members only before, and only after."""
    out: dict[str, Any] = {}
    for key in sorted(before.keys() | after.keys()):
        was, now = before.get(key), after.get(key)
        if was == now:
            continue
        if isinstance(was, dict) and isinstance(now, dict):
            changed = sorted(f for f in was.keys() | now.keys() if was.get(f) != now.get(f))
            out[key] = {f: (was.get(f), now.get(f)) for f in changed}
        elif isinstance(was, list) and isinstance(now, list):
            out[key] = {
                "only before": sorted(set(was) - set(now)),
                "only after": sorted(set(now) - set(was)),
            }
        else:
            out[key] = (was, now)
    return out


# --- which process stored each decision: Redis MONITOR, client ports mapped to processes ------


_FIELD = re.compile(r"(?<= )([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?= )")


class DecisionWriters:
    """Records the Redis client port that wrote each `gk:decisions` field (via MONITOR)."""

    def __init__(self, redis_url: str) -> None:
        # No read timeout (redis-py 8 defaults to 5 s): MONITOR waits through quiet spells.
        self._client = redis.Redis.from_url(redis_url, socket_timeout=None)
        self._db = int(self._client.connection_pool.connection_kwargs.get("db", 0))
        self.port_of: dict[str, int] = {}
        self._started = threading.Event()
        self._monitor: Any = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        assert self._started.wait(10), "MONITOR did not start"

    def _run(self) -> None:
        try:
            with self._client.monitor() as monitor:
                self._monitor = monitor
                self._started.set()
                while True:
                    try:
                        command = monitor.next_command()
                    except (ValueError, AttributeError, IndexError):
                        continue  # a line redis-py's MONITOR parser cannot read: not ours
                    parts = command["command"].split(" ", 2)
                    if (
                        command["db"] == self._db
                        and len(parts) == 3
                        and parts[0].upper() == "HSET"
                        and parts[1] == NS + "gk:decisions"
                    ):
                        # A poll batch stores many decisions in one HSET: every field is a
                        # bare decision id (ids inside the JSON values are quoted).
                        for decision_id in _FIELD.findall(" " + parts[2]):
                            self.port_of[decision_id] = int(command["client_port"])
        except (redis.RedisError, OSError):
            return  # closed by stop()

    def stop(self) -> None:
        if self._monitor is not None:
            self._monitor.connection.disconnect()
        self._thread.join(5)
        self._client.close()


# --- 1. the race ----------------------------------------------------------------------------------


def test_two_gatekeepers_racing_on_one_stream_decide_each_request_once_and_keep_the_burden(
    kafka: str, own_redis: tuple[str, Path, int], tmp_path: Path
) -> None:
    # A redis-server of the test's own: MONITOR then streams only the racers' commands, never
    # another test run's, so it keeps up however busy the machine is.
    redis_url = own_redis[0]
    # Different group prefixes: each process consumes every request, the worst case.
    writers = DecisionWriters(redis_url)
    racers = {
        "a": Service("gatekeeper", kafka, redis_url, tmp_path, RISKGATE_GROUP_PREFIX="race-a"),
        "b": Service("gatekeeper", kafka, redis_url, tmp_path, RISKGATE_GROUP_PREFIX="race-b"),
    }
    groups = ("race-a-gatekeeper", "race-b-gatekeeper")
    bodies = [HARTLEPOOL, MIDDLESBROUGH, STOCKTON, DARLINGTON]
    ports = ClientPorts(racers, redis_port(redis_url))
    try:
        for service in racers.values():
            service.wait_ready()
        ports.start()
        # One request first, so both consumers are in their groups before the burst.
        warm = requested(
            HALTON, "ofsted", "children_and_young_people", ("2009-11-02", "2010-01-29"), 5
        )
        produce(kafka, [warm])
        wait_for(
            lambda: all(group_caught_up(kafka, g, REQUESTS) for g in groups),
            what="both gatekeepers to take the first request",
        )
        # Which process wins each lock is down to timing; a wave in which one process happened
        # to win every race proves less, so another wave follows (at most three in all), and
        # that wave's burst meets the last winner stalled for a moment, so the other starts
        # first; once it resumes, the two race for the rest of the burst.
        events = [warm]
        won: Counter[str] = Counter()
        for wave in range(3):
            burst = mixed_stream(bodies, 60, seed=2009 + wave, start=dt.date(2009, 11, 2))
            stalled = [name for name in racers if won[name] > 0] if wave else []
            for name in stalled:
                signal_tree(racers[name].proc.pid, signal.SIGSTOP)
            # Bodies spread over the partitions, so each process meets them in its own order.
            produce(kafka, burst, partition_of=lambda e: bodies.index(e["body"]) % 3)
            events += burst
            if stalled:
                time.sleep(0.5)
                for name in stalled:
                    signal_tree(racers[name].proc.pid, signal.SIGCONT)
            wait_for(
                lambda: (
                    len(stored_decisions(redis_url)) >= len(events)  # noqa: B023 - waited on here
                    and all(group_caught_up(kafka, g, REQUESTS) for g in groups)
                ),
                timeout_s=60,
                what="every request decided and both gatekeepers caught up",
            )
            time.sleep(0.5)  # anything a loser of the race would (wrongly) still store lands now
            # MONITOR reports asynchronously: wait until it has named the writer of every decision.
            wait_for(
                lambda: {d["decision_id"] for d in stored_decisions(redis_url)}
                <= writers.port_of.keys(),
                timeout_s=60,
                what="MONITOR to report who stored each decision",
            )
            owner = ports.owners()
            won = Counter(
                owner.get(writers.port_of.get(d["decision_id"], -1), "?")
                for d in stored_decisions(redis_url)
            )
            if won["a"] > 0 and won["b"] > 0:
                break

        problems = [p for b in bodies for p in burden_problems(b, register(redis_url, b))]
        assert problems == []
        decisions = one_decision_per_request(redis_url, events)
        inspections = each_request_in_one_inspection(redis_url, [*bodies, HALTON], decisions)
        copies = decisions_topic_matches_store(kafka, decisions)
        assert max(copies.values()) == 1, (
            f"decided twice: {[d for d, n in copies.items() if n > 1]}"
        )
        outcomes = Counter(d["outcome"] for d in decisions)
        # The stream is built to clash: every window overlaps, so most requests merge, join
        # or are placed after another visit.
        assert {"approved", "merged", "joint", "deferred"} <= set(outcomes), outcomes
        assert len(inspections) == outcomes["approved"] + outcomes["deferred"]

        # Both processes decided some of the requests (who stored each decision, by client port).
        assert won["a"] > 0 and won["b"] > 0, (won, outcomes)
        for service in racers.values():
            assert service.proc.poll() is None, service.output()
        print(f"outcomes {dict(outcomes)}; decided by process {dict(won)}")
    finally:
        ports.stop()
        writers.stop()
        for service in racers.values():
            service.stop()


class ClientPorts:
    """Which process owned each Redis client port, sampled for the whole race.

    A connection pool may close and open connections while it works, so the ports open at
    the end are not all the ports that wrote: every port seen open is remembered.
    """

    def __init__(self, racers: dict[str, Service], port: int) -> None:
        self._racers = racers
        self._port = port
        self._seen: dict[int, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _sample(self) -> None:
        for name, service in self._racers.items():
            for port in tcp_ports_to(service.proc.pid, self._port):
                self._seen[port] = name

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self._sample()

    def owners(self) -> dict[int, str]:
        self._sample()
        return dict(self._seen)

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5)


def signal_tree(pid: int, signum: int) -> None:
    """Send `signum` to a service process and every process below it (its gunicorn worker)."""
    for member in descendants(pid):
        with contextlib.suppress(ProcessLookupError):  # it ended meanwhile
            os.kill(member, signum)


def redis_port(url: str) -> int:
    return int(url.rsplit(":", 1)[1].split("/")[0])


# --- 2. rebuild ----------------------------------------------------------------------------


WINTER = ("2009-11-02", "2010-01-29")


def rebuild_stream() -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, str]]:
    """An organisational assessment and requests that end in every outcome; with expectations."""
    assessed = {
        "event_id": str(uuid.uuid4()),
        "type": "organisational.assessed",
        "occurred_at": "2009-09-30T10:00:00+00:00",
        "source": "riskgate.risk",
        "body": HALTON,
        "payload": {
            "evidence": [str(uuid.uuid4())],
            "managing_performance": 4,
            "score": 4,
            "use_of_resources": 4,
            "year": 2009,
        },
    }
    cyp, older = "children_and_young_people", "healthier_communities_and_older_people"
    safer, resources = "safer_and_stronger_communities", "use_of_resources"
    plan = [
        ("approved", HARTLEPOOL, "ofsted", cyp, WINTER, 5, {}),
        ("merged", HARTLEPOOL, "ofsted", cyp, ("2009-11-16", "2010-02-26"), 3, {}),
        ("joint", HARTLEPOOL, "cqc", older, ("2009-11-09", "2010-02-12"), 4, {}),
        # Ofsted leads Hartlepool's open inspection on another theme: placed after it, 30 days'
        # rest after its visit, beyond this short window.
        ("deferred", HARTLEPOOL, "ofsted", safer, ("2009-11-02", "2009-11-30"), 5, {}),
        ("approved", MIDDLESBROUGH, "audit_commission", resources, WINTER, 5, {}),
        ("rejected", MIDDLESBROUGH, "cqc", older, WINTER, 3, {"subject": "care_home"}),
        ("rejected", MIDDLESBROUGH, "ofsted", cyp, WINTER, 4, {"origin": "inspectorate_programme"}),
        ("approved", STOCKTON, "hmic", safer, WINTER, 6, {}),
        ("joint", STOCKTON, "hmi_probation", safer, ("2009-12-01", "2010-02-26"), 4, {}),
        ("approved", DARLINGTON, "hmi_prisons", safer, WINTER, 3, {}),
        ("rejected", HALTON, "audit_commission", "managing_performance", WINTER, 5,
         {"origin": "inspectorate_programme", "programme_ground": "system_change",
          "justification": "a national study of performance management"}),
        ("approved", HALTON, "ofsted", cyp, WINTER, 4, {}),
    ]  # fmt: skip
    events, expected = [], {}
    for i, (outcome, body, inspectorate, theme, window, days, extra) in enumerate(plan):
        event = requested(
            body, inspectorate, theme, window, days,
            on=f"2009-10-01T10:00:{i:02d}+00:00", request_id=f"REQ-RB-{i:02d}", **extra,
        )  # fmt: skip
        events.append(event)
        expected[event["payload"]["request_id"]] = outcome
    return assessed, events, expected


def test_rebuilding_from_the_topics_gives_back_the_same_stored_state(
    kafka: str, redis_url: str, tmp_path: Path
) -> None:
    registry = Tokens(RedisStore(redis_url))
    tokens = {
        role: registry.create(role)
        for role in ("gatekeeper", "inspectorate:ofsted", "inspectorate:cqc", "inspectorate:hmic")
    }
    gatekeeper = Service("gatekeeper", kafka, redis_url, tmp_path, RISKGATE_TODAY="2009-10-20")
    assessed, events, expected = rebuild_stream()
    try:
        gatekeeper.wait_ready()
        produce(kafka, [assessed], topic=JUDGEMENTS)
        wait_for(lambda: _hash(redis_url, "gk:org"), what="the organisational assessment")
        produce(kafka, events)
        wait_for(
            lambda: len(stored_decisions(redis_url)) == len(events), what="every request decided"
        )
        decisions = {d["request_id"]: d for d in one_decision_per_request(redis_url, events)}
        assert {r: d["outcome"] for r, d in decisions.items()} == expected
        assert decisions["REQ-RB-05"]["policy_ids"] == ["GK-SCOPE"]
        assert decisions["REQ-RB-06"]["policy_ids"] == ["GK-PROGRAMME"]
        assert decisions["REQ-RB-10"]["policy_ids"] == ["GK-AUTONOMY"]

        # Staff override two decisions; inspectorates accept their work (all over HTTP).
        gk = tokens["gatekeeper"]
        status, revived = call(
            "POST",
            f"{gatekeeper.url}/v1/decisions/{decisions['REQ-RB-06']['decision_id']}/override",
            {
                "outcome": "approved",
                "justification": "vulnerable children: the programme is justified after all",
                "start": "2009-12-07",
            },  # fmt: skip
            gk,
        )
        assert status == 201, revived
        assert revived["inspection"]["status"] == "assigned"
        status, cancelled = call(
            "POST",
            f"{gatekeeper.url}/v1/decisions/{decisions['REQ-RB-09']['decision_id']}/override",
            {"outcome": "rejected", "justification": "prisons inspect this in their own right"},
            gk,
        )
        assert status == 201 and cancelled["inspection"]["status"] == "cancelled", cancelled
        hartlepool = decisions["REQ-RB-00"]["inspection_id"]
        for who in ("ofsted", "cqc"):
            status, accepted = call(
                "POST", f"{gatekeeper.url}/v1/work/{hartlepool}/accept", None,
                tokens[f"inspectorate:{who}"],
            )  # fmt: skip
            assert status == 200, accepted
        assert accepted["status"] == "accepted" and accepted["accepted_by"] == ["cqc", "ofsted"]
        stockton = decisions["REQ-RB-07"]["inspection_id"]
        status, accepted = call(
            "POST", f"{gatekeeper.url}/v1/work/{stockton}/accept", None, tokens["inspectorate:hmic"]
        )
        assert status == 200 and accepted["status"] == "accepted", accepted

        before = gatekeeper_state(redis_url)
        registers = [k for k in before if k.startswith(NS + "gk:register:")]
        assert len(before[NS + "gk:decisions"]) == len(events)
        assert len(before[NS + "gk:overrides"]) == 2
        assert len(before[NS + "gk:inspections"]) == 7  # 5 approved, 1 deferred, 1 by override
        assert len(registers) == 5
    finally:
        gatekeeper.stop()

    # Lose the state (and leave a stray key), then rebuild it from the topics.
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    for key in before:
        client.delete(key)
    client.hset(NS + "gk:register:E06000099", "stray", "{}")
    client.close()
    result = subprocess.run(
        riskgate_command("gatekeeper", "rebuild"),
        env=service_env(kafka, redis_url),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "12 decisions, 7 inspections" in result.stdout, result.stdout
    after = gatekeeper_state(redis_url)
    assert state_differences(before, after) == {}


# --- 3. Redis dies mid-stream ------------------------------------------------------------------


def test_redis_dying_mid_stream_loses_no_decision_and_doubles_none(
    kafka: str, own_redis: tuple[str, Path, int], tmp_path: Path
) -> None:
    url, directory, port = own_redis  # AOF with appendfsync always: acknowledged writes survive
    bodies = [
        HARTLEPOOL,
        MIDDLESBROUGH,
        REDCAR,
        STOCKTON,
        DARLINGTON,
        HALTON,
        WARRINGTON,
        BLACKBURN,
    ]
    events = mixed_stream(bodies, 80, seed=1066, start=dt.date(2009, 11, 2), spread_days=60)
    gatekeeper = Service("gatekeeper", kafka, url, tmp_path)
    restarted: subprocess.Popen[bytes] | None = None
    try:
        gatekeeper.wait_ready()
        produce(kafka, events[:8])
        wait_for(lambda: len(stored_decisions(url)) == 8, what="the gatekeeper under way")
        client = redis.Redis.from_url(url)
        pid = int(client.info("server")["process_id"])
        for start in range(8, 40, 8):
            produce(kafka, events[start : start + 8])
            time.sleep(0.1)
        # Kill Redis without warning while the gatekeeper works through the stream.
        decided_before = client.hlen(NS + "gk:decisions")
        os.kill(pid, signal.SIGKILL)
        client.close()
        for start in range(40, 64, 8):  # requests keep coming while Redis is away
            produce(kafka, events[start : start + 8])
            time.sleep(0.3)
        # The consumer's own process says it is retrying; /readyz (another process) says so.
        away = wait_for(
            lambda: (
                (answer := call("GET", gatekeeper.url + "/readyz"))[0] == 503
                and "consumer gatekeeper" in answer[1]["problems"]
                and answer[1]["problems"]
            ),
            timeout_s=30,
            what="/readyz to name the gatekeeper's consumer",
        )
        assert away == {"consumer gatekeeper": "retrying", "store": "unreachable"}
        restarted = _start_redis(port, directory)
        for start in range(64, 80, 8):
            produce(kafka, events[start : start + 8])
            time.sleep(0.3)
        wait_for(
            lambda: (
                len(stored_decisions(url)) >= len(events)
                and group_caught_up(kafka, "riskgate-gatekeeper", REQUESTS)
            ),
            timeout_s=75,
            what="every request decided after Redis came back",
        )
        assert gatekeeper.proc.poll() is None, "the gatekeeper died:\n" + gatekeeper.output()
        assert 8 <= decided_before < len(events)
        # The whole log: a line per decision follows the retry's own line.
        assert "will retry" in gatekeeper.output(tail=None), "the gatekeeper never noticed Redis go"
        wait_for(lambda: call("GET", gatekeeper.url + "/readyz")[0] == 200, what="ready again")

        decisions = one_decision_per_request(url, events)
        copies = decisions_topic_matches_store(kafka, decisions)
        inspections = each_request_in_one_inspection(url, bodies, decisions)
        outcomes = Counter(d["outcome"] for d in decisions)
        assert len(inspections) == outcomes["approved"] + outcomes["deferred"]
        assert [p for b in bodies for p in burden_problems(b, register(url, b))] == []
        # The stored state is exactly the fold of what was published.
        folded = MemoryStore()
        rebuild(folded, map(json.loads, read_topic(kafka, DECISIONS)))
        state = gatekeeper_state(url)
        for key, value in state.items():
            name = key.removeprefix(NS)
            mirror = (
                sorted(folded.smembers(name)) if isinstance(value, list) else folded.hgetall(name)
            )
            assert mirror == value, name
        print(
            f"outcomes {dict(outcomes)}; {decided_before} decided before Redis died; "
            f"re-published {sum(n - 1 for n in copies.values())}"
        )
    finally:
        gatekeeper.stop()
        if restarted is not None:
            restarted.kill()
            restarted.wait()


# --- 4. a crash between publishing and storing ---------------------------------------------------


def test_a_gatekeeper_killed_after_publishing_republishes_the_same_decision_once_stored(
    kafka: str, redis_url: str, tmp_path: Path
) -> None:
    bodies = [HARTLEPOOL, STOCKTON]
    events = mixed_stream(bodies, 8, seed=42, start=dt.date(2009, 11, 2))
    doomed = Service(
        "gatekeeper",
        kafka,
        redis_url,
        tmp_path,
        RISKGATE_FAILPOINTS="gatekeeper.exit_after_publish",
    )
    gatekeeper: Service | None = None
    try:
        doomed.wait_ready()
        produce(kafka, events)
        doomed.proc.wait(timeout=60)
        assert doomed.proc.returncode in (EXIT_CODE, -signal.SIGKILL), doomed.output()
        assert stored_decisions(redis_url) == []
        # The poll's decisions (one batch: one publish and flush) were published, then the
        # process was killed before storing any of them.
        first = published(kafka)
        assert 1 <= len(first) <= len(events)
        gatekeeper = Service("gatekeeper", kafka, redis_url, tmp_path)  # restarted, no failpoint
        gatekeeper.wait_ready()
        wait_for(
            lambda: (
                len(stored_decisions(redis_url)) >= len(events)
                and group_caught_up(kafka, "riskgate-gatekeeper", REQUESTS)
            ),
            what="every request decided after the restart",
        )
        decisions = one_decision_per_request(redis_url, events)
        copies = decisions_topic_matches_store(kafka, decisions)
        # Each redelivered request was decided again as before: the same decision id, once more.
        assert {d["event_id"]: copies[d["event_id"]] for d in first} == {
            d["event_id"]: 2 for d in first
        }
        assert sum(copies.values()) == len(events) + len(first)
        inspections = each_request_in_one_inspection(redis_url, bodies, decisions)
        outcomes = Counter(d["outcome"] for d in decisions)
        assert len(inspections) == outcomes["approved"] + outcomes["deferred"]
    finally:
        doomed.stop()
        if gatekeeper is not None:
            gatekeeper.stop()
