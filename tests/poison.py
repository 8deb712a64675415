"""One batch of poison records with valid followers, for the memory bus and for Kafka alike.

Every poison kind a consumer must dead-letter, each followed by valid events
that must still be handled: five areas each report NI 117 above its floor for
two quarters, so each gets a red flag whose evidence is its two events.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from riskgate.adapters.bus import encode
from tests.integration.cluster import indicator_event

SANDWELL = "E08000028"  # a metropolitan district: an area of its own
HAMPSHIRE = "E10000014"
FOLLOWER_AREAS = ("E06000001", "E06000002", "E06000003", "E06000004", "E06000005")
NEET = "NI 117"  # lower is better; the shipped floor is 10%
OVERSIZE_BYTES = 1_200_000  # past Kafka's usual 1 MB message limit too


@dataclass(frozen=True)
class Poison:
    """A record a consumer cannot handle, and the dead-letter kind it must get."""

    kind: str
    key: bytes | None
    value: bytes
    reason_says: str  # words the dead letter's reason must contain


def _complaint_dated(occurred_at: str) -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid4()),
        "type": "complaint.received",
        "occurred_at": occurred_at,
        "source": "local-government-ombudsman",
        "body": SANDWELL,
        "payload": {
            "complaint_ref": "LGO-99-001",
            "channel": "ombudsman",
            "theme": "safer_and_stronger_communities",
            "category": "anti-social behaviour",
            "formal": True,
            "upheld": True,
        },
    }


def poisons() -> list[Poison]:
    """One record of each kind, each a fresh event where it is one."""
    wrong_text = indicator_event(SANDWELL, NEET, "2009-Q1", 4.0)
    wrong_text["source"] = "\ud800"  # a lone surrogate, written as a JSON escape
    invalid = indicator_event(SANDWELL, NEET, "2009-Q1", 4.0)
    invalid["payload"]["value"] = "lots"
    oversize = indicator_event(SANDWELL, NEET, "2009-Q1", 4.0)
    oversize["payload"]["note"] = "a" * OVERSIZE_BYTES
    sandwell = SANDWELL.encode()
    return [
        Poison(
            "bad_key",
            b"\xff\xfe",
            encode(indicator_event(SANDWELL, NEET, "2009-Q1", 4.0)),
            "not UTF-8",
        ),
        Poison("not_utf8", sandwell, b'{"event_id": "\xff\xfe"}', "not UTF-8"),
        Poison("bad_text", sandwell, json.dumps(wrong_text).encode(), "source"),
        Poison("too_deep", sandwell, b"[" * 10_000 + b"]" * 10_000, "nested deeper than"),
        Poison("oversize", sandwell, encode(oversize), "over the limit"),
        Poison("not_json", sandwell, b"{not json", "not JSON"),
        Poison("invalid_event", sandwell, encode(invalid), "value"),
        Poison(
            "key_mismatch",
            HAMPSHIRE.encode(),
            encode(indicator_event(SANDWELL, NEET, "2009-Q1", 4.0)),
            f"{HAMPSHIRE!r} does not match area {SANDWELL!r}",
        ),
        # Valid, but the risk handler fails on it every time: the third upheld complaint
        # (after `precursors()`) asks for an inspection whose window, worked out from a
        # date at the end of time, overflows. If that is ever fixed, this test needs
        # another poison value for the risk service.
        Poison(
            "poison",
            sandwell,
            encode(_complaint_dated("9999-12-31T23:59:59+00:00")),
            "OverflowError",
        ),
    ]


def precursors() -> list[dict[str, Any]]:
    """Two valid complaints that make the third (the poison value) ask for an inspection."""
    return [_complaint_dated("9999-12-31T23:59:59+00:00") for _ in range(2)]


def followers() -> list[dict[str, Any]]:
    """Ten valid events: two quarters above the floor for each of five areas."""
    return [
        indicator_event(area, NEET, period, value)
        for area in FOLLOWER_AREAS
        for period, value in (("2009-Q2", 12.0), ("2009-Q3", 12.5))
    ]


def batch() -> tuple[list[Poison], list[dict[str, Any]], list[tuple[bytes | None, bytes]]]:
    """The poisons, the followers, and the records to produce: a follower after each poison
    (the poison value's precursors first)."""
    bad, good = poisons(), followers()
    records: list[tuple[bytes | None, bytes]] = [
        (e["body"].encode(), encode(e)) for e in precursors()
    ]
    for index, event in enumerate(good):
        if index < len(bad):
            records.append((bad[index].key, bad[index].value))
        records.append((event["body"].encode(), encode(event)))
    return bad, good, records


def red_flag_evidence(judgements: list[dict[str, Any]]) -> set[str]:
    """Every event id cited by a red flag among these judgement messages."""
    return {
        cited["event_id"]
        for message in judgements
        if message["payload"].get("flag") == "red"
        for cited in message["payload"]["evidence"]
    }
