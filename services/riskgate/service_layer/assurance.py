"""Random assurance checks: a reproducible sample of bodies that raise no red flag, each
proposed to the gatekeeper for a light-touch inspection (origin `random_assurance`).

The draw is reproducible: the same year, seed and judgements give the same bodies and
themes, and the requests' ids are derived from them, so drawing twice proposes nothing twice.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import TYPE_CHECKING, Any

from riskgate import topics
from riskgate.domain.ids import derived_id
from riskgate.domain.vocabulary import AREA_THEMES
from riskgate.service_layer import cycle
from riskgate.service_layer.common import envelope, now_on

if TYPE_CHECKING:
    from riskgate.bootstrap import System

ORIGIN = "random_assurance"
SOURCE = "riskgate.assurance"
# Local settings: riskgate's default for a "streamlined, but random" check.
ON_SITE_DAYS = 1
NOTICE_DAYS = 28
WINDOW_DAYS = 90


def unflagged_councils(system: System, year: int) -> list[str]:
    """The councils whose area has no red flag on any theme for `year`, by code."""
    red_areas = {
        area
        for area in system.reference.areas
        if any(j.get("flag") == "red" for j in system.risk.assessment(area, year).values())
    }
    return sorted(
        code
        for code, council in system.reference.councils.items()
        if (system.reference.area_of(code) or code) not in red_areas
    )


def drawn_bodies(eligible: list[str], year: int, seed: int, size: int) -> list[tuple[str, str]]:
    """The councils drawn from `eligible` (sorted codes) with `seed`, each with its theme."""
    rng = random.Random(f"riskgate random assurance {year} {seed}")
    chosen = rng.sample(eligible, min(size, len(eligible)))
    return [(body, rng.choice(AREA_THEMES)) for body in chosen]


def draw(system: System, year: int, seed: int, size: int) -> dict[str, Any]:
    """Draw `size` unflagged councils (and a theme each) with `seed`, and propose a
    light-touch inspection of each to the gatekeeper. Returns the draw as published."""
    eligible = unflagged_councils(system, year)
    start = cycle.today(system) + dt.timedelta(days=NOTICE_DAYS)
    routing = system.rules.current()
    drawn = []
    publisher = system.bus.publisher()
    for body, theme in drawn_bodies(eligible, year, seed, size):
        area = system.reference.area_of(body) or body
        request_id = derived_id(ORIGIN, year, seed, body)
        payload = {
            "request_id": request_id,
            "inspectorate": routing.inspectorate_for(theme),
            "theme": theme,
            "area": area,
            "origin": ORIGIN,
            "reason": (
                f"random assurance check {year} (seed {seed}): {body} raised no red flag; "
                f"drawn for a light-touch look at {theme}"
            ),
            "evidence": [],
            "rule_ids": [],
            "urgency": "normal",
            "window_start": start.isoformat(),
            "window_end": (start + dt.timedelta(days=WINDOW_DAYS)).isoformat(),
            "on_site_days": ON_SITE_DAYS,
        }
        publisher.publish(
            topics.REQUESTS,
            area,
            envelope(
                event_id=request_id,
                type="inspection.requested",
                occurred_at=now_on(cycle.today(system)),
                source=SOURCE,
                body=body,
                payload=payload,
            ),
        )
        drawn.append({"body": body, "area": area, "theme": theme, "request_id": request_id})
    publisher.flush()
    return {"year": year, "seed": seed, "eligible": len(eligible), "drawn": drawn}
