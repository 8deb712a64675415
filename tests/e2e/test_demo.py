"""`riskgate demo` as a user runs it: the embedded default, the whole sample year."""

from __future__ import annotations

import re
import subprocess

from riskgate.sample import generate_year, planted
from tests.conftest import ROOT, riskgate_command


def test_demo_flags_exactly_the_planted_problems_and_routes_them_to_work() -> None:
    result = subprocess.run(
        riskgate_command("demo"),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={"PATH": "/usr/bin:/bin", "RISKGATE_RULES_DIR": str(ROOT / "rules")},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    flagged = set(re.findall(r"^  (E\d{8}) .*: red flag", out, flags=re.MULTILINE))
    plants = planted()
    flagged_plants = [p for p in plants if p.kind in ("floor", "complaints", "inadequate")]
    assert flagged == {p.area for p in flagged_plants}
    green_lines = re.findall(r"^  (E\d{8}) .*: green flag.*$", out, flags=re.MULTILINE)
    green = set(re.findall(r"^  (E\d{8}) .*: green flag", out, flags=re.MULTILINE))
    assert green >= {p.area for p in plants if p.kind == "outstanding"}
    # Green flags beyond the planted findings come only from comparison with peer areas.
    for line in re.findall(r"^  E\d{8} .*: green flag.*$", out, flags=re.MULTILINE):
        assert "FND-OUTSTANDING" in line or "PEER-BEST-DECILE-IMPROVING" in line, line
    assert len(green_lines) <= 10, "a few green flags, not many"
    considered = set(
        re.findall(r"^  (E\d{8}) .*: considered, not flagged", out, flags=re.MULTILINE)
    )
    assert considered == {p.area for p in plants if p.kind == "known_and_managed"}
    requests = int(re.search(r"^inspection requests: (\d+)", out, re.MULTILINE).group(1))  # type: ignore[union-attr]
    approved = int(re.search(r"approved (\d+)", out).group(1))  # type: ignore[union-attr]
    merged = re.search(r"merged (\d+)", out)
    # One inspection per flagged area and theme; a second rule's request is merged into it.
    assert approved == len(flagged_plants)
    assert requests == approved + (int(merged.group(1)) if merged else 0)
    work = dict(re.findall(r"(\w+) (\d+)", out.split("work per inspectorate: ")[1].splitlines()[0]))
    assert sum(int(n) for n in work.values()) == len(flagged_plants)
    assert f"events in: {len(generate_year())} accepted" in out
    assert "dead letters: 0" in out
