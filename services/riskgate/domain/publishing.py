"""Who may say what on the events topic: the rules ingest applies to a token's holder and the
risk and citizens consumers apply again to an event's declared producer.

- The services' own types (`risk.judgement`, `gatekeeper.decision`, ...) are never an
  integrator's to publish.
- An `inspection.finding` comes only from the inspectorate it names (its token), or from the
  gatekeeper completing an inspection.
- A `body.registered` comes only from an administrator.
- Every other integrator type comes from an integrator, within its token's scope.
- The Local Area Agreement types (`laa.agreed`, `laa.refreshed`, `laa.annual_report`) also come
  from the Government Office of the area's region (`government_office:<region>`), which
  negotiates the agreement and coordinates its annual review (White Paper 6.40, 6.42).
- Riskgate's trusted loader (the sample year, rule fixtures, replays) may publish every
  integrator type: it is the service layer loading data it already trusts.

Each refusal is a `Refusal`: the field it is about and the reason, in words a caller can act on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from riskgate.domain.actors import Actor, region_slug, service_actor
from riskgate.domain.laa import AGREEMENT_TYPES, ANNUAL_REPORT
from riskgate.domain.reference import load_reference
from riskgate.domain.vocabulary import INTERNAL_TYPES

FINDING = "inspection.finding"
REGISTRATION = "body.registered"
ADMIN = "admin"
LOADER = service_actor("loader")  # the sample year, rule fixtures and replays, through ingest
GATEKEEPER = service_actor("gatekeeper")  # publishes findings itself from `/complete`
LAA_TYPES = (*AGREEMENT_TYPES, ANNUAL_REPORT)
GOVERNMENT_OFFICE = "government_office"


@dataclass(frozen=True)
class Refusal:
    """Why a producer may not publish an event: the field concerned and the reason."""

    field: str  # "type", "body" or "payload.inspectorate"
    reason: str

    def errors(self) -> dict[str, Any]:
        """The refusal in the one error shape: the field (nested under payload) and the reason."""
        head, _, rest = self.field.partition(".")
        return {head: {rest: [self.reason]}} if rest else {head: [self.reason]}


def source_of(actor: Actor) -> str:
    """The `source` an event published by `actor` carries.

    A token's events say `<role>:<holder>` (`integrator:leeds-data-hub`,
    `inspectorate:ofsted:ofsted-returns`); a riskgate service's say its name
    (`riskgate.gatekeeper`), which no role starts with.
    """
    if actor.role.startswith("service:"):
        return actor.holder
    return f"{actor.role}:{actor.holder}"


def refusal(
    actor: Actor, event: dict[str, Any], area: str | None, who: str | None = None
) -> Refusal | None:
    """Why `actor` may not publish `event` (for a body in `area`, if known), or None if it may.

    `who` names the producer in the reason (default: the source the actor stamps).
    """
    kind = event["type"]
    who = who or source_of(actor)
    internal = internal_type(kind)
    if internal is not None:
        return internal
    if actor == LOADER:
        return None
    if kind == FINDING:
        return _finding_refusal(actor, event, who)
    if kind == REGISTRATION:
        if actor.role != ADMIN:
            return Refusal("type", f"{kind} needs the admin role; {who} is {actor.role}")
        return None
    if kind in LAA_TYPES and actor.role.startswith(f"{GOVERNMENT_OFFICE}:"):
        return _government_office_refusal(actor, event, area, who)
    if actor.role != "integrator":
        return Refusal("type", f"{kind} is published by integrators; {who} is {actor.role}")
    return _scope_refusal(actor, event, area, who)


def _government_office_refusal(
    actor: Actor, event: dict[str, Any], area: str | None, who: str
) -> Refusal | None:
    """A Government Office speaks for the areas of its own region only."""
    region = actor.role.partition(":")[2]
    lead = load_reference().areas.get(area or event["body"])
    if lead is not None and region_slug(lead.region) == region:
        return None
    where = f"area {lead.code} is in {region_slug(lead.region)}" if lead else "not an area"
    return Refusal("body", f"body {event['body']}: {where}; {who} speaks for {region} only")


def internal_type(kind: str) -> Refusal | None:
    """The refusal for one of the services' own types, whoever sends it; None for the rest."""
    if kind not in INTERNAL_TYPES:
        return None
    return Refusal("type", f"{kind} is riskgate's own event type: only its services publish it")


def _finding_refusal(actor: Actor, event: dict[str, Any], who: str) -> Refusal | None:
    named = event["payload"]["inspectorate"]
    if actor == GATEKEEPER or actor.inspectorate == named:
        return None
    if actor.inspectorate is not None:
        return Refusal(
            "payload.inspectorate",
            f"inspectorate {actor.inspectorate} may not report a finding of {named}",
        )
    return Refusal(
        "type",
        f"{FINDING} comes only from the inspectorate it names ({named}) or the gatekeeper "
        f"completing an inspection; {who} is {actor.role}",
    )


def _scope_refusal(
    actor: Actor, event: dict[str, Any], area: str | None, who: str
) -> Refusal | None:
    kind, body = event["type"], event["body"]
    if not actor.scope.allows_type(kind):
        allowed = ", ".join(sorted(actor.scope.event_types))
        return Refusal("type", f"{kind} is outside the scope of {who} (types: {allowed})")
    if not actor.scope.allows_body(body, area):
        allowed = ", ".join(sorted(actor.scope.bodies))
        where = f"body {body} (area {area})" if area else f"body {body}"
        return Refusal("body", f"{where} is outside the scope of {who} (bodies: {allowed})")
    return None


def moved_body(body: str, placed_in: str | None, asked: str) -> Refusal | None:
    """Why a `body.registered` may not put `body` in area `asked`: the reference data places it
    in another area (`placed_in`). None when it does not, or knows no area for it."""
    if placed_in is None or placed_in == asked:
        return None
    return Refusal(
        "payload.area",
        f"body {body} is in area {placed_in} in the reference data; it cannot be moved to {asked}",
    )
