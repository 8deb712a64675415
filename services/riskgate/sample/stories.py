"""The citizens' stories planted in the sample year (scripted in `stories.yaml`): a petition
that becomes a call for action and then an inspection request, calls refused, routed,
resolved locally and escalated at once, and neighbourhood forums that open a case."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from riskgate.sample.data import filled, script
from riskgate.sample.ids import event_id
from riskgate.sample.plan import plan_year
from riskgate.service_layer.common import envelope

# Spelled out as the contract loads them, so the sample is what an integrator sends.
_CONTRACT_DEFAULTS: dict[str, dict[str, Any]] = {
    "ccfa.raised": {"matter": "other", "suspected": None},
    "ccfa.referred": {"committee_finding": None},
}


@dataclass(frozen=True)
class Story:
    """A petition or Community Call for Action planted in the sample year, and how it ends."""

    name: str
    council: str
    case_ref: str | None
    expect: str  # the status the case (or petition) should reach


def scripted_stories(year: int, seed: int) -> list[tuple[Story, list[dict[str, Any]]]]:
    """Every story of the year with its events, in the order `stories.yaml` tells them."""
    # The escalation: residents petition a council whose complaints surge, the councillor
    # takes it up, the local stages fail, and two partners lodge formal complaints.
    surge = next(
        p for p in plan_year(year, seed).plants if p.kind == "complaints" and p.body != p.area
    )
    names = {
        "year": year,
        "surge": surge.body,
        "surge_area": surge.area,
        "surge_theme": surge.theme,
    }
    out = []
    for raw in script("stories.yaml")["stories"]:
        told = filled(raw, names)
        story = Story(told["name"], told["council"], told["case_ref"], told["expect"])
        out.append((story, [_event(year, seed, story.council, e) for e in told["events"]]))
    return out


def _event(year: int, seed: int, council: str, step: dict[str, Any]) -> dict[str, Any]:
    type_, day = step["type"], step["day"]
    return envelope(
        event_id=event_id(year, seed, f"story/{step['step']}/{type_}/{day}"),
        type=type_,
        occurred_at=f"{year}-{day}T10:00:00+00:00",
        source=f"council:{council}",
        body=council,
        payload={**_CONTRACT_DEFAULTS.get(type_, {}), **step["payload"]},
    )
