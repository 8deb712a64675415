"""`riskgate rules simulate` on the bundled sample year, as a policy officer runs it: a candidate
ruleset against the current one, the second time on the year's events read back from the cache
folder, with the same report."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from riskgate.sample import planted
from tests.conftest import ROOT, riskgate_command

SANDWELL = "E08000028"


def test_a_higher_floor_loses_the_planted_flag_and_its_request_the_same_on_every_run(
    tmp_path: Path,
) -> None:
    # The planted NEET problem: Sandwell's NI 117 above its floor of 10 in three quarters.
    (plant,) = [p for p in planted() if p.kind == "floor" and p.indicator == "NI 117"]
    assert plant.area == SANDWELL
    values = [float(v) for v in re.findall(r"\d+\.\d+", plant.detail.split(":")[-1])]
    assert len(values) == 3 and all(10 < v < 12 for v in values)
    candidate = tmp_path / "candidate"
    shutil.copytree(ROOT / "rules", candidate)
    floors = candidate / "indicators.yaml"
    floors.write_text(floors.read_text().replace("    NI 117: 10 ", "    NI 117: 12 ", 1))
    cache = tmp_path / "cache"
    env = {
        "PATH": "/usr/bin:/bin",
        "RISKGATE_RULES_DIR": str(ROOT / "rules"),
        "RISKGATE_CACHE_DIR": str(cache),
    }

    def simulate() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            riskgate_command("rules", "simulate", "--candidate", str(candidate)),
            cwd=tmp_path, capture_output=True, text=True, timeout=300, env=env,
        )  # fmt: skip

    first = simulate()
    assert first.returncode == 0, first.stderr[-3000:]
    assert "events from" not in first.stderr  # generated, and kept for the next run
    lines = first.stdout.splitlines()
    assert lines[0] == "replaying 127411 events"
    assert re.fullmatch(r"ruleset \S+ \(current\) -> \S+ \(candidate\)", lines[1])
    assert "flags gained: 0" in lines and "flags lost: 1" in lines
    assert f"  {SANDWELL} Sandwell, children_and_young_people 2009: red (IND-FLOOR-2Q)" in lines
    assert any(re.fullmatch(r"inspection requests: (\d+) -> \d+ \(-1\)", x) for x in lines)
    assert any(re.fullmatch(r"  ofsted: \d+ -> \d+ \(-5\)", x) for x in lines)  # its 5 days
    assert f"  {SANDWELL} Sandwell: 5 -> 0 (-5)" in lines

    second = simulate()
    assert second.returncode == 0, second.stderr[-3000:]
    assert f"the sample year 2009's events from {cache}/events-2009-" in second.stderr
    assert second.stdout == first.stdout
