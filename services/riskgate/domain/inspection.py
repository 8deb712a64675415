"""An inspection: the approved work at one body, owned by a lead inspectorate, and its lifecycle.

`Inspection` is immutable; each lifecycle step (accept, decline, schedule,
complete, reroute, override) is a pure function that takes an inspection and
the caller's facts (who asks, today, the policies) and returns the inspection
as the step leaves it, or raises a `domain.errors` error saying why not.
The field list lives here once: `to_dict`, `from_dict` and the inspectorates'
work-list view all follow the dataclass's fields.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any

from riskgate.domain import working_days
from riskgate.domain.errors import Conflict, NotAllowed
from riskgate.domain.ids import derived_id
from riskgate.domain.vocabulary import INSPECTION_STATUSES

if TYPE_CHECKING:
    from riskgate.domain.gatekeeper.policies import PolicySet
    from riskgate.domain.gatekeeper.register import BodyContext

STATUSES = INSPECTION_STATUSES
# Closed for "open" purposes: no longer absorbs requests or counts as in progress.
CLOSED: tuple[str, ...] = ("completed", "published", "declined", "cancelled")
OPEN: tuple[str, ...] = tuple(s for s in STATUSES if s not in CLOSED)
# Count for nothing: no visit happened or will happen.
NOT_VISITS: tuple[str, ...] = ("declined", "cancelled")
# Another inspectorate may still join: not yet on site.
JOINABLE: tuple[str, ...] = ("assigned", "accepted", "scheduled")

# Field metadata: `optional` fields are left out of `to_dict` while unset (None or
# False), as the record has always been; `work_list=False` fields stay off the
# inspectorates' work lists (the body rides in the message's envelope).
_OPTIONAL = {"optional": True}


def on_site_period(start: dt.date, on_site_days: int) -> tuple[dt.date, ...]:
    """The on-site working days: `on_site_days` of them, from the first working day >= start."""
    return working_days.on_site_period(start, on_site_days)  # numbered once, not walked


@dataclass(frozen=True)
class Inspection:
    """One inspection as the gatekeeper's register holds it."""

    inspection_id: str
    decision_id: str
    body: str = field(metadata={"work_list": False})
    area: str
    theme: str
    themes: tuple[str, ...]
    lead_inspectorate: str
    participants: tuple[str, ...]
    window_start: dt.date
    window_end: dt.date
    on_site_start: dt.date
    on_site_end: dt.date
    on_site_days: int
    request_ids: tuple[str, ...]
    evidence: tuple[str, ...]
    status: str
    urgent: bool
    bypassed: tuple[str, ...]
    accepted_by: tuple[str, ...] = ()
    finding: int | None = field(default=None, metadata=_OPTIONAL)
    summary: str | None = field(default=None, metadata=_OPTIONAL)
    declined_reason: str | None = field(default=None, metadata=_OPTIONAL)
    overridden: bool = field(default=False, metadata={**_OPTIONAL, "work_list": False})
    # The window first asked for, kept when a deferral moved `window_start`/`window_end`, so
    # that a later request for the same window still meets this inspection (GK-MERGE-OPEN).
    requested_window_start: dt.date | None = field(
        default=None, metadata={**_OPTIONAL, "work_list": False}
    )
    requested_window_end: dt.date | None = field(
        default=None, metadata={**_OPTIONAL, "work_list": False}
    )

    def to_dict(self) -> dict[str, Any]:
        """The inspection as JSON-ready values (dates ISO, sequences lists)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.metadata.get("optional") and (value is None or value is False):
                continue
            out[f.name] = _plain(value)
        return out

    def on_work_list(self) -> dict[str, Any]:
        """What an inspectorate's work list shows of it."""
        shown = {f.name for f in fields(self) if f.metadata.get("work_list", True)}
        return {k: v for k, v in self.to_dict().items() if k in shown}

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Inspection:
        """An inspection from `to_dict`'s shape (the register's JSON)."""
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name not in raw:
                continue  # a default applies
            value = raw[f.name]
            if f.name in _DATES:
                value = as_date(value)
            elif isinstance(value, list):
                value = tuple(value)
            values[f.name] = value
        return cls(**values)


_DATES = (
    "window_start",
    "window_end",
    "on_site_start",
    "on_site_end",
    "requested_window_start",
    "requested_window_end",
)


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


def as_date(value: Any) -> dt.date:
    """A date from an ISO string, a date or a timestamp (its date)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def accept(inspection: Inspection, *, by: str) -> Inspection:
    """`by` accepts its part; the inspection is accepted once its lead accepts."""
    _must_take_part(inspection, by)
    _must_be(inspection, ("assigned", "accepted"), "accept")
    accepted = tuple(sorted({*inspection.accepted_by, by}))
    status = "accepted" if by == inspection.lead_inspectorate else inspection.status
    return replace(inspection, accepted_by=accepted, status=status)


def decline(inspection: Inspection, *, by: str, reason: str) -> Inspection:
    """The lead declines the inspection; a participant steps out of a joint one."""
    _must_take_part(inspection, by)
    _must_be(inspection, ("assigned", "accepted"), "decline")
    if by != inspection.lead_inspectorate:
        return replace(
            inspection, participants=tuple(p for p in inspection.participants if p != by)
        )
    return replace(inspection, status="declined", declined_reason=reason)


def schedule(
    inspection: Inspection,
    *,
    by: str,
    start: dt.date,
    on_site_days: int,
    context: BodyContext,
    policies: PolicySet,
) -> Inspection:
    """The lead sets the on-site dates; Conflict, with the reasons under `start`, if they
    break notice, blackout, cap or rest as of `context.decided_on` (today)."""
    # Imported here: the gatekeeper's placement builds inspections, so it imports this module.
    from riskgate.domain.gatekeeper.placement import check_schedule

    _must_lead(inspection, by, "schedule")
    _must_be(inspection, ("accepted", "scheduled"), "schedule")
    reasons = check_schedule(inspection.to_dict(), start, on_site_days, context, policies)
    if reasons:
        raise Conflict("the gatekeeper refuses this schedule", {"start": reasons})
    days = on_site_period(start, on_site_days)
    return replace(
        inspection,
        status="scheduled",
        on_site_start=days[0],
        on_site_end=days[-1],
        on_site_days=on_site_days,
    )


def complete(
    inspection: Inspection, *, by: str, finding: int, summary: str, today: dt.date
) -> Inspection:
    """The lead records the finding (1-4), on or after the first on-site day."""
    _must_lead(inspection, by, "complete")
    _must_be(inspection, ("scheduled", "on_site"), "complete")
    if inspection.on_site_start > today:
        raise Conflict(
            f"the on-site visit starts on {inspection.on_site_start.isoformat()}; "
            "an inspection is completed after it"
        )
    return replace(inspection, status="completed", finding=finding, summary=summary)


def reroute(inspection: Inspection, *, to: str) -> Inspection:
    """The gatekeeper gives a declined inspection to another inspectorate, `to`."""
    if inspection.status != "declined":
        raise Conflict(f"only a declined inspection can be re-routed; it is {inspection.status}")
    return replace(
        inspection, lead_inspectorate=to, participants=(to,), status="assigned", accepted_by=()
    )


def override(
    current: Inspection | None,
    *,
    outcome: str,
    decision: Mapping[str, Any],
    request: Mapping[str, Any],
    start: dt.date | None,
) -> Inspection | None:
    """The inspection as staff overriding `decision` leave it.

    `rejected` cancels the current inspection (None if there is none);
    `approved` revives it, or makes one from the request, on `start` if given.
    """
    if outcome == "rejected":
        if current is None:
            return None
        if current.status in CLOSED:
            raise Conflict(f"inspection {current.inspection_id} is already {current.status}")
        return replace(current, status="cancelled")
    base = current or _from_request(decision, request)
    days = on_site_period(start or base.on_site_start, base.on_site_days)
    revived = base.status in ("cancelled", "declined") or current is None
    return replace(
        base,
        status="assigned" if revived else base.status,
        on_site_start=days[0],
        on_site_end=days[-1],
        overridden=True,
    )


def _from_request(decision: Mapping[str, Any], request: Mapping[str, Any]) -> Inspection:
    """A new inspection for a request the gatekeeper had not approved, planned from its window."""
    window_start = as_date(request["window_start"])
    return Inspection(
        inspection_id=derived_id("inspection", request["request_id"]),
        decision_id=decision["decision_id"],
        body=decision["body"],
        area=decision["area"],
        theme=decision["theme"],
        themes=(decision["theme"],),
        lead_inspectorate=decision["inspectorate"],
        participants=(decision["inspectorate"],),
        window_start=window_start,
        window_end=as_date(request["window_end"]),
        on_site_start=window_start,
        on_site_end=window_start,
        on_site_days=int(request["on_site_days"]),
        request_ids=(request["request_id"],),
        evidence=tuple(sorted(request.get("evidence", []))),
        status="assigned",
        urgent=False,
        bypassed=(),
    )


def _must_take_part(inspection: Inspection, by: str) -> None:
    if by not in inspection.participants:
        raise NotAllowed(f"{by} does not take part in inspection {inspection.inspection_id}")


def _must_lead(inspection: Inspection, by: str, action: str) -> None:
    _must_take_part(inspection, by)
    if by != inspection.lead_inspectorate:
        raise NotAllowed(
            f"only the lead inspectorate ({inspection.lead_inspectorate}) may {action} it"
        )


def _must_be(inspection: Inspection, statuses: tuple[str, ...], action: str) -> None:
    if inspection.status not in statuses:
        raise Conflict(
            f"cannot {action} inspection {inspection.inspection_id}: it is "
            f"{inspection.status} (must be {' or '.join(statuses)})"
        )
