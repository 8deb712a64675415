"""The words of the citizens' triggers: matters, stages, statuses, rule ids, and dates.

Every state is a plain JSON-able dict (a `Case`, a `Petition`, a `ForumIssue`)
that the caller stores where it likes; these names say which is which.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

Case = dict[str, Any]
Petition = dict[str, Any]
ForumIssue = dict[str, Any]
Transition = dict[str, Any]

MATTERS: tuple[str, ...] = (
    "planning",
    "licensing",
    "council_tax",
    "business_rates",
    "crime_and_disorder",
    "anti_social_behaviour",
    "other",
)
SUSPICIONS: tuple[str, ...] = ("fraud", "criminal")
COMMITTEE_FINDINGS: tuple[str, ...] = ("vexatious", "frivolous")
OVERVIEW_AND_SCRUTINY = "overview_and_scrutiny"
CRIME_AND_DISORDER = "crime_and_disorder"
STAGES: tuple[str, ...] = (
    "raised",
    "routed",
    "referred",
    "refused",
    "recommended",
    "concluded",
    "escalated",
)
STATUSES: tuple[str, ...] = ("open", "refused", "resolved", "closed_unresolved", "escalated")
PETITION_STATUSES: tuple[str, ...] = (
    "received",
    "debate_required",
    "debate_scheduled",
    "responded",
    "referred_to_ccfa",
)
# `information`: a body named appears before the committee or provides information, within
# 20 working days of the referral or of a later request (`body_response` is the name the
# deadlines of cases recorded before had for it); `council_publication`: the council
# publicises its response to the recommendations within two months.
DEADLINE_KINDS: tuple[str, ...] = ("information", "body_response", "council_publication")
EVENT_TYPES: tuple[str, ...] = (
    "petition.submitted",
    "petition.responded",
    "forum.decided",
    "ccfa.raised",
    "ccfa.referred",
    "ccfa.information_requested",
    "ccfa.recommended",
    "ccfa.responded",
    "ccfa.published",
)
TRANSITION_KINDS: tuple[str, ...] = (
    "ccfa.stage_changed",
    "ccfa.refused",
    "ccfa.overdue",
    "ccfa.deadline_met",
    "ccfa.information_requested",
    "ccfa.escalated",
    "petition.status_changed",
    "area_case.opened",
)

# The rule ids named in reasons and requests; README.md ("Citizens' triggers") states them.
RULE_STATUTORY = "CCFA-STATUTORY-APPEAL"
RULE_CRIME = "CCFA-CRIME-AND-DISORDER"
RULE_VEXATIOUS = "CCFA-VEXATIOUS"
RULE_FRIVOLOUS = "CCFA-FRIVOLOUS"
RULE_REPEATED = "CCFA-REPEATED"
RULE_CAP = "CCFA-CAP"
RULE_PARTNERS = "CCFA-PARTNERS"
RULE_BYPASS = "CCFA-BYPASS"
RULE_DEBATE = "PET-DEBATE"
RULE_AREA_PETITION = "AREA-PETITION"
RULE_AREA_FORUMS = "AREA-FORUMS"
FINDING_RULES = {"vexatious": RULE_VEXATIOUS, "frivolous": RULE_FRIVOLOUS}
MAX_REASON = 2000


class CitizensError(ValueError):
    """An event does not fit the state it is applied to (unknown case, wrong stage, ...)."""


def issue_key(issue: str, issue_ref: str | None = None) -> str:
    """What makes two calls "the same issue": an explicit reference, else the normalised words."""
    if issue_ref:
        return "ref:" + " ".join(issue_ref.lower().split())
    return " ".join(issue.lower().split())


def council_year(day: dt.date) -> str:
    """The council (financial) year a date falls in, April to March, e.g. '2009-10'."""
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def event_day(event: Mapping[str, Any]) -> dt.date:
    """The day an event occurred on (its own local date)."""
    return day_of(event["occurred_at"])


def day_of(value: Any) -> dt.date:
    """A date from a date, a datetime, an ISO date or an ISO date-time (its own local date)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value)
    if len(text) == 10:
        return dt.date.fromisoformat(text)
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date()


def clipped(text: str) -> str:
    """A reason cut to the longest the inspection request's contract accepts."""
    return text if len(text) <= MAX_REASON else text[: MAX_REASON - 1] + "\u2026"
