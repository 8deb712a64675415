"""`riskgate report targeting`'s figures: the groups, the Wilson interval and the odds ratio."""

from __future__ import annotations

import copy
import json
import uuid
from datetime import date
from pathlib import Path

import pytest

from riskgate.bootstrap import bootstrap
from riskgate.config import Settings
from riskgate.sample.later_findings import later_findings
from riskgate.service_layer.targeting import Group, odds_ratio, targeting_groups, wilson
from tests.conftest import ROOT

EXAMPLE = json.loads((ROOT / "contracts" / "examples" / "indicator.reported.json").read_text())
SANDWELL = "E08000028"


def test_the_wilson_interval_and_the_odds_ratio_match_worked_values() -> None:
    low, high = wilson(20, 100) or (0, 0)
    ratio, lo, hi = odds_ratio(Group("red", 40, 40, 10), Group("rest", 200, 200, 40)) or (0, 0, 0)

    assert (round(low, 4), round(high, 4)) == (0.1334, 0.2888)
    assert round(ratio, 3) == 1.333  # (10*160)/(30*40)
    assert (round(lo, 2), round(hi, 2)) == (0.6, 2.95)  # exp(ln 1.333 ± 1.96 × 0.4057)
    assert wilson(0, 0) is None
    assert odds_ratio(Group("red", 5, 0, 0), Group("rest", 9, 9, 1)) is None


def test_the_synthetic_later_year_is_labelled_and_reproducible() -> None:
    owner = {t: "ofsted" for t in ("children_and_young_people",)}.get
    first = later_findings(2009, lambda theme: owner(theme) or "audit_commission")
    again = later_findings(2009, lambda theme: owner(theme) or "audit_commission")

    assert first == again and len(first) == 353
    assert all(e["occurred_at"].startswith("2010-") for e in first)
    assert all("SYNTHETIC" in e["payload"]["summary"] for e in first)
    findings = [e["payload"]["finding"] for e in first]
    assert set(findings) == {1, 2, 3, 4}  # some found poor, some not: each group has a share
    assert 0 < findings.count(1) < len(findings)


def test_later_findings_are_counted_per_group(tmp_path: Path) -> None:
    system = bootstrap(Settings(rules_dir=ROOT / "rules", home=tmp_path, today=date(2010, 12, 31)))
    for period, value in (("2009-Q1", 11.2), ("2009-Q2", 12.5)):  # Sandwell: a red flag
        event = copy.deepcopy(EXAMPLE)
        event.update(
            event_id=str(uuid.uuid4()), body=SANDWELL, occurred_at="2009-07-20T09:00:00+01:00"
        )
        event["payload"] = {"indicator": "NI 117", "period": period, "value": value, "unit": "%"}
        system.risk.handle(event)
    for event in later_findings(2009, system.rules.current().inspectorate_for):
        system.risk.handle(event)

    red, drawn, rest = targeting_groups(system, 2009, 2009, 10)

    assert (red.name, red.councils, red.inspected) == ("red-flagged", 1, 1)
    assert (drawn.councils, drawn.inspected) == (10, 10)
    assert (rest.councils, rest.inspected) == (342, 342)
    assert red.poor + drawn.poor + rest.poor == sum(
        e["payload"]["finding"] == 1
        for e in later_findings(2009, system.rules.current().inspectorate_for)
    )


@pytest.mark.parametrize("year", [2009])
def test_findings_in_the_year_itself_are_not_later(tmp_path: Path, year: int) -> None:
    system = bootstrap(Settings(rules_dir=ROOT / "rules", home=tmp_path))
    for event in later_findings(year - 1, system.rules.current().inspectorate_for):  # dated 2009
        system.risk.handle(event)

    groups = targeting_groups(system, year, year, 10)

    assert sum(g.inspected for g in groups) == 0
