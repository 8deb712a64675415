"""`riskgate rules lint` and `rules test` as a rule writer uses them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from riskgate.cli import main

ROOT = Path(__file__).resolve().parents[2]


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
