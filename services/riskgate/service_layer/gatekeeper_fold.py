"""The gatekeeper's messages: what each one makes, and how each folds into the register.

A decision, an override or an inspection update carries the full snapshot of
the inspection it changes, so the stored state is a fold of the
`gatekeeper.decisions` topic: `apply` live, and `rebuild` from the topic. Each
message names its actor and is an entry in the audit trail, folded the same way.
Each message also tells the inspectorates' work lists, and a completion gives
the risk rules its finding.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from riskgate import topics
from riskgate.adapters.store import Store, WriteBatch
from riskgate.domain.actors import service_actor
from riskgate.domain.gatekeeper.triage import ACTIONS as TRIAGE_ACTIONS
from riskgate.domain.gatekeeper.triage import IN_TRIAGE
from riskgate.domain.ids import derived_id
from riskgate.domain.inspection import Inspection
from riskgate.schemas import INSPECTION_ACTIONS
from riskgate.service_layer.common import dumps, envelope
from riskgate.service_layer.repositories import audit
from riskgate.service_layer.repositories.register import Register
from riskgate.service_layer.unit_of_work import processed_key

SOURCE = "riskgate.gatekeeper"
GROUP = "gatekeeper"
FOLDED = ("gatekeeper.decision", "gatekeeper.override", "inspection.updated", "inspection.triaged")
# The audit's word for each message; an inspection update names its own (accepted, ...).
AUDIT_ACTIONS = {"gatekeeper.decision": "decided", "gatekeeper.override": "overridden"}
AUDITED = (*AUDIT_ACTIONS.values(), *INSPECTION_ACTIONS, *TRIAGE_ACTIONS.values())


def apply(register: Register, batch: WriteBatch, message: dict[str, Any]) -> None:
    """Fold one gatekeeper message into the stored state (live and in `rebuild` alike)."""
    payload, body = message["payload"], message["body"]
    kind = message["type"]
    if kind == "organisational.assessed":
        register.put_org_score(batch, body, payload["score"], payload["year"])
        batch.sadd(processed_key(GROUP), message["event_id"])  # as live, so rebuild restores it
        return
    if kind == "inspection.triaged":
        _apply_triage(register, batch, message)
        return
    inspection = payload.get("inspection")
    if inspection is not None:
        register.put_inspection(batch, body, inspection)
    audit.record(batch, audit_entry(message))
    if kind == "gatekeeper.decision":
        request = payload["request"]
        register.put_request(batch, {**request, "body": body, "decision_id": message["event_id"]})
        decision = {k: v for k, v in payload.items() if k not in ("request", "inspection")}
        register.put_decision(
            batch, {**decision, "body": body, "decided_at": message["occurred_at"]}
        )
        batch.sadd(processed_key(GROUP), request["request_event_id"])
    elif kind == "gatekeeper.override":
        register.put_override(batch, {**payload, "body": body})


def _apply_triage(register: Register, batch: WriteBatch, message: dict[str, Any]) -> None:
    """A request held for, confirmed or declined in triage: the record, and the audit entry."""
    payload = message["payload"]
    record = {k: v for k, v in payload.items() if k not in ("action", "actor")}
    register.put_triage(batch, record)
    audit.record(batch, audit_entry(message))
    if payload["state"] == IN_TRIAGE:
        request = payload["request"]
        # Listed among the requests from the moment it arrives; the decision adds its id.
        register.put_request(batch, {**request, "body": message["body"]})
        batch.sadd(processed_key(GROUP), request["request_event_id"])


def rebuild(store: Store, messages: Iterable[dict[str, Any]]) -> int:
    """Empty the gatekeeper's state and refold it from its topics' messages; return how many."""
    register = Register(store)
    folded = 0
    with store.transaction() as batch:
        register.clear(batch)
        audit.AuditTrail(store).clear(batch)
        batch.delete(processed_key(GROUP))
        for message in messages:
            if message["type"] in (*FOLDED, "organisational.assessed"):
                apply(register, batch, message)
                folded += 1
    return folded


def audit_entry(message: dict[str, Any]) -> dict[str, Any]:
    """The audit trail's entry for a decision, an override or an inspection update: the action,
    its targets, who took it (id, holder, role) and when (UTC), and why where the message says."""
    payload, kind = message["payload"], message["type"]
    inspection = payload.get("inspection") or {}
    request_id = payload.get("request_id")
    return {
        "entry_id": message["event_id"],
        "action": AUDIT_ACTIONS.get(kind) or payload["action"],
        "at": dt.datetime.fromisoformat(message["occurred_at"]).astimezone(dt.UTC).isoformat(),
        "actor": actor_of(message),
        "body": message["body"],
        "area": payload["area"],
        "decision_id": payload.get("decision_id") or inspection.get("decision_id"),
        "inspection_id": payload.get("inspection_id") or inspection.get("inspection_id"),
        "request_ids": [request_id] if request_id else list(inspection.get("request_ids", [])),
        "outcome": payload.get("outcome"),
        "policy_version": payload.get("policy_version"),
        "justification": payload.get("justification"),
        "reason": payload.get("reason")
        if kind == "inspection.updated"
        else payload.get("decline_reason"),
        "finding": inspection.get("finding") if payload.get("action") == "completed" else None,
    }


def actor_of(message: dict[str, Any]) -> dict[str, str]:
    """Who took the step a message records (`{"id", "holder", "role"}`)."""
    payload = message["payload"]
    if "actor" in payload:
        return dict(payload["actor"])
    # Published before messages named their actor: what they said, with no token id.
    if message["type"] == "gatekeeper.decision":
        return service_actor("gatekeeper").to_dict()
    by = payload.get("overridden_by") or payload.get("by")
    role = f"inspectorate:{by}" if message["type"] == "inspection.updated" and by else "gatekeeper"
    return {"id": "unrecorded", "holder": by or "gatekeeper", "role": role}


def update_id(inspection_id: str, action: str, inspection: dict[str, Any]) -> str:
    """An inspection update's id: the same step leaving the same inspection is the same message."""
    return derived_id("inspection.updated", inspection_id, action, dumps(inspection))


def work_messages(message: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """What each inspectorate's work list hears: the inspection as it now stands."""
    payload = message["payload"]
    if payload.get("inspection") is None:
        return []
    inspection = Inspection.from_dict(payload["inspection"])
    recipients = sorted({*inspection.participants, *payload.get("removed", [])})
    return [
        (
            topics.work_for(inspectorate),
            payload["area"],
            envelope(
                event_id=derived_id("work", message["event_id"], inspectorate),
                type="inspection.assigned",
                occurred_at=message["occurred_at"],
                source=SOURCE,
                body=message["body"],
                payload={**inspection.on_work_list(), "recipient": inspectorate},
            ),
        )
        for inspectorate in recipients
    ]


def finding_events(message: dict[str, Any]) -> list[dict[str, Any]]:
    """A completed inspection's finding, once per theme, as events the risk rules see."""
    payload = message["payload"]
    if message["type"] != "inspection.updated" or payload["action"] != "completed":
        return []
    inspection = payload["inspection"]
    return [
        envelope(
            event_id=derived_id("inspection.finding", inspection["inspection_id"], theme),
            type="inspection.finding",
            occurred_at=message["occurred_at"],
            source=SOURCE,
            body=message["body"],
            payload={
                "inspection_id": inspection["inspection_id"],
                "inspectorate": inspection["lead_inspectorate"],
                "theme": theme,
                "finding": inspection["finding"],
                "summary": inspection["summary"],
            },
        )
        for theme in inspection.get("themes") or [inspection["theme"]]
    ]
