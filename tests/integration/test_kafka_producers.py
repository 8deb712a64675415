"""Straight onto `events.v1` on a real Kafka-protocol broker (Tansu), where no token reaches:
the risk service (a real `riskgate run risk` process on real Redis) checks each event's
declared producer against the token registry and dead-letters what that producer may not
publish, naming the rule, while a known integrator's valid events are judged as ever.

A producer can write any `source` on Kafka: the topic's ACLs are the real control
(docker-compose.yml), and this check is the defence behind them."""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaProducer

from riskgate.adapters.attestation import HEADER
from riskgate.adapters.redis_store import RedisStore
from riskgate.domain.actors import Scope
from riskgate.service_layer.tokens import Tokens
from tests.conftest import ROOT
from tests.integration.cluster import Service, call, indicator_event, read_topic, running, wait_for

pytestmark = pytest.mark.integration
EXAMPLES = ROOT / "contracts" / "examples"
HAMPSHIRE, SANDWELL, SHEFFIELD = "E10000014", "E08000028", "E08000019"
NEET = "NI 117"  # lower is better; the shipped floor is 10%
KNOWN = "integrator:integrator"  # a role-only token's source: <role>:<holder>, holder = role
SCOPED = "integrator:sandwell-hub"


@pytest.fixture
def risk(kafka: str, redis_url: str, tmp_path: Path) -> Iterator[Service]:
    store = RedisStore(redis_url)
    tokens = Tokens(store)
    tokens.create("integrator")
    tokens.issue("integrator", "sandwell-hub", Scope(bodies=frozenset({SANDWELL})))
    with running(("risk",), kafka, redis_url, tmp_path) as services:
        yield services["risk"]


def _example(kind: str, source: str, **changes: Any) -> dict[str, Any]:
    event = copy.deepcopy(json.loads((EXAMPLES / f"{kind}.json").read_text()))
    event.update(event_id=str(uuid.uuid4()), source=source, **changes)
    return event


def _produce(kafka: str, keyed: list[tuple[str, dict[str, Any]]]) -> None:
    producer = KafkaProducer(bootstrap_servers=kafka)
    for key, event in keyed:
        producer.send("events.v1", key=key.encode(), value=json.dumps(event).encode())
    producer.flush()
    producer.close()


def _from(source: str, body: str, period: str, value: float) -> dict[str, Any]:
    return {**indicator_event(body, NEET, period, value), "source": source}


def test_what_a_producer_may_not_publish_is_dead_lettered_and_its_valid_events_are_judged(
    risk: Service, kafka: str
) -> None:
    internal = _example("risk.judgement", KNOWN)
    registration = _example("body.registered", KNOWN)
    finding = _example("inspection.finding", KNOWN)
    out_of_scope = _from(SCOPED, SHEFFIELD, "2009-Q2", 12.0)
    valid = [_from(SCOPED, SANDWELL, "2009-Q2", 11.6), _from(SCOPED, SANDWELL, "2009-Q3", 11.8)]
    _produce(
        kafka,
        [
            (HAMPSHIRE, internal),
            (HAMPSHIRE, registration),
            (HAMPSHIRE, finding),
            (SHEFFIELD, out_of_scope),
            *((SANDWELL, event) for event in valid),
        ],
    )

    def judged() -> dict[str, Any] | None:
        status, assessment = call("GET", risk.url + f"/v1/areas/{SANDWELL}/assessment?year=2009")
        theme = assessment["themes"]["children_and_young_people"] if status == 200 else {}
        return theme if theme.get("flag") == "red" else None

    judgement = wait_for(judged, what="Sandwell's red flag from the valid events")
    assert sorted(e["event_id"] for e in judgement["evidence"]) == sorted(
        e["event_id"] for e in valid
    )

    def four_letters() -> list[dict[str, Any]]:
        letters = [json.loads(v) for v in read_topic(kafka, "deadletter.v1")]
        return letters if len(letters) >= 4 else []

    letters = wait_for(four_letters, what="four dead letters")
    reasons = {
        json.loads(letter["value"])["event_id"]: letter["reason"]
        for letter in letters
        if letter["consumer"] == "risk" and letter["kind"] == "refused"
    }
    assert reasons == {
        internal["event_id"]: f"producer {KNOWN!r} may not publish this: risk.judgement is "
        "riskgate's own event type: only its services publish it",
        registration["event_id"]: f"producer {KNOWN!r} may not publish this: body.registered "
        f"needs the admin role; {KNOWN} is integrator",
        finding["event_id"]: f"producer {KNOWN!r} may not publish this: inspection.finding "
        "comes only from the inspectorate it names (ofsted) or the gatekeeper completing an "
        f"inspection; {KNOWN} is integrator",
        out_of_scope["event_id"]: f"producer {SCOPED!r} may not publish this: body {SHEFFIELD} "
        f"(area {SHEFFIELD}) is outside the scope of {SCOPED} (bodies: {SANDWELL})",
    }
    assert len(letters) == 4


def test_an_attestation_riskgate_did_not_make_spares_no_event_its_validation(
    risk: Service, kafka: str
) -> None:
    """Records riskgate wrote itself skip the consumers' validation (`adapters/attestation.py`);
    a header an integrator copies or makes up buys nothing: the event is validated in full."""
    forged = [(HEADER, bytes(32)), (HEADER, b"x" * 32)]
    bad = _from(KNOWN, SANDWELL, "2009-Q2", 11.6)
    bad["payload"]["value"] = "eleven"
    good = _from(KNOWN, SANDWELL, "2009-Q3", 11.9)
    producer = KafkaProducer(bootstrap_servers=kafka)
    for event in (bad, good):
        value = json.dumps(event).encode()
        producer.send("events.v1", key=SANDWELL.encode(), value=value, headers=forged)
    producer.flush()
    producer.close()

    def letter() -> list[dict[str, Any]]:
        return [json.loads(v) for v in read_topic(kafka, "deadletter.v1")]

    letters = wait_for(letter, what="the forged-header invalid event's dead letter")
    assert [(json.loads(x["value"])["event_id"], x["kind"]) for x in letters] == [
        (bad["event_id"], "invalid_event")
    ]
    assert "payload" in letters[0]["reason"] and "value" in letters[0]["reason"]

    def seen() -> dict[str, Any] | None:
        status, answer = call("GET", risk.url + f"/v1/areas/{SANDWELL}/indicators?year=2009")
        return answer if status == 200 and answer["indicators"] else None

    answer = wait_for(seen, what="the valid event's value")
    assert [(i["indicator"], i["series"]) for i in answer["indicators"]] == [
        (NEET, [{"period": "2009-Q3", "value": 11.9}])  # the refused 2009-Q2 is not there
    ]
