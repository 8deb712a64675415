"""An inspection's lifecycle steps, as pure functions: what each leaves and what each refuses."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest

from riskgate.adapters.policy_file import load_policies
from riskgate.domain import inspection as lifecycle
from riskgate.domain.errors import Conflict, NotAllowed
from riskgate.domain.gatekeeper import BodyContext, PolicySet
from riskgate.domain.inspection import Inspection

RULES = Path(__file__).resolve().parents[2] / "rules"
BODY = "E08000028"
SAFER = "safer_and_stronger_communities"  # announced: 10 working days' notice


@pytest.fixture(scope="module")
def policies() -> PolicySet:
    return load_policies(RULES)


def _inspection(**changes: object) -> Inspection:
    """A joint inspection led by the Audit Commission with HMIC, as the gatekeeper assigns it."""
    base = Inspection(
        inspection_id="insp-1",
        decision_id="dec-1",
        body=BODY,
        area=BODY,
        theme=SAFER,
        themes=(SAFER,),
        lead_inspectorate="audit_commission",
        participants=("audit_commission", "hmic"),
        window_start=dt.date(2009, 11, 2),
        window_end=dt.date(2009, 12, 18),
        on_site_start=dt.date(2009, 11, 16),
        on_site_end=dt.date(2009, 11, 20),
        on_site_days=5,
        request_ids=("req-1",),
        evidence=("ev-1",),
        status="assigned",
        urgent=False,
        bypassed=(),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def _context(inspection: Inspection, today: dt.date) -> BodyContext:
    return BodyContext(register=[inspection.to_dict()], org_score=None, decided_on=today, body=BODY)


def test_to_dict_and_from_dict_round_trip_and_leave_unset_outcomes_out() -> None:
    inspection = _inspection()
    shown = inspection.to_dict()
    assert shown["on_site_start"] == "2009-11-16"
    assert shown["participants"] == ["audit_commission", "hmic"]
    assert shown["accepted_by"] == []
    assert not {"finding", "summary", "declined_reason", "overridden"} & set(shown)
    assert Inspection.from_dict(shown) == inspection
    done = replace(inspection, status="completed", finding=2, summary="adequate")
    assert Inspection.from_dict(done.to_dict()) == done


def test_the_work_list_view_leaves_out_the_body_and_the_override_mark() -> None:
    overridden = replace(_inspection(), overridden=True, declined_reason="not ours")
    item = overridden.on_work_list()
    assert "body" not in item and "overridden" not in item
    assert item["declined_reason"] == "not ours"
    assert item["decision_id"] == "dec-1"


def test_accept_by_the_lead_accepts_the_inspection() -> None:
    accepted = lifecycle.accept(_inspection(), by="audit_commission")
    assert accepted.status == "accepted"
    assert accepted.accepted_by == ("audit_commission",)


def test_accept_by_a_participant_records_it_but_leaves_the_status() -> None:
    accepted = lifecycle.accept(_inspection(), by="hmic")
    assert accepted.status == "assigned"
    assert accepted.accepted_by == ("hmic",)


def test_accept_by_an_inspectorate_not_taking_part_is_not_allowed() -> None:
    with pytest.raises(NotAllowed, match="ofsted does not take part in inspection insp-1"):
        lifecycle.accept(_inspection(), by="ofsted")


def test_accept_of_a_completed_inspection_is_a_conflict() -> None:
    with pytest.raises(Conflict, match="it is completed \\(must be assigned or accepted\\)"):
        lifecycle.accept(_inspection(status="completed"), by="audit_commission")


def test_decline_by_the_lead_declines_with_the_reason() -> None:
    declined = lifecycle.decline(_inspection(), by="audit_commission", reason="not ours")
    assert declined.status == "declined"
    assert declined.declined_reason == "not ours"


def test_decline_by_a_participant_steps_it_out_of_the_joint_inspection() -> None:
    stepped_out = lifecycle.decline(_inspection(), by="hmic", reason="no capacity")
    assert stepped_out.participants == ("audit_commission",)
    assert stepped_out.status == "assigned" and stepped_out.declined_reason is None


def test_decline_once_scheduled_is_a_conflict() -> None:
    with pytest.raises(Conflict, match="cannot decline inspection insp-1: it is scheduled"):
        lifecycle.decline(_inspection(status="scheduled"), by="audit_commission", reason="x")


def test_schedule_by_the_lead_sets_the_on_site_days(policies: PolicySet) -> None:
    inspection = _inspection(status="accepted")
    today = dt.date(2009, 10, 1)
    scheduled = lifecycle.schedule(
        inspection,
        by="audit_commission",
        start=dt.date(2009, 11, 23),
        on_site_days=3,
        context=_context(inspection, today),
        policies=policies,
    )
    assert scheduled.status == "scheduled"
    assert (scheduled.on_site_start, scheduled.on_site_end) == (
        dt.date(2009, 11, 23),
        dt.date(2009, 11, 25),
    )
    assert scheduled.on_site_days == 3


def test_schedule_without_notice_is_refused_naming_the_policy(policies: PolicySet) -> None:
    inspection = _inspection(status="accepted")
    today = dt.date(2009, 11, 16)
    with pytest.raises(Conflict, match="the gatekeeper refuses this schedule") as refused:
        lifecycle.schedule(
            inspection,
            by="audit_commission",
            start=dt.date(2009, 11, 18),
            on_site_days=3,
            context=_context(inspection, today),
            policies=policies,
        )
    (reason,) = refused.value.errors["start"]
    assert reason.startswith(
        f"GK-NOTICE: A start on 2009-11-18 would give {BODY} 2 working days' notice"
    )


def test_schedule_on_a_weekend_is_refused(policies: PolicySet) -> None:
    inspection = _inspection(status="accepted")
    with pytest.raises(Conflict) as refused:
        lifecycle.schedule(
            inspection,
            by="audit_commission",
            start=dt.date(2009, 11, 21),  # a Saturday
            on_site_days=3,
            context=_context(inspection, dt.date(2009, 10, 1)),
            policies=policies,
        )
    assert any(
        r.startswith("SCHEDULE: 2009-11-21 is not a working day")
        for r in refused.value.errors["start"]
    )


def test_schedule_by_a_participant_is_not_allowed(policies: PolicySet) -> None:
    inspection = _inspection(status="accepted")
    with pytest.raises(
        NotAllowed, match=r"only the lead inspectorate \(audit_commission\) may schedule it"
    ):
        lifecycle.schedule(
            inspection,
            by="hmic",
            start=dt.date(2009, 11, 23),
            on_site_days=3,
            context=_context(inspection, dt.date(2009, 10, 1)),
            policies=policies,
        )


def test_complete_after_the_visit_records_the_finding() -> None:
    completed = lifecycle.complete(
        _inspection(status="scheduled"),
        by="audit_commission",
        finding=3,
        summary="performs well",
        today=dt.date(2009, 11, 20),
    )
    assert (completed.status, completed.finding, completed.summary) == (
        "completed",
        3,
        "performs well",
    )


def test_complete_before_the_visit_starts_is_a_conflict() -> None:
    with pytest.raises(Conflict, match="the on-site visit starts on 2009-11-16"):
        lifecycle.complete(
            _inspection(status="scheduled"),
            by="audit_commission",
            finding=3,
            summary="too soon",
            today=dt.date(2009, 11, 13),
        )


def test_complete_of_an_unscheduled_inspection_is_a_conflict() -> None:
    with pytest.raises(Conflict, match="must be scheduled or on_site"):
        lifecycle.complete(
            _inspection(status="accepted"),
            by="audit_commission",
            finding=3,
            summary="x",
            today=dt.date(2009, 12, 1),
        )


def test_reroute_gives_a_declined_inspection_to_another_inspectorate() -> None:
    declined = _inspection(status="declined", declined_reason="not ours", accepted_by=("hmic",))
    rerouted = lifecycle.reroute(declined, to="ofsted")
    assert rerouted.lead_inspectorate == "ofsted"
    assert rerouted.participants == ("ofsted",)
    assert rerouted.status == "assigned" and rerouted.accepted_by == ()


def test_reroute_of_an_inspection_not_declined_is_a_conflict() -> None:
    with pytest.raises(
        Conflict, match="only a declined inspection can be re-routed; it is assigned"
    ):
        lifecycle.reroute(_inspection(), to="ofsted")


DECISION = {
    "decision_id": "dec-9",
    "body": BODY,
    "area": BODY,
    "theme": SAFER,
    "inspectorate": "hmic",
}
REQUEST = {
    "request_id": "req-9",
    "window_start": "2010-01-09",  # a Saturday
    "window_end": "2010-02-26",
    "on_site_days": 4,
    "evidence": ["ev-b", "ev-a"],
}


def test_override_rejected_cancels_the_open_inspection() -> None:
    cancelled = lifecycle.override(
        _inspection(), outcome="rejected", decision=DECISION, request=REQUEST, start=None
    )
    assert cancelled is not None and cancelled.status == "cancelled"


def test_override_rejected_with_no_inspection_leaves_none() -> None:
    assert (
        lifecycle.override(None, outcome="rejected", decision=DECISION, request=REQUEST, start=None)
        is None
    )


def test_override_rejected_of_a_completed_inspection_is_a_conflict() -> None:
    with pytest.raises(Conflict, match="inspection insp-1 is already completed"):
        lifecycle.override(
            _inspection(status="completed"),
            outcome="rejected",
            decision=DECISION,
            request=REQUEST,
            start=None,
        )


def test_override_approved_makes_an_inspection_from_the_request() -> None:
    made = lifecycle.override(
        None, outcome="approved", decision=DECISION, request=REQUEST, start=None
    )
    assert made is not None
    assert made.to_dict() == {
        "inspection_id": made.inspection_id,
        "decision_id": "dec-9",
        "body": BODY,
        "area": BODY,
        "theme": SAFER,
        "themes": [SAFER],
        "lead_inspectorate": "hmic",
        "participants": ["hmic"],
        "window_start": "2010-01-09",
        "window_end": "2010-02-26",
        "on_site_start": "2010-01-11",  # the first working day of the window
        "on_site_end": "2010-01-14",
        "on_site_days": 4,
        "request_ids": ["req-9"],
        "evidence": ["ev-a", "ev-b"],
        "status": "assigned",
        "urgent": False,
        "bypassed": [],
        "accepted_by": [],
        "overridden": True,
    }


def test_override_approved_revives_a_declined_inspection_on_the_staff_start() -> None:
    revived = lifecycle.override(
        _inspection(status="declined", declined_reason="not ours"),
        outcome="approved",
        decision=DECISION,
        request=REQUEST,
        start=dt.date(2009, 12, 7),
    )
    assert revived is not None
    assert revived.status == "assigned" and revived.overridden
    assert (revived.on_site_start, revived.on_site_end) == (
        dt.date(2009, 12, 7),
        dt.date(2009, 12, 11),
    )
