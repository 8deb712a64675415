"""`riskgate rules lint` and `rules test` as a rule writer uses them."""

from __future__ import annotations

import json
import re
import shutil
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from riskgate.entrypoints.cli import main
from tests.conftest import ROOT


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    return tmp_path / "rules"


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_the_shipped_rules_lint_clean_and_pass_their_fixtures() -> None:
    code, out = _run("rules", "lint", "--dir", str(ROOT / "rules"))
    assert code == 0 and out.startswith("ok:")
    code, out = _run("rules", "test", "--dir", str(ROOT / "rules"))
    assert code == 0, out
    assert "FAIL" not in out and "no passing fixture" not in out


def test_a_fixture_whose_expectation_is_not_met_fails_naming_the_difference(rules: Path) -> None:
    path = rules / "fixtures" / "findings.yaml"
    path.write_text(path.read_text().replace("flag: green", "flag: red", 1))
    code, out = _run("rules", "test", "--dir", str(rules))
    assert code == 1
    assert "FAIL findings.yaml" in out and "flags: expected" in out


def test_a_rule_without_a_fixture_is_reported(rules: Path) -> None:
    extra = rules / "extra.yaml"
    extra.write_text(
        "rules:\n"
        "  - id: IND-FLOOR-3Q\n"
        "    title: Worse than the floor for three quarters\n"
        "    criterion: Three consecutive quarters on the wrong side of the floor.\n"
        "    when:\n"
        "      observation: indicator\n"
        "      all:\n"
        "        - {field: quarters_worse_than_floor, op: '>=', value: 3}\n"
        "    then: {flag: red}\n"
    )
    code, out = _run("rules", "test", "--dir", str(rules))
    assert code == 1 and "rules with no passing fixture: IND-FLOOR-3Q" in out


def test_lint_names_file_and_line_of_a_bad_rule(rules: Path) -> None:
    path = rules / "complaints.yaml"
    path.write_text(path.read_text().replace('op: ">"', 'op: "more than"'))
    code, out = _run("rules", "lint", "--dir", str(rules))
    assert code == 1 and "complaints.yaml:" in out and "unknown operator" in out


def test_lint_rejects_a_floor_for_an_indicator_outside_the_set(rules: Path) -> None:
    path = rules / "indicators.yaml"
    path.write_text(path.read_text().replace("    NI 73: 55", "    NI 31: 55"))
    code, out = _run("rules", "lint", "--dir", str(rules))
    assert code == 1 and "NI 31" in out


def test_simulate_shows_the_flags_and_burden_a_lower_floor_would_add(
    rules: Path, tmp_path: Path
) -> None:
    def quarter(period: str, value: float) -> str:
        return json.dumps({
            "event_id": str(uuid.uuid4()), "type": "indicator.reported",
            "occurred_at": f"2009-{int(period[-1]) * 3 + 1:02d}-30T09:00:00+00:00",
            "source": "data-hub", "body": "E08000028",
            "payload": {"indicator": "NI 117", "period": period, "value": value},
        })  # fmt: skip

    events = tmp_path / "year.jsonl"
    events.write_text("\n".join(quarter(q, 9.0) for q in ("2009-Q1", "2009-Q2", "2009-Q3")))
    candidate = tmp_path / "candidate"
    shutil.copytree(rules, candidate)
    floors = candidate / "indicators.yaml"
    floors.write_text(floors.read_text().replace("    NI 117: 10 ", "    NI 117: 8.5 "))

    code, out = _run(
        "rules", "simulate", "--dir", str(rules), "--candidate", str(candidate),
        "--events", str(events),
    )  # fmt: skip
    assert code == 0, out
    assert "flags gained: 1" in out and "flags lost: 0" in out
    assert "E08000028 Sandwell, children_and_young_people 2009: red (IND-FLOOR-2Q)" in out
    assert "inspection requests: 0 -> 1 (+1)" in out
    assert "ofsted: 0 -> 5 (+5)" in out and "E08000028 Sandwell: 0 -> 5 (+5)" in out


def test_lint_reports_every_problem_with_file_and_line(rules: Path) -> None:
    path = rules / "complaints.yaml"
    path.write_text(path.read_text().replace('op: ">"', 'op: "more than"'))
    path = rules / "findings.yaml"
    path.write_text(path.read_text().replace("flag: green", "flag: amber", 1))
    path = rules / "policies.yaml"
    path.write_text(path.read_text().replace("kind: notice", "kind: warning", 1))
    code, out = _run("rules", "lint", "--dir", str(rules))
    assert code == 1
    problems = [line for line in out.splitlines() if not line.startswith("Error:")]
    assert len(problems) == 3, out
    assert re.match(r"complaints\.yaml:\d+: unknown operator 'more than'", problems[0])
    assert re.match(r"findings\.yaml:\d+: flag must be one of", problems[1])
    assert re.match(r"policies\.yaml:\d+: unknown policy kind 'warning'", problems[2])
    assert "Error: 3 problem(s)" in out


def test_rules_test_on_a_broken_rule_says_so_in_one_line(rules: Path) -> None:
    path = rules / "complaints.yaml"
    path.write_text(path.read_text().replace('op: ">"', 'op: "more than"'))
    code, out = _run("rules", "test", "--dir", str(rules))
    assert code == 1
    assert out.count("\n") == 1, out
    assert out.startswith("Error: rules: complaints.yaml:") and "unknown operator" in out
    assert "riskgate rules lint" in out
