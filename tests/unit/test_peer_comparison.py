"""The live risk service makes the peer comparison itself: once a year's indicator values have
been quiet for RISKGATE_PEERS_QUIET_SECONDS, and again only when new figures arrive."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path
from typing import Any

from riskgate.adapters.rule_files import read_rule_file, without_lines
from riskgate.bootstrap import System, bootstrap
from riskgate.config import Settings
from riskgate.domain.actors import Actor
from riskgate.domain.publishing import LOADER
from riskgate.entrypoints.http import create_app
from riskgate.service_layer.peer_comparison import PeerComparison
from tests.conftest import RULES_DIR

ECONOMY = "economic_development_and_environment"
SLIDING, RISING = "E10000006", "E10000007"  # the peers fixture's worst and best counties


def _fixture_events() -> list[dict[str, Any]]:
    doc = without_lines(read_rule_file(RULES_DIR / "fixtures" / "peers.yaml"))
    return [
        {**e, "event_id": f"00000000-0000-4000-8000-{n:012d}", "source": "fixture"}
        for n, e in enumerate(doc["events"])
    ]


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _flag(system: System, area: str) -> tuple[str | None, list[str]]:
    answer = create_app(system).test_client().get(f"/v1/areas/{area}/assessment?year=2009")
    judgement = answer.get_json()["themes"].get(ECONOMY) or {"flag": None, "rule_ids": []}
    return judgement["flag"], judgement["rule_ids"]


def test_the_live_service_compares_peers_once_the_figures_are_quiet(tmp_path: Path) -> None:
    system = bootstrap(Settings(rules_dir=RULES_DIR, home=tmp_path))
    clock = FakeTime()
    peers = PeerComparison(system.risk, system.store, quiet_s=30, monotonic=clock)
    events = _fixture_events()
    system.ingest.submit(events, LOADER)
    system.pump()
    assert _flag(system, SLIDING) == (None, [])  # no area is compared with its peers yet

    assert peers.run_due() == []  # figures just arrived: wait for them to be quiet
    clock.now += 29
    assert peers.run_due() == []
    clock.now += 1
    assert peers.run_due() == [2009]
    system.pump()
    assert _flag(system, SLIDING) == ("red", ["PEER-WORST-QUARTILE-WORSENING"])
    assert _flag(system, RISING) == ("green", ["PEER-BEST-DECILE-IMPROVING"])
    assert any(
        r["rule_ids"] == ["PEER-WORST-QUARTILE-WORSENING"] for r in system.gatekeeper.requests()
    )
    clock.now += 300
    assert peers.run_due() == []  # nothing new: not compared again

    # A corrected last quarter lifts the sliding county: the next comparison drops its flag.
    assert events[11]["body"] == SLIDING and events[11]["payload"]["period"] == "2009-Q4"
    fix = {**events[11], "event_id": "00000000-0000-4000-8000-100000000000"}
    fix["payload"] = {**fix["payload"], "value": 37}
    system.ingest.submit([fix], LOADER)
    system.pump()
    assert peers.run_due() == []
    clock.now += 30
    assert peers.run_due() == [2009]
    system.pump()
    assert _flag(system, SLIDING) == (None, [])


def test_the_embedded_scheduler_and_the_risk_consumer_use_the_same_comparison(
    tmp_path: Path,
) -> None:
    system = bootstrap(Settings(rules_dir=RULES_DIR, home=tmp_path, peers_quiet_s=0))
    system.ingest.submit(_fixture_events(), LOADER)
    system.pump()
    assert system.peers.run_due() == [2009]  # what the scheduler and the consumer call when idle
    system.pump()
    assert _flag(system, RISING) == ("green", ["PEER-BEST-DECILE-IMPROVING"])


def test_the_demo_walks_an_inspection_from_assigned_to_completed_on_the_sample_clock(
    tmp_path: Path,
) -> None:
    from riskgate.service_layer.walkthrough import walk_one_inspection

    system = bootstrap(Settings(rules_dir=RULES_DIR, home=tmp_path, peers_quiet_s=0))
    system.clock.start_sample(2009)
    system.ingest.submit(_fixture_events(), LOADER)
    system.pump()
    system.peers.run_due()
    system.pump()
    # the peer flag's request waits in the Audit Commission's triage until it confirms it
    [waiting] = system.gatekeeper.triage.items("audit_commission")
    auditor = Actor(id="t", holder="auditor", role="inspectorate:audit_commission")
    system.gatekeeper.triage.confirm(waiting["request_id"], actor=auditor)
    system.pump()
    [inspection] = system.gatekeeper.inspections()
    assert inspection["status"] == "assigned" and inspection["body"] == SLIDING

    lines = walk_one_inspection(system)
    assert "(2009-12-31)" in lines[0] and lines[0].endswith("assigned")
    assert lines[1] == "  accepted by audit_commission"
    start = re.search(r"scheduled on site from (\S+) ", lines[2]).group(1)  # type: ignore[union-attr]
    assert "(completed)" in lines[3]
    after = system.gatekeeper.inspection(inspection["inspection_id"])
    assert after is not None and after["status"] == "completed" and after["finding"] == 3
    assert after["on_site_start"] == start and system.clock.today().isoformat() == start
    assert [e["action"] for e in system.gatekeeper.audit(dt.date(2009, 1, 1))["entries"]][-3:] == [
        "accepted", "scheduled", "completed",
    ]  # fmt: skip


def test_a_peers_rule_that_reads_the_evidence_gets_whole_observations_and_the_same_judgements(
    tmp_path: Path,
) -> None:
    """The comparison leaves each observation's evidence lists out until it judges one, unless a
    peers rule names one in its conditions: then every observation is made whole first. Either
    way the flags, and the evidence they quote, are the same."""
    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules)
    with (rules / "peers.yaml").open("a") as peers_file:
        peers_file.write(
            "\n  - id: PEER-EVIDENCE-NAMED\n"
            "    title: Names the evidence\n"
            "    criterion: A test rule whose condition reads a peer observation's evidence.\n"
            "    when:\n"
            "      observation: peers\n"
            "      all:\n"
            "        - {field: evidence, op: contains, value: 1}\n"
            "    then: {flag: red}\n"
        )
    judged = []
    for directory, home in ((RULES_DIR, tmp_path / "shipped"), (rules, tmp_path / "named")):
        system = bootstrap(Settings(rules_dir=directory, home=home, peers_quiet_s=0))
        system.ingest.submit(_fixture_events(), LOADER)
        system.pump()
        assert system.peers.run_due() == [2009]
        system.pump()
        client = create_app(system).test_client()
        themes = {
            area: client.get(f"/v1/areas/{area}/assessment?year=2009").get_json()["themes"][ECONOMY]
            for area in (SLIDING, RISING)
        }
        judged.append((system.rules.current().fields_read["peers"], themes))
    (shipped_fields, shipped), (named_fields, named) = judged
    assert "evidence" not in shipped_fields and "evidence" in named_fields
    for area in (SLIDING, RISING):
        assert {k: v for k, v in named[area].items() if k != "ruleset_version"} == {
            k: v for k, v in shipped[area].items() if k != "ruleset_version"
        }
    assert named[SLIDING]["flag"] == "red" and len(named[SLIDING]["evidence"]) >= 2
    assert named[RISING]["flag"] == "green" and named[RISING]["evidence"]
