"""A new ruleset takes effect without a restart, keeps the facts already seen,
and judgements say which version made them."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path
from typing import Any

from riskgate.bootstrap import bootstrap
from riskgate.config import Settings
from tests.conftest import ROOT

SANDWELL, NEET, THEME = "E08000028", "NI 117", "children_and_young_people"


def _quarter(period: str, value: float) -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid4()), "type": "indicator.reported",
        "occurred_at": f"2009-{int(period[-1]) * 3:02d}-28T09:00:00+00:00", "source": "test",
        "body": SANDWELL, "payload": {"indicator": NEET, "period": period, "value": value},
    }  # fmt: skip


def test_a_lowered_floor_applies_on_the_next_event_without_restart_or_lost_facts(
    tmp_path: Path,
) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    system = bootstrap(Settings(rules_dir=rules, rules_reload_s=0))  # look on every event
    first = system.rules.current().version

    system.ingest.submit([_quarter("2009-Q1", 9.0), _quarter("2009-Q2", 9.5)])
    system.pump()
    assert THEME not in system.risk.assessment(SANDWELL, 2009)  # under the 10% floor

    text = (rules / "indicators.yaml").read_text().replace("NI 117: 10 ", "NI 117: 8 ")
    (rules / "indicators.yaml").write_text(text)
    system.ingest.submit([_quarter("2009-Q3", 9.2)])
    system.pump()

    judgement = system.risk.assessment(SANDWELL, 2009)[THEME]
    second = system.rules.current().version
    assert second != first
    assert judgement["flag"] == "red" and judgement["ruleset_version"] == second
    # Q1 and Q2 were seen under the old ruleset and still count: three quarters over 8%.
    assert [e["period"] for e in judgement["evidence"]] == ["2009-Q1", "2009-Q2", "2009-Q3"]


def test_a_broken_rule_file_keeps_the_last_good_ruleset(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    system = bootstrap(Settings(rules_dir=rules, rules_reload_s=0))
    good = system.rules.current().version
    (rules / "complaints.yaml").write_text("rules:\n  - id: X\n")
    assert system.rules.current().version == good
