"""One inspection walked from assigned to accepted, scheduled and completed on the sample's
clock, as `riskgate demo` shows it (the README walks the same steps with curl)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from riskgate.domain.actors import Actor
from riskgate.domain.errors import Conflict

if TYPE_CHECKING:
    from riskgate.bootstrap import System

SEARCH_DAYS = 120  # how far past today the walk looks for a start the gatekeeper accepts
FINDING, SUMMARY = 3, "Performs well: the concern is being tackled (the demo's walk)."


def walk_one_inspection(system: System) -> list[str]:
    """Take the first assigned single-inspectorate inspection through its lead's three steps,
    moving the clock forward to the visit as a gatekeeper would; the steps, in words."""
    assigned = sorted(
        (
            i
            for i in system.gatekeeper.inspections()
            if i["status"] == "assigned" and len(i["participants"]) == 1
        ),
        key=lambda i: (i["on_site_start"], i["inspection_id"]),
    )
    if not assigned:
        return ["an inspection's walk: no assigned inspection to walk"]
    inspection = assigned[0]
    code, lead = inspection["inspection_id"], inspection["lead_inspectorate"]
    actor = Actor(id=f"demo:{lead}", holder=f"demo:{lead}", role=f"inspectorate:{lead}")
    today = system.clock.today()
    lines = [
        f"an inspection's walk on the sample's clock ({today.isoformat()}): {code}, "
        f"{inspection['theme']} at {inspection['body']}, lead {lead}: assigned",
    ]
    system.gatekeeper.accept(code, actor=actor)
    lines.append(f"  accepted by {lead}")
    start = _schedule(system, code, actor, today, int(inspection["on_site_days"]))
    lines.append(
        f"  scheduled on site from {start.isoformat()} for {inspection['on_site_days']} days "
        "(the gatekeeper checked notice, blackout, cap and rest)"
    )
    system.clock.advance(start, by="demo")
    system.gatekeeper.complete(code, actor=actor, finding=FINDING, summary=SUMMARY)
    system.pump()  # the finding flows back into the risk picture
    lines.append(
        f"  the clock moved forward to {start.isoformat()}; completed with finding {FINDING} "
        f"({system.gatekeeper.inspection(code)['status']})"  # type: ignore[index]
    )
    return lines


def _schedule(system: System, code: str, actor: Actor, today: dt.date, days: int) -> dt.date:
    """Schedule on the first day from tomorrow that the gatekeeper's checks accept."""
    refusal: Conflict | None = None
    for offset in range(1, SEARCH_DAYS + 1):
        start = today + dt.timedelta(days=offset)
        try:
            system.gatekeeper.schedule(code, actor=actor, start=start, on_site_days=days)
        except Conflict as exc:
            refusal = exc
            continue
        return start
    raise Conflict(f"no start in {SEARCH_DAYS} days fits: {refusal}")
