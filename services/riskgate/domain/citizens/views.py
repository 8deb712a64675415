"""Cases as the public list of calls for action shows them."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from riskgate.domain.citizens.deadlines import mark_overdue
from riskgate.domain.citizens.terms import Case


def summarise(case: Case, on: dt.date | None = None) -> dict[str, Any]:
    """A case as the list of calls for action shows it: stage, deadlines and what is overdue.

    With `on`, deadlines that have passed unmet by then show as overdue even if no
    sweep has marked them yet (the stored case is not changed).
    """
    view = copy.deepcopy(case)
    if on is not None:
        mark_overdue(view, on)
    deadlines = view["deadlines"]
    pending = [d["due"] for d in deadlines if d["met_on"] is None and not d["overdue"]]
    return {
        "case_ref": view["case_ref"],
        "council": view["council"],
        "area": view["area"],
        "councillor_ref": view["councillor_ref"],
        "ward": view["ward"],
        "issue": view["issue"],
        "theme": view["theme"],
        "matter": view["matter"],
        "bodies": view["bodies"],
        "area_wide": view["area_wide"],
        "petition_ref": view["petition_ref"],
        "stage": view["stage"],
        "status": view["status"],
        "committee": view["committee"],
        "dates": {
            k: view[f"{k}_on"]
            for k in ("raised", "referred", "recommended", "published", "concluded", "escalated")
        },
        "deadlines": deadlines,
        "overdue": [d for d in deadlines if d["overdue"]],
        "next_due": min(pending) if pending else None,
        "refusal": view["refusal"],
        "escalation": view["escalation"],
    }
