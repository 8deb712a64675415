"""The burden ledger: a body's on-site days used and planned, against the cap and the rest period."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from riskgate.domain.gatekeeper.placement import NoFitError, earliest_fit
from riskgate.domain.gatekeeper.policies import PolicySet
from riskgate.domain.gatekeeper.register import (
    BodyContext,
    count_in,
    themes_of,
    twelve_months_to,
    visit_of,
    visits_of,
)
from riskgate.domain.inspection import NOT_VISITS, OPEN


def ledger_figures(context: BodyContext, policies: PolicySet, on_day: dt.date) -> dict[str, Any]:
    """The ledger's figures on `on_day`: open inspections, on-site days used and planned, caps."""
    visits = visits_of(context.register)
    days = sorted(d for v in visits for d in v.days)
    cap = policies.of_kind("cap")
    ends = [v.end for v in visits]
    return {
        "open_inspections": sum(1 for i in context.register if i["status"] in OPEN),
        "on_site_days_used_12m": count_in(days, twelve_months_to(on_day), on_day),
        "on_site_days_planned": sum(1 for v in visits if v.is_open for d in v.days if d > on_day),
        "on_site_days_cap": cap.parameters["max_on_site_days_12m"] if cap else None,
        "open_at_once_cap": cap.parameters["max_open_at_once"] if cap else None,
        "last_visit_end": max(ends).isoformat() if ends else None,
        "org_score": context.org_score,
    }


def burden(context: BodyContext, policies: PolicySet, *, on_day: dt.date) -> dict[str, Any]:
    """The body's burden ledger on `on_day` (GET /v1/bodies/{code}/burden).

    `on_site_days_used_12m` counts on-site days, done or planned, in the 12
    months ending on `on_day`; `on_site_days_planned` the open inspections'
    on-site days after it; `on_site_days_left` is the cap less both.
    `next_date_that_fits` is the earliest start for a routine, announced request
    of the cap policy's `typical_on_site_days`, decided on `on_day`.
    """
    ledger = ledger_figures(context, policies, on_day)
    cap, rest = policies.of_kind("cap"), policies.of_kind("rest")
    typical = int(cap.parameters["typical_on_site_days"]) if cap else 5
    used, most = ledger["on_site_days_used_12m"], ledger["on_site_days_cap"]
    planned = ledger["on_site_days_planned"]
    try:
        fits: str | None = earliest_fit(
            replace(context, decided_on=on_day),
            policies,
            not_before=on_day,
            on_site_days=typical,
            urgent=False,
            theme=None,
        ).isoformat()
    except NoFitError:
        fits = None
    visits = sorted(
        (i for i in context.register if i["status"] not in NOT_VISITS),
        key=lambda i: (visit_of(i).start, i["inspection_id"]),
    )
    return {
        "body": context.body,
        "on_day": on_day.isoformat(),
        **ledger,
        "open_inspection_ids": sorted(
            i["inspection_id"] for i in context.register if i["status"] in OPEN
        ),
        "on_site_days_left": max(0, most - used - planned) if most is not None else None,
        "min_gap_days": rest.parameters["min_gap_days"] if rest else None,
        "typical_on_site_days": typical,
        "next_date_that_fits": fits,
        "visits": [
            {
                "inspection_id": i["inspection_id"],
                "status": i["status"],
                "lead_inspectorate": i["lead_inspectorate"],
                "themes": themes_of(i),
                "on_site_start": visit_of(i).start.isoformat(),
                "on_site_end": visit_of(i).end.isoformat(),
                "on_site_days": i["on_site_days"],
            }
            for i in visits
            if visit_of(i).end >= twelve_months_to(on_day)
        ],
        "policy_version": policies.version,
    }
