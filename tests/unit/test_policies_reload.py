"""The gatekeeper's policies are data that staff edit while it runs: a change to
`policies.yaml` decides the next request without a restart, and a broken file keeps the
last good policies."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

from riskgate.bootstrap import System, bootstrap
from riskgate.config import Settings
from riskgate.service_layer.proposals import propose_inspection
from tests.conftest import ROOT

WIGAN, BOLTON = "E08000010", "E08000001"


def _propose(system: System, body: str) -> dict[str, Any]:
    proposal = {
        "body": body, "inspectorate": "hmic", "theme": "safer_and_stronger_communities",
        "origin": "government_office", "reason": "GO North West: youth crime rising",
        "window_start": dt.date(2009, 12, 7), "window_end": dt.date(2010, 3, 12),
        "on_site_days": 4,
    }  # fmt: skip
    request_id = propose_inspection(
        proposal, "integrator", lambda: dt.date(2009, 11, 25),
        area_of=system.ingest.area_of, publisher=system.bus.publisher(),
    )  # fmt: skip
    system.pump()
    return next(d for d in system.gatekeeper.decisions() if d["request_id"] == request_id)


def test_a_tighter_cap_decides_the_next_request_without_restart(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    system = bootstrap(Settings(rules_dir=rules, rules_reload_s=0))  # look on every use

    before = _propose(system, WIGAN)
    policies = rules / "policies.yaml"
    policies.write_text(
        policies.read_text().replace("max_on_site_days_12m: 20", "max_on_site_days_12m: 3")
    )
    after = _propose(system, BOLTON)

    assert before["outcome"] == "approved", before
    assert after["policy_version"] != before["policy_version"]
    assert after["outcome"] != "approved" and "GK-CAP" in after["policy_ids"], after


def test_a_broken_policy_file_keeps_the_last_good_policies(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    system = bootstrap(Settings(rules_dir=rules, rules_reload_s=0))
    good = system.gatekeeper.policies.version

    (rules / "policies.yaml").write_text("policies: [\n")  # not YAML any more
    decision = _propose(system, WIGAN)

    assert system.gatekeeper.policies.version == good
    assert decision["policy_version"] == good and decision["outcome"] == "approved"
