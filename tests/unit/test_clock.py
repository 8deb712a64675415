"""The honest clock: the sample's once it is loaded, moved forward by a gatekeeper only, and
never in the distributed mode or when RISKGATE_TODAY pins it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from riskgate.adapters.store import MemoryStore
from riskgate.bootstrap import System, bootstrap
from riskgate.config import Settings
from riskgate.domain.errors import Conflict
from riskgate.entrypoints.http import create_app
from riskgate.service_layer.clock import Clock
from tests.conftest import RULES_DIR


def _api(tmp_path: Path, today: dt.date | None = None) -> tuple[System, FlaskClient]:
    system = bootstrap(Settings(rules_dir=RULES_DIR, home=tmp_path, today=today))
    return system, create_app(system).test_client()


def test_a_gatekeeper_moves_the_sample_clock_forward_and_never_back(tmp_path: Path) -> None:
    system, client = _api(tmp_path)
    system.clock.start_sample(2009)
    assert client.get("/v1/clock").get_json() == {
        "today": "2009-12-31", "set_by": "sample", "by": None, "movable": True,
    }  # fmt: skip
    assert system.gatekeeper.clock() == dt.date(2009, 12, 31)  # the services read this clock

    gatekeeper = {"Authorization": f"Bearer {system.tokens.create('gatekeeper')}"}
    moved = client.post("/v1/clock", json={"to": "2010-02-01"}, headers=gatekeeper)
    assert moved.status_code == 200, moved.get_json()
    assert moved.get_json()["today"] == "2010-02-01" and moved.get_json()["set_by"] == "advanced"
    assert system.citizens.clock() == dt.date(2010, 2, 1)

    back = client.post("/v1/clock", json={"to": "2010-01-15"}, headers=gatekeeper)
    assert back.status_code == 409
    assert back.get_json()["errors"] == {"to": ["must be on or after 2010-02-01"]}
    assert "cannot move backwards" in back.get_json()["message"]

    integrator = {"Authorization": f"Bearer {system.tokens.create('integrator')}"}
    assert (
        client.post("/v1/clock", json={"to": "2011-01-01"}, headers=integrator).status_code == 403
    )
    assert client.post("/v1/clock", json={"to": "2011-01-01"}).status_code == 401
    bad = client.post("/v1/clock", json={"to": "tomorrow"}, headers=gatekeeper)
    assert bad.status_code == 400 and "to" in bad.get_json()["errors"]["json"]
    system.clock.start_sample(2009)  # a second load does not turn the clock back
    assert system.clock.today() == dt.date(2010, 2, 1)


def test_a_pinned_clock_does_not_move(tmp_path: Path) -> None:
    system, client = _api(tmp_path, today=dt.date(2009, 10, 20))
    gatekeeper = {"Authorization": f"Bearer {system.tokens.create('gatekeeper')}"}
    answer = client.post("/v1/clock", json={"to": "2010-01-01"}, headers=gatekeeper)
    assert answer.status_code == 409
    assert "RISKGATE_TODAY" in answer.get_json()["message"]
    assert client.get("/v1/clock").get_json()["today"] == "2009-10-20"


def test_the_distributed_clock_is_the_real_date_and_cannot_move() -> None:
    clock = Clock(MemoryStore(), embedded=False)
    clock.start_sample(2009)
    assert clock.today() == dt.datetime.now(dt.UTC).date()
    with pytest.raises(Conflict, match="real date"):
        clock.advance(dt.date(2030, 1, 1), by="someone")
