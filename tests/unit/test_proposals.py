"""Proposing an inspection through the service layer, as `POST /v1/inspection-requests` and
the sample year's autumn proposals do: the gatekeeper decides what is proposed, and a body
the registry does not know is refused naming `body`."""

from __future__ import annotations

import datetime as dt

import pytest

from riskgate.bootstrap import System
from riskgate.domain.errors import Invalid
from riskgate.service_layer.proposals import propose_inspection

WIGAN = "E08000010"
PROPOSAL = {
    "body": WIGAN, "inspectorate": "hmic", "theme": "safer_and_stronger_communities",
    "origin": "government_office", "reason": "GO North West: youth crime rising",
    "window_start": dt.date(2009, 12, 7), "window_end": dt.date(2010, 3, 12), "on_site_days": 4,
}  # fmt: skip


def test_a_proposal_reaches_the_gatekeeper_with_its_request_id_and_proposer(
    system: System,
) -> None:
    request_id = propose_inspection(
        PROPOSAL, "integrator", lambda: dt.date(2009, 11, 25),
        area_of=system.ingest.area_of, publisher=system.bus.publisher(),
    )  # fmt: skip
    system.pump()

    [request] = system.gatekeeper.requests()
    assert request["request_id"] == request_id
    assert request["body"] == WIGAN and request["window_start"] == "2009-12-07"
    [decision] = system.gatekeeper.decisions()
    assert decision["request_id"] == request_id and decision["outcome"]


def test_a_proposal_for_a_body_nobody_registered_is_refused_naming_body(system: System) -> None:
    with pytest.raises(Invalid) as refused:
        propose_inspection(
            {**PROPOSAL, "body": "E99999999"}, "integrator", lambda: dt.date(2009, 11, 25),
            area_of=system.ingest.area_of, publisher=system.bus.publisher(),
        )  # fmt: skip

    assert refused.value.errors == {"body": ["unknown body E99999999"]}
    system.pump()
    assert system.gatekeeper.requests() == []
