"""The whole pipeline on a real Kafka-protocol broker (Tansu) and real Redis,
each service a separate `riskgate run SERVICE` process."""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from kafka import KafkaProducer

from riskgate.adapters.redis_store import RedisStore
from riskgate.failpoints import EXIT_CODE
from riskgate.service_layer.tokens import Tokens
from tests.integration.cluster import (
    Service,
    call,
    drained,
    indicator_event,
    read_topic,
    running,
    wait_for,
)

pytestmark = pytest.mark.integration
SANDWELL = "E08000028"  # a metropolitan district: an area of its own
NEET = "NI 117"  # lower is better; the shipped floor is 10%


@pytest.fixture
def cluster(kafka: str, redis_url: str, tmp_path: Path) -> Iterator[dict[str, Service]]:
    # A risk rule's request waits for Ofsted's triage; nobody triages here, so the gatekeeper's
    # sweep (every second) confirms it automatically, its due day long past.
    with running(
        ("ingest", "risk", "gatekeeper", "work"), kafka, redis_url, tmp_path,
        RISKGATE_SWEEP_SECONDS="1",
    ) as services:  # fmt: skip
        yield services


@pytest.fixture
def tokens(redis_url: str) -> dict[str, str]:
    registry = Tokens(RedisStore(redis_url))
    return {
        role: registry.create(role) for role in ("integrator", "gatekeeper", "inspectorate:ofsted")
    }


def _work(cluster: dict[str, Service], token: str) -> list[dict]:
    status, items = call("GET", cluster["work"].url + "/v1/inspectorates/ofsted/work", token=token)
    assert status == 200, items
    return items


def _requests(cluster: dict[str, Service], token: str) -> list[dict]:
    status, items = call("GET", cluster["gatekeeper"].url + "/v1/inspection-requests", token=token)
    assert status == 200, items
    return items


def test_an_event_posted_to_ingest_ends_as_work_for_the_inspectorate_owning_the_theme(
    cluster: dict[str, Service], tokens: dict[str, str], kafka: str
) -> None:
    events = [
        indicator_event(SANDWELL, NEET, "2009-Q2", 11.6),
        indicator_event(SANDWELL, NEET, "2009-Q3", 11.8),
    ]
    status, reply = call("POST", cluster["ingest"].url + "/v1/events", events, tokens["integrator"])
    assert status == 202 and sorted(reply["accepted"]) == sorted(e["event_id"] for e in events)

    items = wait_for(
        lambda: _work(cluster, tokens["inspectorate:ofsted"]), what="ofsted's work item"
    )
    assert len(items) == 1
    item = items[0]
    assert item["body"] == SANDWELL and item["theme"] == "children_and_young_people"
    assert item["lead_inspectorate"] == "ofsted" and item["status"] == "assigned"
    assert sorted(item["evidence"]) == sorted(e["event_id"] for e in events)

    status, assessment = call(
        "GET", cluster["risk"].url + f"/v1/areas/{SANDWELL}/assessment?year=2009"
    )
    judgement = assessment["themes"]["children_and_young_people"]
    assert judgement["flag"] == "red" and judgement["rule_ids"] == ["IND-FLOOR-2Q"]
    assert judgement["ruleset_version"].startswith("sha256:")

    decisions = call(
        "GET", cluster["gatekeeper"].url + "/v1/decisions", token=tokens["gatekeeper"]
    )[1]
    assert [d["outcome"] for d in decisions] == ["approved"]
    assert decisions[0]["policy_ids"] == ["GK-APPROVE"]


def test_the_same_event_twice_yields_one_inspection_request(
    cluster: dict[str, Service], tokens: dict[str, str], kafka: str
) -> None:
    events = [
        indicator_event(SANDWELL, NEET, "2009-Q2", 12.0),
        indicator_event(SANDWELL, NEET, "2009-Q3", 12.5),
    ]
    ingest = cluster["ingest"].url + "/v1/events"
    assert call("POST", ingest, events, tokens["integrator"])[0] == 202
    status, again = call("POST", ingest, events, tokens["integrator"])
    assert status == 202 and again["accepted"] == [] and len(again["duplicates"]) == 2

    # Past ingest's check too: the same messages put on the topic again, as a redelivery would.
    producer = KafkaProducer(bootstrap_servers=kafka)
    for event in events:
        producer.send("events.v1", key=SANDWELL.encode(), value=json.dumps(event).encode())
    producer.flush()
    producer.close()

    wait_for(lambda: drained(kafka), what="every consumer group to catch up")
    assert len(_requests(cluster, tokens["gatekeeper"])) == 1
    # Held in Ofsted's triage until the gatekeeper's sweep confirms it: then one work item.
    work = wait_for(lambda: _work(cluster, tokens["inspectorate:ofsted"]), what="the work item")
    assert len(work) == 1
    assert len(read_topic(kafka, "inspection.requests.v1")) == 1


def test_a_malformed_message_is_dead_lettered_and_the_next_good_one_is_processed(
    cluster: dict[str, Service], tokens: dict[str, str], kafka: str
) -> None:
    bad_payload = indicator_event(SANDWELL, NEET, "2009-Q2", 11.0)
    bad_payload["payload"]["value"] = "lots"
    producer = KafkaProducer(bootstrap_servers=kafka)
    for value in (b"{not json", json.dumps(bad_payload).encode()):
        producer.send("events.v1", key=SANDWELL.encode(), value=value)
    producer.flush()
    producer.close()
    good = [
        indicator_event(SANDWELL, NEET, "2009-Q2", 11.0),
        indicator_event(SANDWELL, NEET, "2009-Q3", 11.2),
    ]
    assert call("POST", cluster["ingest"].url + "/v1/events", good, tokens["integrator"])[0] == 202

    wait_for(
        lambda: _work(cluster, tokens["inspectorate:ofsted"]), what="the good events' work item"
    )
    letters = [json.loads(v) for v in read_topic(kafka, "deadletter.v1")]
    assert len(letters) == 2
    reasons = sorted(letter["reason"] for letter in letters)
    assert reasons[0].startswith("invalid event") and "value" in reasons[0]
    assert reasons[1].startswith("not JSON")
    assert all(
        letter["consumer"] == "risk" and letter["topic"] == "events.v1" for letter in letters
    )


@pytest.mark.parametrize("failpoint", ["risk.exit_after_publish", "risk.exit_before_commit"])
def test_a_risk_consumer_killed_before_it_commits_loses_nothing_and_doubles_nothing(
    failpoint: str, kafka: str, redis_url: str, tmp_path: Path, tokens: dict[str, str]
) -> None:
    others = {
        name: Service(name, kafka, redis_url, tmp_path, RISKGATE_SWEEP_SECONDS="1")
        for name in ("ingest", "gatekeeper", "work")
    }
    risk = Service("risk", kafka, redis_url, tmp_path, RISKGATE_FAILPOINTS=failpoint)
    try:
        for service in (*others.values(), risk):
            service.wait_ready()
        areas = [SANDWELL, "E08000019", "E06000004"]  # Sandwell, Sheffield, Stockton-on-Tees
        events = [indicator_event(a, NEET, q, 14.0) for a in areas for q in ("2009-Q2", "2009-Q3")]
        assert (
            call("POST", others["ingest"].url + "/v1/events", events, tokens["integrator"])[0]
            == 202
        )

        risk.proc.wait(timeout=60)  # it reads, acts, and dies at the failpoint before committing
        assert risk.proc.returncode in (EXIT_CODE, -signal.SIGKILL), risk.output()
        assert f"failpoint {failpoint}" in risk.output(tail=None)
        risk.stop()
        risk = Service(
            "risk", kafka, redis_url, tmp_path
        )  # the same service, restarted, no failpoint
        risk.wait_ready()

        wait_for(lambda: drained(kafka), timeout_s=90, what="every consumer group to catch up")
        requests = _requests(others | {"risk": risk}, tokens["gatekeeper"])
        assert sorted(r["body"] for r in requests) == sorted(areas)
        # Each waits in Ofsted's triage until the gatekeeper's sweep confirms it (within 1 s).
        work = wait_for(
            lambda: len(w := _work(others, tokens["inspectorate:ofsted"])) >= len(areas) and w,
            what="a work item per area",
        )
        assert sorted(i["body"] for i in work) == sorted(areas)
        published = [json.loads(v)["event_id"] for v in read_topic(kafka, "inspection.requests.v1")]
        assert len(set(published)) == len(areas)
        if failpoint == "risk.exit_after_publish":
            assert len(published) > len(areas), "the redelivered event re-published its request"
    finally:
        for service in (*others.values(), risk):
            service.stop()
