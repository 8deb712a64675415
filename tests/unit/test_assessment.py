"""The published assessment: flags per theme, organisational scores per council, no composite."""

from __future__ import annotations

import uuid

from riskgate.bootstrap import bootstrap
from riskgate.config import Settings
from riskgate.domain.assessment import area_assessment, organisational_score
from tests.conftest import ROOT


def test_the_organisational_score_is_the_lower_of_use_of_resources_and_managing_performance() -> (
    None
):
    assert organisational_score({"use_of_resources": 3, "managing_performance": 2})["score"] == 2
    assert organisational_score({"use_of_resources": 4, "managing_performance": 4})["label"] == (
        "performs excellently"
    )
    assert organisational_score({"use_of_resources": 1})["label"] == "performs poorly"
    assert organisational_score({})["score"] is None


def test_a_scored_council_appears_in_its_areas_assessment_with_the_evidence() -> None:
    system = bootstrap(Settings(rules_dir=ROOT / "rules"))
    winchester, hampshire = "E07000094", "E10000014"
    event_id = str(uuid.uuid4())
    result = system.ingest.submit([{
        "event_id": event_id, "type": "use_of_resources.scored",
        "occurred_at": "2009-11-02T10:00:00+00:00", "source": "audit-commission",
        "body": winchester, "payload": {"year": 2009, "score": 3, "managing_performance": 2},
    }])  # fmt: skip
    assert not result.errors
    system.pump()
    area = system.reference.areas[hampshire]
    doc = area_assessment(
        area, 2009, system.risk.assessment(hampshire, 2009), system.risk.organisations(2009), "v"
    )
    assert doc["organisations"][winchester] == {
        "use_of_resources": 3,
        "managing_performance": 2,
        "score": 2,
        "label": "performs adequately",
        "evidence": [event_id],
    }
    assert doc["organisations"][hampshire]["score"] is None
    assert set(doc) == {
        "area", "name", "year", "ruleset_version", "themes", "organisational_themes", "organisations"
    }  # fmt: skip
    assert all(t["flag"] is None for t in doc["themes"].values())
