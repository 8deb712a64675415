"""Export the v1 contract as JSON Schema (draft 2020-12) and write one example per event type.

The JSON is generated from the marshmallow schemas in ``riskgate.schemas`` by
apispec's converter, never written by hand, so the files cannot drift from
what the services actually accept. Run ``make contracts`` (or
``python -m riskgate.schemas.export``) after changing a schema.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow.openapi import OpenAPIConverter
from marshmallow import Schema, fields

from riskgate.domain.vocabulary import EVENT_TYPES, INTERNAL_TYPES
from riskgate.schemas.envelope import (
    PAYLOAD_SCHEMAS,
    EnvelopeFields,
    envelope_schema_for,
    validate_event,
)
from riskgate.schemas.fields import ALL_TYPES, CONTRACT_VERSION, Const

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
ID_PREFIX = f"urn:riskgate:contracts:{CONTRACT_VERSION}:"
ENVELOPE_FILE = "envelope.schema.json"
EXAMPLES_DIR = "examples"


def _const2properties(self: OpenAPIConverter, field: fields.Field, **kwargs: Any) -> dict:
    """apispec attribute function: render a ``Const`` validator as JSON Schema ``const``."""
    for validator in field.validators:
        if isinstance(validator, Const):
            return {"const": validator.value}
    return {}


def _converter() -> OpenAPIConverter:
    # OpenAPI 3.1 schema objects are JSON Schema 2020-12; a resolver returning None inlines
    # nested schemas so that each file stands alone without $refs into other files.
    spec = APISpec(title="riskgate contracts", version=CONTRACT_VERSION, openapi_version="3.1.0")
    converter = OpenAPIConverter(
        openapi_version="3.1.0", schema_name_resolver=lambda _schema: None, spec=spec
    )
    converter.add_attribute_function(_const2properties)
    return converter


def _description(schema_cls: type[Schema]) -> str:
    doc = (schema_cls.__doc__ or "").strip()
    return doc.split("\n\n", 1)[0].replace("\n", " ")


def _document(
    converter: OpenAPIConverter, file_name: str, schema_cls: type[Schema], description: str
) -> dict[str, Any]:
    body: dict[str, Any] = converter.schema2jsonschema(schema_cls())
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": ID_PREFIX + file_name,
        "description": description,
        **body,
    }


def schema_documents() -> dict[str, dict[str, Any]]:
    """Return every JSON Schema document of the contract, keyed by file name."""
    converter = _converter()
    documents = {
        ENVELOPE_FILE: _document(
            converter,
            ENVELOPE_FILE,
            EnvelopeFields,
            "The envelope every riskgate event shares; the payload is checked per type "
            "(see <type>.schema.json).",
        )
    }
    for event_type in ALL_TYPES:
        file_name = f"{event_type}.schema.json"
        documents[file_name] = _document(
            converter,
            file_name,
            envelope_schema_for(event_type),
            f"A {event_type} event: {_description(PAYLOAD_SCHEMAS[event_type])}",
        )
    return documents


def _dumps(obj: Any) -> str:
    return json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _write_all(target: Path, files: dict[str, Any]) -> list[Path]:
    target.mkdir(parents=True, exist_ok=True)
    # A type that disappears from the contract must not leave its old file behind.
    for stale in sorted(target.glob("*.json")):
        if stale.name not in files:
            stale.unlink()
    written = []
    for name in sorted(files):
        path = target / name
        path.write_text(_dumps(files[name]), encoding="utf-8", newline="\n")
        written.append(path)
    return written


def export(directory: Path) -> list[Path]:
    """Write the JSON Schema files into ``directory/v1/`` and return their paths, sorted.

    ``directory`` is the contracts folder (``contracts/`` in the repository).
    """
    return _write_all(Path(directory) / CONTRACT_VERSION, schema_documents())


# --- examples ------------------------------------------------------------------------------

# Fixed ids so that regenerating gives identical files and examples can cite each other.
_ID = {
    "peer_review": "5e1d7c3b-2a4f-4e8d-9b6c-1f0a2e3d4c51",
    "laa_agreed": "4a5b6c7d-8e9f-4a0b-9c1d-2e3f4a5b6c31",
    "laa_refreshed": "5b6c7d8e-9f0a-4b1c-8d2e-3f4a5b6c7d32",
    "laa_report": "6c7d8e9f-0a1b-4c2d-9e3f-4a5b6c7d8e33",
    "indicator": "3f6c1a2e-8d4b-4f7a-9c1e-2b5d7e9f0a11",
    "complaint": "a1b2c3d4-5e6f-4a7b-8c9d-0e1f2a3b4c01",
    "petition": "b7e4d2c1-9a8f-4e6d-8b5c-3a2f1e0d9c02",
    "ccfa_raised": "c9d8e7f6-1a2b-4c3d-9e4f-5a6b7c8d9e03",
    "ccfa_referred": "d0e1f2a3-b4c5-4d6e-8f7a-8b9c0d1e2f04",
    "ccfa_responded": "e5f6a7b8-c9d0-4e1f-a2b3-c4d5e6f7a805",
    "self_assessment": "f1e2d3c4-b5a6-4978-8a9b-0c1d2e3f4a06",
    "finding": "0a1b2c3d-4e5f-4a6b-9c7d-8e9f0a1b2c07",
    "use_of_resources": "1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d08",
    "body": "2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e09",
    "judgement": "3d4e5f6a-7b8c-4d9e-8f0a-2b3c4d5e6f10",
    "request": "4e5f6a7b-8c9d-4e0f-9a1b-3c4d5e6f7a11",
    "decision": "5f6a7b8c-9d0e-4f1a-8b2c-4d5e6f7a8b12",
    "assigned": "6a7b8c9d-0e1f-4a2b-9c3d-5e6f7a8b9c13",
    "ccfa_recommended": "7b8c9d0e-1f2a-4b3c-8d4e-6f7a8b9c0d14",
    "ccfa_published": "8c9d0e1f-2a3b-4c4d-9e5f-7a8b9c0d1e15",
    "petition_responded": "9d0e1f2a-3b4c-4d5e-8f6a-8b9c0d1e2f16",
    "forum": "0e1f2a3b-4c5d-4e6f-9a7b-9c0d1e2f3a17",
    "override": "1f2a3b4c-5d6e-4f7a-8b8c-0d1e2f3a4b18",
    "updated": "2a3b4c5d-6e7f-4a8b-9c9d-1e2f3a4b5c19",
    "organisational": "3b4c5d6e-7f8a-4b9c-8d0e-2f3a4b5c6d20",
    "transition": "4c5d6e7f-8a9b-4c0d-9e1f-3a4b5c6d7e21",
    "triaged": "5d6e7f8a-9b0c-4d1e-8f2a-4b5c6d7e8f22",
    "ccfa_information": "6e7f8a9b-0c1d-4e2f-9a3b-5c6d7e8f9a23",
}
_HAMPSHIRE = "E10000014"
_WINCHESTER = "E07000094"
_BASINGSTOKE = "E07000084"
_EAST_HAMPSHIRE = "E07000085"
_RULESET = "ruleset-2009.1+sha256:4b1d9c0e7a52"
_POLICY = "gatekeeper-2009.1+sha256:9e2f6a7c1b33"
_CYP = "children_and_young_people"
_SAFER = "safer_and_stronger_communities"


def _event(
    key: str, event_type: str, occurred_at: str, source: str, body: str, payload: dict[str, Any]
) -> dict[str, Any]:
    return {
        "event_id": _ID[key],
        "type": event_type,
        "occurred_at": occurred_at,
        "source": source,
        "body": body,
        "payload": payload,
    }


def example_events() -> dict[str, dict[str, Any]]:
    """Return one realistic, valid example event per type, keyed by type.

    The examples tell one story in Hampshire for 2009: NEET figures off target,
    an off-track self-assessment, a red flag, a triggered Ofsted inspection.
    """
    return {
        "indicator.reported": _event(
            "indicator",
            "indicator.reported",
            "2009-10-15T10:00:00+01:00",
            "hampshire-county-council",
            _HAMPSHIRE,
            {"indicator": "NI 117", "period": "2009-Q3", "value": 6.4, "target": 5.5, "unit": "%"},
        ),
        "complaint.received": _event(
            "complaint",
            "complaint.received",
            "2009-09-08T14:20:00+01:00",
            "local-government-ombudsman",
            _WINCHESTER,
            {
                "complaint_ref": "LGO-09-014-273",
                "channel": "ombudsman",
                "theme": _SAFER,
                "category": "anti-social behaviour",
                "upheld": True,
                "formal": True,
            },
        ),
        "petition.submitted": _event(
            "petition",
            "petition.submitted",
            "2009-07-21T18:30:00+01:00",
            "basingstoke-and-deane-borough-council",
            _BASINGSTOKE,
            {
                "petition_ref": "BDBC-PET-2009-014",
                "topic": "Traffic calming on Worting Road",
                "theme": _SAFER,
                "signatures": 1240,
                "neighbourhood": "South Ham",
            },
        ),
        "ccfa.raised": _event(
            "ccfa_raised",
            "ccfa.raised",
            "2009-10-19T09:15:00+01:00",
            "east-hampshire-district-council",
            _EAST_HAMPSHIRE,
            {
                "case_ref": "EHDC-CCFA-2009-003",
                "councillor_ref": "cllr-7f3a",
                "ward": "Petersfield St Peter's",
                "issue": "Repeated anti-social behaviour at a town centre car park, "
                "not resolved by the council or the police",
                "theme": _SAFER,
                "bodies": [_EAST_HAMPSHIRE, _HAMPSHIRE],
            },
        ),
        "ccfa.referred": _event(
            "ccfa_referred",
            "ccfa.referred",
            "2009-11-02T16:00:00+00:00",
            "east-hampshire-district-council",
            _EAST_HAMPSHIRE,
            {
                "case_ref": "EHDC-CCFA-2009-003",
                "committee": "crime_and_disorder",
                "referred_on": "2009-11-02",
            },
        ),
        "ccfa.responded": _event(
            "ccfa_responded",
            "ccfa.responded",
            "2009-11-27T11:45:00+00:00",
            "hampshire-county-council",
            _HAMPSHIRE,
            {
                "case_ref": "EHDC-CCFA-2009-003",
                "responding_body": _HAMPSHIRE,
                "responded_on": "2009-11-27",
                "resolved": False,
            },
        ),
        "self_assessment.submitted": _event(
            "self_assessment",
            "self_assessment.submitted",
            "2009-09-30T17:00:00+01:00",
            "hampshire-county-council",
            _HAMPSHIRE,
            {
                "year": 2009,
                "theme": _CYP,
                "concerns": [
                    {
                        "subject": "NI 117",
                        "action_plan": "Targeted re-engagement programme with further education "
                        "colleges for 16 to 18 year olds",
                        "status": "off_track",
                    },
                    {
                        "subject": "NI 56",
                        "action_plan": "School-based healthy weight programme in Year 6",
                        "status": "on_track",
                    },
                ],
            },
        ),
        "inspection.finding": _event(
            "finding",
            "inspection.finding",
            "2009-06-12T12:00:00+01:00",
            "ofsted",
            _HAMPSHIRE,
            {
                "inspection_id": "OFSTED-2009-E10000014-APA",
                "inspectorate": "ofsted",
                "theme": _CYP,
                "finding": 3,
                "summary": "Services for children and young people perform well; the proportion "
                "of young people not in education, employment or training remains "
                "above the regional average.",
            },
        ),
        "use_of_resources.scored": _event(
            "use_of_resources",
            "use_of_resources.scored",
            "2009-11-30T10:00:00+00:00",
            "audit-commission",
            _WINCHESTER,
            {"year": 2009, "score": 3, "managing_performance": 3},
        ),
        "peer_review.completed": _event(
            "peer_review",
            "peer_review.completed",
            "2009-06-12T16:00:00+01:00",
            "local-government-association",
            _WINCHESTER,
            {
                "completed_on": "2009-06-12",
                "themes": ["economic_development_and_environment"],
                "summary": "A four-day peer challenge of planning and regeneration found "
                "strong leadership and a clear improvement plan.",
                "reviewer": "IDeA peer challenge team",
            },
        ),
        "body.registered": _event(
            "body",
            "body.registered",
            "2009-04-01T00:00:00+01:00",
            "riskgate-sample-data",
            _WINCHESTER,
            {
                "name": "Winchester City Council",
                "kind": "district",
                "area": _HAMPSHIRE,
                "population": 112900,
                "population_source": "synthetic",
            },
        ),
        "risk.judgement": _event(
            "judgement",
            "risk.judgement",
            "2009-12-09T09:00:00+00:00",
            "riskgate-risk",
            _HAMPSHIRE,
            {
                "area": _HAMPSHIRE,
                "theme": _CYP,
                "year": 2009,
                "flag": "red",
                "rule_ids": ["cyp.neet-above-target"],
                "evidence": [
                    {
                        "event_id": _ID["indicator"],
                        "indicator": "NI 117",
                        "period": "2009-Q3",
                        "value": 6.4,
                        "target": 5.5,
                    }
                ],
                "considered": [
                    {"event_id": _ID["self_assessment"], "subject": "NI 117", "status": "off_track"}
                ],
                "ruleset_version": _RULESET,
                "narrative": "NEET (NI 117) is above the LAA target and the area's own "
                "action plan is off track.",
            },
        ),
        "inspection.requested": _event(
            "request",
            "inspection.requested",
            "2009-12-09T09:00:05+00:00",
            "riskgate-risk",
            _HAMPSHIRE,
            {
                "request_id": "REQ-2009-0042",
                "inspectorate": "ofsted",
                "theme": _CYP,
                "area": _HAMPSHIRE,
                "origin": "risk_rule",
                "reason": "Red flag on children and young people: NEET above target with an "
                "off-track action plan.",
                "evidence": [_ID["judgement"], _ID["indicator"]],
                "rule_ids": ["cyp.neet-above-target"],
                "ruleset_version": _RULESET,
                "urgency": "high",
                "concern": None,
                "window_start": "2010-01-11",
                "window_end": "2010-03-26",
                "on_site_days": 8,
            },
        ),
        "gatekeeper.decision": _event(
            "decision",
            "gatekeeper.decision",
            "2009-12-10T11:30:00+00:00",
            "riskgate-gatekeeper",
            _HAMPSHIRE,
            {
                "decision_id": "DEC-2009-0042",
                "request_id": "REQ-2009-0042",
                "outcome": "approved",
                "policy_ids": ["GK-BURDEN-CAP", "GK-NO-OVERLAP"],
                "reasons": [
                    "within the annual on-site burden cap for E10000014",
                    "no open inspection of this theme in the area",
                ],
                "inspection_id": "INSP-2010-0007",
                "deferred_until": None,
                "ledger": {"body": _HAMPSHIRE, "year": 2010, "on_site_days": 8, "cap_days": 40},
                "inspectorate": "ofsted",
                "theme": _CYP,
                "area": _HAMPSHIRE,
                "decided_on": "2009-12-10",
                "bypassed": [],
                "policy_version": _POLICY,
                "actor": {
                    "id": "riskgate.gatekeeper",
                    "holder": "riskgate.gatekeeper",
                    "role": "service:gatekeeper",
                },
                "request": {
                    "request_id": "REQ-2009-0042",
                    "received_at": "2009-12-09T09:00:05+00:00",
                },
                "inspection": {"inspection_id": "INSP-2010-0007", "status": "assigned"},
            },
        ),
        "inspection.assigned": _event(
            "assigned",
            "inspection.assigned",
            "2009-12-10T11:30:02+00:00",
            "riskgate-gatekeeper",
            _HAMPSHIRE,
            {
                "inspection_id": "INSP-2010-0007",
                "decision_id": "DEC-2009-0042",
                "lead_inspectorate": "ofsted",
                "participants": ["ofsted"],
                "theme": _CYP,
                "area": _HAMPSHIRE,
                "window_start": "2010-01-11",
                "window_end": "2010-03-26",
                "on_site_days": 8,
                "request_ids": ["REQ-2009-0042"],
                "evidence": [_ID["judgement"], _ID["indicator"]],
                "status": "assigned",
                "themes": [_CYP],
                "on_site_start": "2010-01-11",
                "on_site_end": "2010-01-20",
                "urgent": False,
                "bypassed": [],
                "accepted_by": [],
                "recipient": "ofsted",
            },
        ),
        "ccfa.recommended": _event(
            "ccfa_recommended",
            "ccfa.recommended",
            "2009-09-01T10:00:00+01:00",
            "council:E07000084",
            _BASINGSTOKE,
            {
                "case_ref": "CCFA-2009-007",
                "recommended_on": "2009-09-01",
                "recommendations": ["Restore the weekend patrols on the estate."],
                "bodies": [_BASINGSTOKE],
            },
        ),
        "ccfa.information_requested": _event(
            "ccfa_information",
            "ccfa.information_requested",
            "2009-08-03T10:00:00+01:00",
            "council:E07000084",
            _BASINGSTOKE,
            {"case_ref": "CCFA-2009-007", "requested_on": "2009-08-03", "bodies": [_BASINGSTOKE]},
        ),
        "ccfa.published": _event(
            "ccfa_published",
            "ccfa.published",
            "2009-10-20T10:00:00+01:00",
            "council:E07000084",
            _BASINGSTOKE,
            {"case_ref": "CCFA-2009-007", "published_on": "2009-10-20", "resolved": False},
        ),
        "petition.responded": _event(
            "petition_responded",
            "petition.responded",
            "2009-07-15T18:00:00+01:00",
            "council:E07000094",
            _WINCHESTER,
            {
                "petition_ref": "PET-2009-031",
                "responded_on": "2009-07-15",
                "outcome": "Debated at full council; the library stays open on Saturdays.",
                "debate_on": "2009-07-15",
            },
        ),
        "forum.decided": _event(
            "forum",
            "forum.decided",
            "2009-06-03T19:30:00+01:00",
            "council:E07000085",
            _EAST_HAMPSHIRE,
            {
                "forum_ref": "FORUM-ALTON",
                "issue_ref": "ISSUE-BUS-CUTS",
                "theme": "economic_development_and_environment",
                "decided_on": "2009-06-03",
                "neighbourhood": "Alton",
            },
        ),
        "gatekeeper.override": _event(
            "override",
            "gatekeeper.override",
            "2009-12-11T09:15:00+00:00",
            "riskgate.gatekeeper:gatekeeper",
            _HAMPSHIRE,
            {
                "override_id": "OVR-2009-0003",
                "decision_id": "DEC-2009-0042",
                "request_id": "REQ-2009-0042",
                "previous_outcome": "approved",
                "outcome": "rejected",
                "justification": "Ofsted's unannounced visit in November already covered this.",
                "overridden_by": "Jane Okafor",
                "overridden_on": "2009-12-11",
                "actor": {"id": "4b1f9e2a07c3", "holder": "Jane Okafor", "role": "gatekeeper"},
                "area": _HAMPSHIRE,
                "inspection": None,
            },
        ),
        "inspection.updated": _event(
            "updated",
            "inspection.updated",
            "2009-12-14T10:00:00+00:00",
            "riskgate.gatekeeper:ofsted",
            _HAMPSHIRE,
            {
                "inspection_id": "INSP-2010-0007",
                "action": "accepted",
                "by": "ofsted",
                "reason": None,
                "on": "2009-12-14",
                "area": _HAMPSHIRE,
                "removed": [],
                "inspection": {"inspection_id": "INSP-2010-0007", "status": "accepted"},
                "actor": {
                    "id": "7c2d0a51e98f",
                    "holder": "Ravi Patel",
                    "role": "inspectorate:ofsted",
                },
            },
        ),
        "inspection.triaged": _event(
            "triaged",
            "inspection.triaged",
            "2009-11-20T10:00:00+00:00",
            "riskgate.gatekeeper",
            _HAMPSHIRE,
            {
                "request_id": "REQ-2009-0142",
                "body": _HAMPSHIRE,
                "area": _HAMPSHIRE,
                "inspectorate": "ofsted",
                "theme": "children_and_young_people",
                "rule_ids": ["IND-FLOOR-2Q"],
                "reason": "NI 117 worse than the floor for two quarters running.",
                "year": 2009,
                "received_on": "2009-11-06",
                "due": "2009-11-20",
                "state": "declined",
                "on": "2009-11-20",
                "by": "Ravi Patel",
                "decline_reason": "Covered by the annual conversation in December.",
                "reasons": ["Declined by Ofsted (Ravi Patel) on 2009-11-20."],
                "action": "triage_declined",
                "actor": {
                    "id": "7c2d0a51e98f",
                    "holder": "Ravi Patel",
                    "role": "inspectorate:ofsted",
                },
                "request": {"request_id": "REQ-2009-0142", "origin": "risk_rule"},
            },
        ),
        "organisational.assessed": _event(
            "organisational",
            "organisational.assessed",
            "2009-11-02T10:00:00+00:00",
            "riskgate.risk",
            _WINCHESTER,
            {
                "year": 2009,
                "score": 2,
                "use_of_resources": 3,
                "managing_performance": 2,
                "evidence": [_ID["use_of_resources"]],
            },
        ),
        "citizens.transition": _event(
            "transition",
            "citizens.transition",
            "2009-10-01T00:00:00+00:00",
            "riskgate.citizens",
            _BASINGSTOKE,
            {
                "id": "5d6e7f8a-9b0c-4d1e-8f2a-4b5c6d7e8f22",
                "kind": "ccfa.overdue",
                "council": _BASINGSTOKE,
                "area": _HAMPSHIRE,
                "case_ref": "CCFA-2009-007",
                "from_stage": "recommended",
                "to_stage": "recommended",
                "status": "open",
                "on": "2009-09-30",
                "reasons": ["E07000084 did not respond by 2009-09-29 (20 working days)."],
                "deadlines": [],
                "caused_by": None,
            },
        ),
    }


def _laa_examples() -> dict[str, dict[str, Any]]:
    """Hampshire's Local Area Agreement, its refresh and its annual report."""
    neet: dict[str, Any] = {
        "indicator": "NI 117",
        "kind": "designated",
        "baseline": {"period": "2007-08", "value": 6.8},
        "trajectory": [
            {"period": "2008-09", "value": 6.5},
            {"period": "2009-10", "value": 6.1},
            {"period": "2010-11", "value": 5.7},
        ],
        "lead_partner": _HAMPSHIRE,
        "partners": [_WINCHESTER, _BASINGSTOKE],
    }
    gcse = {
        "indicator": "NI 75",
        "kind": "statutory_education",
        "baseline": {"period": "2007-08", "value": 52.0},
        "trajectory": [{"period": "2008-09", "value": 54.0}, {"period": "2009-10", "value": 56.5}],
        "lead_partner": _HAMPSHIRE,
        "partners": [],
    }
    agreement = {
        "period_start": "2008-09",
        "period_end": "2010-11",
        "effective_from": "2008-06-30",
        "targets": [neet, gcse],
    }
    refreshed = {**agreement, "effective_from": "2009-04-01", "targets": [
        {**neet, "trajectory": [*neet["trajectory"][:1], {"period": "2009-10", "value": 6.3},
                                {"period": "2010-11", "value": 5.9}]},
        gcse,
    ]}  # fmt: skip
    return {
        "laa.agreed": _event(
            "laa_agreed", "laa.agreed", "2008-06-30T12:00:00+01:00", "government_office:south_east",
            _HAMPSHIRE, agreement,
        ),
        "laa.refreshed": _event(
            "laa_refreshed", "laa.refreshed", "2009-04-01T12:00:00+01:00",
            "government_office:south_east", _HAMPSHIRE, refreshed,
        ),
        "laa.annual_report": _event(
            "laa_report", "laa.annual_report", "2009-06-30T12:00:00+01:00", "hampshire-laa",
            _HAMPSHIRE,
            {
                "year": 2009,
                "targets": [
                    {"indicator": "NI 117", "status": "behind",
                     "action_plan": "Targeted NEET re-engagement with Connexions and colleges"},
                    {"indicator": "NI 75", "status": "on_track"},
                ],
            },
        ),
    }  # fmt: skip


def examples(directory: Path) -> list[Path]:
    """Write ``directory/examples/<type>.json``, one valid example per type; return the paths.

    Raises ``ValueError`` if an example does not validate, so a bad example is never written.
    """
    events = {**example_events(), **_laa_examples()}
    missing = set(EVENT_TYPES + INTERNAL_TYPES) - set(events)
    if missing:
        raise ValueError(f"no example for {sorted(missing)}")
    for event_type, event in events.items():
        _clean, errors = validate_event(event)
        if errors:
            raise ValueError(f"example {event_type} is invalid: {errors}")
    return _write_all(
        Path(directory) / EXAMPLES_DIR, {f"{name}.json": event for name, event in events.items()}
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Regenerate the JSON Schema files and the examples; return the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m riskgate.schemas.export",
        description="Export the riskgate v1 contract (JSON Schema) and its examples.",
    )
    parser.add_argument(
        "--directory",
        type=Path,
        default=Path("contracts"),
        help="the contracts folder to write into (default: ./contracts)",
    )
    args = parser.parse_args(argv)
    schemas = export(args.directory)
    samples = examples(args.directory)
    print(f"wrote {len(schemas)} schema files and {len(samples)} examples under {args.directory}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
