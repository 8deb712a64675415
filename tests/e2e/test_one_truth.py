"""One truth on the sample year: the live API, `riskgate assess` and `riskgate demo` give the
same flags, peer comparisons included (service_layer/peer_comparison.py says when each makes it).

Two loads, to stay cheap: the live system is loaded as `riskgate run`'s embedded scheduler
loads it (`run_embedded`), and read through the HTTP API; the demo's summary is printed from
that same system after the demo's one extra step (the citizens' deadline sweep); `assess`
replays the sample year into a system of its own. The live system starts from the session's
snapshot of the sample year when an earlier test left one (`shared_snapshots`, conftest.py), as
`riskgate run --ephemeral` and `demo` do; `assess` always replays.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

from riskgate.bootstrap import bootstrap
from riskgate.config import Settings
from riskgate.entrypoints.cli.demo import summary_text
from riskgate.entrypoints.http import create_app
from riskgate.service_layer.annual_assessment import assess_year, replay
from riskgate.service_layer.burden import burden_rows
from riskgate.service_layer.scheduler import run_embedded
from riskgate.service_layer.year_summary import period, summarise_year
from tests.conftest import RULES_DIR

HAMPSHIRE = "E10000014"
Flags = set[tuple[str, str, tuple[str, ...]]]  # (area, flag, rule ids)


def _flags_of(areas: dict[str, dict[str, Any]]) -> Flags:
    return {
        (code, j["flag"], tuple(j["rule_ids"]))
        for code, area in areas.items()
        for j in (*area["themes"].values(), *area["organisational_themes"].values())
        if j["flag"]
    }


def test_the_live_api_assess_and_demo_give_identical_flags_on_the_sample_year(
    sample_year: list[dict[str, Any]], tmp_path: Path, shared_snapshots: Path
) -> None:
    live = bootstrap(
        Settings(rules_dir=RULES_DIR, home=tmp_path / "live", snapshot_dir=shared_snapshots)
    )
    stop = threading.Event()
    stop.set()  # load (and compare) only; then the scheduler's loop ends at once
    run_embedded(live, load=True, sweep_s=3600, stop=stop)
    client = create_app(live).test_client()
    answers = {
        code: client.get(f"/v1/areas/{code}/assessment?year=2009").get_json()
        for code in sorted(live.reference.areas)
    }
    api = _flags_of(answers)

    live.citizens.sweep()  # what `riskgate demo` does after the load, before it prints
    live.pump()
    text = summary_text(summarise_year(live, 2009, live_accepted(sample_year)))
    demo = {
        (code, flag, tuple(rules.split(", ")))
        for code, flag, rules in re.findall(
            r"^  (E\d{8}) .*?: (red|green) flag\..*\[rules ([^;]+);", text, re.MULTILINE
        )
    }

    offline = bootstrap(Settings(rules_dir=RULES_DIR, home=tmp_path / "assess"))
    replay(offline, sample_year)
    assessed = _flags_of(assess_year(offline, 2009)["areas"])

    assert api == assessed == demo
    # `report burden` runs the year as the demo does (play_sample_year): one period, one total.
    total = next(
        r
        for r in burden_rows(live.gatekeeper.requests(), live.gatekeeper.inspections(), 2009)
        if r["by"] == "total"
    )
    assert period(2009, "2009-12-31") in text.splitlines()
    assert (
        f"burden: requested {total['requested_days']} on-site days in {total['requests']} requests"
        in text
    )
    peer_rules = {rule for _, _, rules in api for rule in rules if rule.startswith("PEER-")}
    assert peer_rules == {"PEER-BEST-DECILE-IMPROVING", "PEER-WORST-QUARTILE-WORSENING"}
    assert any(code == HAMPSHIRE and flag == "green" for code, flag, _ in api)


def live_accepted(sample_year: list[dict[str, Any]]) -> Any:
    from collections import Counter

    return Counter(e["type"] for e in sample_year)
