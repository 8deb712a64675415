"""`riskgate draw`'s service: a reproducible sample of councils with no red flag, each
proposed to the gatekeeper as a light-touch `random_assurance` inspection."""

from __future__ import annotations

import copy
import json
import uuid
from datetime import date
from pathlib import Path

from riskgate import topics
from riskgate.bootstrap import System, bootstrap
from riskgate.config import Settings
from riskgate.service_layer.assurance import draw, unflagged_councils
from tests.conftest import ROOT

EXAMPLE = json.loads((ROOT / "contracts" / "examples" / "indicator.reported.json").read_text())
SANDWELL = "E08000028"


def _system(tmp_path: Path) -> System:
    return bootstrap(Settings(rules_dir=ROOT / "rules", home=tmp_path, today=date(2009, 12, 31)))


def _red_flag_on_sandwell(system: System) -> None:
    for period, value in (("2009-Q1", 11.2), ("2009-Q2", 12.5)):
        event = copy.deepcopy(EXAMPLE)
        event.update(
            event_id=str(uuid.uuid4()), body=SANDWELL, occurred_at="2009-07-20T09:00:00+01:00"
        )
        event["payload"] = {"indicator": "NI 117", "period": period, "value": value, "unit": "%"}
        system.risk.handle(event)


def test_the_draw_is_reproducible_and_leaves_out_flagged_bodies(tmp_path: Path) -> None:
    one, two = _system(tmp_path / "a"), _system(tmp_path / "b")
    for system in (one, two):
        _red_flag_on_sandwell(system)

    first, again = draw(one, 2009, 7, 12), draw(two, 2009, 7, 12)
    other_seed = draw(_system(tmp_path / "c"), 2009, 8, 12)

    assert first == again
    assert [d["body"] for d in first["drawn"]] != [d["body"] for d in other_seed["drawn"]]
    assert len(first["drawn"]) == 12 and len({d["body"] for d in first["drawn"]}) == 12
    assert SANDWELL not in unflagged_councils(one, 2009)
    assert first["eligible"] == len(one.reference.councils) - 1


def test_drawn_bodies_go_to_the_gatekeeper_as_light_touch_random_assurance(tmp_path: Path) -> None:
    system = _system(tmp_path)

    drawn = draw(system, 2009, 1, 3)
    system.pump()

    requests = [json.loads(r.value) for r in system.bus.read_all(topics.REQUESTS)]
    assert [r["event_id"] for r in requests] == [d["request_id"] for d in drawn["drawn"]]
    assert {r["payload"]["origin"] for r in requests} == {"random_assurance"}
    assert {r["payload"]["on_site_days"] for r in requests} == {1}
    decided = {d["request_id"] for d in system.gatekeeper.decisions()}
    assert decided == {d["request_id"] for d in drawn["drawn"]}
    draw(system, 2009, 1, 3)  # drawing again proposes the same requests, decided once
    system.pump()
    assert len(system.gatekeeper.decisions()) == 3
