"""Cycle files: `riskgate rules lint` refuses stages that overlap or run backwards, naming
file:line; the shipped cycles are clean, and a stage is read from the system's clock."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner

from riskgate.entrypoints.cli import main as cli
from riskgate.service_layer.cycle import load_cycles
from tests.conftest import RULES_DIR


def _exported(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    assert CliRunner().invoke(cli, ["rules", "export", str(target)]).exit_code == 0
    return target


def test_the_shipped_cycles_lint_clean_and_2009_publishes_on_9_december() -> None:
    result = CliRunner().invoke(cli, ["rules", "lint", "--dir", str(RULES_DIR)])

    assert result.exit_code == 0, result.output
    assert "cycles for 2009, 2010; ladder of 7 rungs" in result.output
    cycle = load_cycles(RULES_DIR)[2009]
    assert cycle.publication == dt.date(2009, 12, 9)
    assert cycle.stage_on(dt.date(2009, 11, 30)) == "challenge"
    assert cycle.stage_on(dt.date(2009, 12, 1)) == "awaiting_publication"
    assert cycle.stage_on(dt.date(2009, 12, 9)) == "published"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            "sharing: {from: 2009-09-20, to: 2009-10-31}",
            "cycles/2009.yaml:17: sharing: starts 2009-09-20",
        ),
        (
            "sharing: {from: 2009-10-31, to: 2009-10-01}",
            "cycles/2009.yaml:17: sharing: runs backwards",
        ),
        (
            "sharing: {from: 2009-10-32, to: 2009-10-31}",
            "cycles/2009.yaml:0: not a valid date: day is out of range",
        ),
    ],
    ids=["overlap", "backwards", "not-a-date"],
)
def test_a_cycle_whose_stages_overlap_or_run_backwards_fails_lint_with_file_and_line(
    tmp_path: Path, edit: str, message: str
) -> None:
    rules = _exported(tmp_path)
    path = rules / "cycles" / "2009.yaml"
    text = path.read_text()
    path.write_text(text.replace("sharing: {from: 2009-10-01, to: 2009-10-31}", edit))

    result = CliRunner().invoke(cli, ["rules", "lint", "--dir", str(rules)])

    assert result.exit_code == 1
    assert message in result.output
