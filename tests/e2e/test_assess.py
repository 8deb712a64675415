"""`riskgate assess` as a user runs it, in the embedded default."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from riskgate.sample import planted
from tests.conftest import ROOT, riskgate_command

ENV = {"PATH": "/usr/bin:/bin", "RISKGATE_RULES_DIR": str(ROOT / "rules")}


def _assess(
    *args: str, snapshots: Path | None = None, cache: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**ENV, "RISKGATE_CACHE_DIR": str(cache) if cache else "off"}
    if snapshots is not None:
        env["RISKGATE_SNAPSHOT_DIR"] = str(snapshots)
    return subprocess.run(
        riskgate_command("assess", "--year", "2009", *args),
        cwd=ROOT, capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip


def _prepared(snapshots: Path, home: Path) -> None:
    """A snapshot of the sample year in `snapshots`, as `riskgate snapshot build` makes it
    (left there for the later tests that share the folder, when none is there yet)."""
    if any(snapshots.glob("sample-2009-*.sqlite3")):
        return
    env = {**ENV, "RISKGATE_SNAPSHOT_DIR": str(snapshots), "RISKGATE_HOME": str(home)}
    built = subprocess.run(
        riskgate_command("snapshot", "build"),
        cwd=ROOT, capture_output=True, text=True, timeout=1200, env=env,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr[-3000:]


def test_the_annual_assessment_is_the_same_byte_for_byte_and_flags_the_planted_risks(
    tmp_path: Path, shared_snapshots: Path
) -> None:
    """Replayed in the batch annual pass on the year as generated, then event by event through
    the risk handler on the year as kept in the cache folder and read back, then read from the
    sample year's prepared snapshot: the same bytes."""
    first, second, third = (tmp_path / f"{n}.json" for n in ("first", "second", "third"))
    cache = tmp_path / "cache"
    for out, how in ((first, "batch"), (second, "streaming")):
        result = _assess(
            "--out", str(out), "--replay", how, snapshots=tmp_path / "no-snapshots", cache=cache
        )  # fmt: skip
        assert result.returncode == 0, result.stderr[-3000:]
        assert "prepared snapshot" not in result.stderr  # replayed, then compared with peers
        assert "compared every area with its peers for 2009" in result.stderr
        read_back = f"the sample year 2009's events from {cache}/events-2009-"
        assert (read_back in result.stderr) == (how == "streaming"), result.stderr[-3000:]
    assert first.read_bytes() == second.read_bytes()
    _prepared(shared_snapshots, tmp_path / "home")
    result = _assess("--out", str(third), snapshots=shared_snapshots)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "the sample year 2009 from its prepared snapshot" in result.stderr
    assert third.read_bytes() == first.read_bytes()

    document = json.loads(first.read_text())
    assert len(document["areas"]) == 152

    def flagged(flag: str, themes: str = "themes") -> set[str]:
        return {
            code
            for code, area in document["areas"].items()
            for judgement in area[themes].values()
            if judgement["flag"] == flag
        }

    plants = planted()
    # A self-assessed plan that a later, worse quarter contradicts is flagged after all.
    contradicted = {
        p.area for p in plants if p.kind == "known_and_managed" and "flagged after all" in p.detail
    }
    assert len(contradicted) == 1
    assert (
        flagged("red")
        == {p.area for p in plants if p.kind in ("floor", "complaints", "inadequate", "laa_behind")}
        | contradicted
    )
    assert flagged("green") >= {p.area for p in plants if p.kind in ("outstanding", "laa_ahead")}
    # The auditor's scores of 1 and 4 flag the organisational themes, and nothing else does.
    assert flagged("red", "organisational_themes") == {
        p.area for p in plants if p.kind == "poor_use_of_resources"
    }
    assert flagged("green", "organisational_themes") == {
        p.area for p in plants if p.kind == "excellent"
    }
    greens = [
        j for a in document["areas"].values() for j in a["themes"].values() if j["flag"] == "green"
    ]
    assert 0 < len(greens) <= 10  # a few green flags
    assert all(
        set(j["rule_ids"]) <= {"FND-OUTSTANDING", "PEER-BEST-DECILE-IMPROVING", "LAA-WELL-AHEAD"}
        for j in greens
    )
    for plant in plants:
        area = document["areas"][plant.area]
        judgement = {**area["themes"], **area["organisational_themes"]}[plant.theme]
        assert judgement["rule_ids"] or judgement["considered"]
        assert judgement["ruleset_version"] == document["ruleset_version"]
    assert "composite" not in first.read_text()


def test_an_events_file_with_a_bad_line_is_refused_naming_the_line(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    example = json.loads((ROOT / "contracts/examples/indicator.reported.json").read_text())
    bad = {**example, "payload": {**example["payload"], "value": "high"}}
    events.write_text(json.dumps(example) + "\n" + json.dumps(bad) + "\n")
    result = _assess("--events", str(events))
    assert result.returncode != 0
    assert "line 2" in result.stderr and "value" in result.stderr


def test_an_events_file_is_read_by_its_newlines_and_a_line_not_utf8_is_named(
    tmp_path: Path,
) -> None:
    """A value holding U+2028 (a line break to Python, not to JSON Lines) is one event; bytes
    that are not UTF-8 are refused naming their line, not with a traceback."""
    events = tmp_path / "events.jsonl"
    example = json.loads((ROOT / "contracts/examples/complaint.received.json").read_text())
    odd = {**example, "event_id": "0b8e7a3e-3c4d-4b8a-9a41-7f1f3f0f2a10"}
    odd["payload"] = {**example["payload"], "category": "noise\u2028at night\u0085mostly"}
    lines = [json.dumps(example).encode(), json.dumps(odd, ensure_ascii=False).encode()]
    events.write_bytes(b"\n".join(lines) + b"\n")
    result = _assess("--events", str(events))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "assessment 2009: 152 areas" in result.stdout

    events.write_bytes(b"\n".join([*lines, b'{"event_id": "\xff\xfe"}']) + b"\n")
    result = _assess("--events", str(events))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "line 3: not UTF-8: byte 15 of the line" in result.stderr
