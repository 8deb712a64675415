"""What `riskgate demo` must print for the bundled sample year: exactly the planted problems.

The demo runs once per test session, from the installed wheel (tests/e2e/test_wheel.py), as a
user runs it; these checks hold its summary to what the sample year planted.
"""

from __future__ import annotations

import re
from typing import Any

from riskgate.sample import planted, stories


def check_demo_summary(out: str, sample_year: list[dict[str, Any]]) -> None:
    """Assert the demo's summary flags, routes and ends exactly what the sample planted."""
    flagged = set(re.findall(r"^  (E\d{8}) .*: red flag", out, flags=re.MULTILINE))
    plants = planted()
    flagged_plants = [
        p
        for p in plants
        if p.kind in ("floor", "complaints", "inadequate", "poor_use_of_resources", "laa_behind")
    ]
    # A self-assessed plan contradicted by a later, worse quarter is flagged after all.
    after_all = _section(out, "self-assessed, flagged after all")
    managed = {p.area for p in plants if p.kind == "known_and_managed"}
    assert after_all and after_all < managed, "one planted plan works, the other is contradicted"
    assert flagged == {p.area for p in flagged_plants} | after_all
    red_lines = re.findall(r"^  (E\d{8}) .*: red flag", out, flags=re.MULTILINE)
    green_lines = re.findall(r"^  (E\d{8}) .*: green flag.*$", out, flags=re.MULTILINE)
    green = set(re.findall(r"^  (E\d{8}) .*: green flag", out, flags=re.MULTILINE))
    assert green >= {
        p.area for p in plants if p.kind in ("outstanding", "excellent", "laa_ahead")
    }
    # Green flags beyond the planted ones come only from comparison with peer areas.
    for line in re.findall(r"^  E\d{8} .*: green flag.*$", out, flags=re.MULTILINE):
        assert any(
            rule in line
            for rule in (
                "FND-OUTSTANDING",
                "PEER-BEST-DECILE-IMPROVING",
                "AUD-UOR-EXCELLENT",
                "LAA-WELL-AHEAD",
            )
        ), line
    assert len(green_lines) <= 12, "a few green flags, not many"
    considered = set(
        re.findall(r"^  (E\d{8}) .*: considered, not flagged", out, flags=re.MULTILINE)
    )
    assert considered == managed - after_all
    requests = int(re.search(r"^inspection requests: (\d+)", out, re.MULTILINE).group(1))  # type: ignore[union-attr]
    outcomes = dict(
        (k, int(v))
        for k, v in re.findall(
            r"(\w+) (\d+)", out.split("gatekeeper decisions: ")[1].splitlines()[0]
        )
    )
    triage = dict(
        (k, int(v))
        for k, v in re.findall(
            r"(\w+) (\d+)", out.split("triage of risk-triggered requests: ")[1].splitlines()[0]
        )
    )
    # The owning inspectorates confirmed one, declined one, and the rest were confirmed
    # automatically on their due day, save those raised too late in the year to be due yet.
    assert triage["confirmed"] == 1 and triage["declined"] == 1 and triage["auto_confirmed"] > 0
    assert sum(outcomes.values()) == requests - triage["declined"] - triage["in_triage"]
    # Every outcome the gatekeeper has is met by the year's requests and proposals.
    assert set(outcomes) == {"approved", "merged", "joint", "deferred", "rejected"}
    # Every red flag led to at least one inspection; the rest were merged or made joint.
    partners_only = _section(out, "flagged, no inspection requested")
    undecided = triage["declined"] + triage["in_triage"] + len(partners_only)
    assert outcomes["approved"] + outcomes["deferred"] >= len(red_lines) - undecided
    burden = re.search(
        r"^burden: requested (\d+) on-site days in (\d+) requests; approved (\d+) days in "
        r"(\d+) inspections; saved (\d+) days",
        out,
        re.MULTILINE,
    )
    assert burden is not None
    asked, _, approved_days, inspections, saved = (int(g) for g in burden.groups())
    assert 0 < approved_days < asked and saved == asked - approved_days
    assert inspections == outcomes["approved"] + outcomes["deferred"]
    work = dict(re.findall(r"(\w+) (\d+)", out.split("work per inspectorate: ")[1].splitlines()[0]))
    assert sum(int(n) for n in work.values()) >= inspections  # a joint one is on every list
    # The citizens' stories end as planted.
    for story in stories():
        if story.case_ref is None:
            assert re.search(
                rf"^  area-forums-\S+ at {story.council} .*: referred, open", out, re.M
            )
            continue
        line = re.search(rf"^  {re.escape(story.case_ref)} at .*$", out, re.MULTILINE)
        assert line is not None, story
        assert f", {story.expect}" in line.group(0), (story, line.group(0))
    assert "deadlines missed: 1" in out  # the county never answered the Burnley call
    assert f"events in: {len(sample_year)} accepted" in out
    assert "dead letters: 0" in out
    # Local Area Agreements: the planted target behind (and reported on track), and every
    # council's Direction of Travel.
    laa = re.search(r"^LAA targets \((\d+) agreements.*behind (\d+), missed (\d+).*disagreeing "
                    r"with the data (\d+)$", out, re.MULTILINE)  # fmt: skip
    assert laa is not None
    agreements, behind, missed, disagreeing = (int(g) for g in laa.groups())
    # One target in ten slips in the last quarter (no flag yet); only the plant is reported
    # better than the data shows.
    assert (agreements, missed, disagreeing) == (152, 0, 1) and behind > 100
    assert re.search(r"^Direction of Travel \(353 councils\):$", out, re.MULTILINE)


def _section(out: str, heading: str) -> set[str]:
    """The area codes listed under a heading of the demo's summary (indented lines after it)."""
    lines = out.split(heading, 1)[1].splitlines()[1:]
    listed = []
    for line in lines:
        if not line.startswith("  "):
            break
        listed.append(line.split()[0])
    return set(listed)
