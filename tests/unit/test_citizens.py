"""Citizens' triggers: petitions, forums and the Community Call for Action, as pure domain code."""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from riskgate.domain.citizens import (
    CitizensDesk,
    CitizensError,
    Facts,
    Outcome,
    council_year,
    issue_key,
    partner_complaint,
    summarise,
)
from riskgate.domain.ids import derived_id
from riskgate.domain.rules import RuleError
from riskgate.schemas import InspectionRequestedPayload
from riskgate.service_layer.citizens_config import load_citizens_config
from riskgate.service_layer.rules_source import load_ruleset

RULES = Path(__file__).resolve().parents[2] / "rules"
CONFIG = load_citizens_config(RULES)
ROUTING = load_ruleset(RULES).routing  # the risk ruleset still loads with citizens.yaml beside it

LEEDS = "E08000035"  # runs on the defaults
HAMPSHIRE = "E10000014"  # overrides the petition thresholds in rules/citizens.yaml
POLICE = "E23000010"
PCT = "E16000001"
FIRE = "E31000001"
SAFER = "safer_and_stronger_communities"
D = dt.date


def event(type_: str, payload: Mapping[str, Any], on: str, body: str = LEEDS) -> dict[str, Any]:
    """An envelope; its id depends only on its content, so a scenario replays identically."""
    content = json.dumps([type_, payload, on, body], sort_keys=True)
    return {
        "event_id": derived_id("test event", content),
        "type": type_,
        "occurred_at": f"{on}T10:00:00+00:00",
        "source": "test",
        "body": body,
        "payload": dict(payload),
    }


class World:
    """What the service layer will do: keep the states, pass the facts, collect transitions."""

    def __init__(self) -> None:
        self.desk = CitizensDesk(CONFIG, ROUTING)
        self.cases: dict[str, dict[str, Any]] = {}
        self.petitions: dict[str, dict[str, Any]] = {}
        self.forums: dict[str, dict[str, Any]] = {}
        self.complaints: list[dict[str, Any]] = []
        self.transitions: list[dict[str, Any]] = []

    def send(self, ev: dict[str, Any]) -> Outcome:
        payload = ev["payload"]
        case = self.cases.get(payload.get("case_ref", ""))
        councillor = (case or payload).get("councillor_ref")
        facts = Facts(
            area=LEEDS,
            case=case,
            petition=self.petitions.get(payload.get("petition_ref") or ""),
            forum_issue=self.forums.get(payload.get("issue_ref", ""))
            if ev["type"] == "forum.decided"
            else None,
            earlier_cases=[c for c in self.cases.values() if c["councillor_ref"] == councillor],
            complaints=self.complaints,
        )
        return self._keep(self.desk.apply(ev, facts))

    def sweep(self, case_ref: str, on: dt.date) -> Outcome:
        return self._keep(self.desk.sweep(self.cases[case_ref], on, self.complaints))

    def complain(self, partner: str, on: str, theme: str = SAFER, body: str = LEEDS) -> Outcome:
        """A partner's formal complaint; closed, unresolved cases are tested again."""
        payload = {
            "complaint_ref": f"C-{partner}-{on}",
            "channel": "partner",
            "theme": theme,
            "category": "service failure",
            "upheld": None,
            "formal": True,
            "partner": partner,
        }
        fact = partner_complaint(event("complaint.received", payload, on, body))
        assert fact is not None
        self.complaints.append(fact)
        outcome = Outcome()
        for case in list(self.cases.values()):
            if case["status"] == "closed_unresolved":
                outcome = self._keep(self.desk.recheck(case, self.complaints, D.fromisoformat(on)))
        return outcome

    def _keep(self, outcome: Outcome) -> Outcome:
        if outcome.case is not None:
            self.cases[outcome.case["case_ref"]] = outcome.case
        if outcome.petition is not None:
            self.petitions[outcome.petition["petition_ref"]] = outcome.petition
        if outcome.forum_issue is not None:
            self.forums[outcome.forum_issue["issue_ref"]] = outcome.forum_issue
        self.transitions += outcome.transitions
        return outcome


def raised(
    case_ref: str = "CCFA-1",
    on: str = "2009-09-01",
    *,
    councillor: str = "cllr-17",
    issue: str = "Fly-tipping in the back lanes",
    bodies: tuple[str, ...] = (LEEDS, POLICE),
    body: str = LEEDS,
    **extra: Any,
) -> dict[str, Any]:
    payload = {
        "case_ref": case_ref,
        "councillor_ref": councillor,
        "ward": "Headingley",
        "issue": issue,
        "theme": SAFER,
        "bodies": list(bodies),
        **extra,
    }
    return event("ccfa.raised", payload, on, body)


def referred(
    case_ref: str = "CCFA-1",
    on: str = "2009-10-01",
    committee: str = "overview_and_scrutiny",
    body: str = LEEDS,
    **extra: Any,
) -> dict[str, Any]:
    payload = {"case_ref": case_ref, "committee": committee, "referred_on": on, **extra}
    return event("ccfa.referred", payload, on, body)


def recommended(case_ref: str = "CCFA-1", on: str = "2009-12-10", **extra: Any) -> dict[str, Any]:
    payload = {
        "case_ref": case_ref,
        "recommended_on": on,
        "recommendations": ["Joint clearance rota", "CCTV at the worst sites"],
        **extra,
    }
    return event("ccfa.recommended", payload, on)


def responded(body: str, on: str, resolved: bool, case_ref: str = "CCFA-1") -> dict[str, Any]:
    payload = {
        "case_ref": case_ref,
        "responding_body": body,
        "responded_on": on,
        "resolved": resolved,
    }
    return event("ccfa.responded", payload, on)


def published(on: str, resolved: bool, case_ref: str = "CCFA-1") -> dict[str, Any]:
    payload = {"case_ref": case_ref, "published_on": on, "resolved": resolved}
    return event("ccfa.published", payload, on)


def accepted_case(world: World, case_ref: str = "CCFA-1", **extra: Any) -> dict[str, Any]:
    world.send(raised(case_ref, **extra))
    outcome = world.send(referred(case_ref))
    assert outcome.case is not None and outcome.case["stage"] == "referred"
    return outcome.case


def case_of(outcome: Outcome) -> dict[str, Any]:
    assert outcome.case is not None
    return outcome.case


def kinds(outcome: Outcome) -> list[str]:
    return [t["kind"] for t in outcome.transitions]


# --- configuration ------------------------------------------------------------------------


def test_config_defaults_and_a_councils_overrides() -> None:
    leeds, hampshire = CONFIG.for_council(LEEDS), CONFIG.for_council(HAMPSHIRE)
    assert leeds == CONFIG.defaults
    assert (leeds.debate_threshold, leeds.area_wide_threshold) == (1500, 10000)
    assert (hampshire.debate_threshold, hampshire.area_wide_threshold) == (3650, 20000)
    assert hampshire.cap_per_councillor_per_year == leeds.cap_per_councillor_per_year == 4
    assert leeds.response_working_days == 20 and leeds.publish_months == 2
    assert set(leeds.statutory_appeal_matters) == {
        "planning",
        "licensing",
        "council_tax",
        "business_rates",
    }
    assert leeds.crime_and_disorder_matters == ("crime_and_disorder", "anti_social_behaviour")
    assert CONFIG.version.startswith("sha256:")


def _config_copy(tmp_path: Path, old: str, new: str) -> Path:
    directory = tmp_path / "rules"
    directory.mkdir()
    text = (RULES / "citizens.yaml").read_text()
    assert old in text
    (directory / "citizens.yaml").write_text(text.replace(old, new, 1))
    return directory


def _line_of(directory: Path, needle: str) -> int:
    lines = (directory / "citizens.yaml").read_text().splitlines()
    return next(n for n, line in enumerate(lines, 1) if needle in line)


@pytest.mark.parametrize(
    ("old", "new", "needle", "message"),
    [
        ("  debate_threshold: 1500", "  debate_treshold: 1500", "debate_treshold", "unknown key"),
        (
            "  debate_threshold: 1500",
            "  debate_threshold: -5",
            "debate_threshold: -5",
            "at least 1",
        ),
        ("  debate_threshold: 1500", "  debate_threshold: lots", "lots", "whole number"),
        ("  partners_needed: 2", "  partners_needed: true", "partners_needed", "whole number"),
        ("    planning: an", "    zoning: an", "statutory_appeal_matters", "unknown matter"),
        (
            "[crime_and_disorder, anti_social_behaviour]",
            "[crime_and_disorder, planning]",
            "crime_and_disorder_matters",
            "also has a statutory appeal route",
        ),
        ("  E10000014:", "  Hampshire:", "Hampshire:", "not a council body code"),
        ("    debate_threshold: 3650", "    debate_thresh: 3650", "debate_thresh:", "unknown key"),
        (
            "    area_wide_threshold: 20000",
            "    area_wide_threshold: 2000",
            "area_wide_threshold: 2000",
            "must not be below debate_threshold",
        ),
        ("  escalation_on_site_days: 5", "  escalation_on_site_days: 90", "on_site", "1 to 60"),
    ],
)
def test_config_errors_name_file_and_line(
    tmp_path: Path, old: str, new: str, needle: str, message: str
) -> None:
    directory = _config_copy(tmp_path, old, new)
    with pytest.raises(RuleError) as caught:
        load_citizens_config(directory)
    text = str(caught.value)
    assert text.startswith(f"citizens.yaml:{_line_of(directory, needle)}: "), text
    assert message in text


def test_config_missing_key_and_missing_file(tmp_path: Path) -> None:
    directory = _config_copy(tmp_path, "  publish_months: 2", "")
    with pytest.raises(RuleError, match=r"^citizens\.yaml:\d+: `defaults` is missing"):
        load_citizens_config(directory)
    with pytest.raises(RuleError, match="missing"):
        load_citizens_config(tmp_path)


def test_a_null_cap_means_no_cap(tmp_path: Path) -> None:
    directory = _config_copy(
        tmp_path, "cap_per_councillor_per_year: 4", "cap_per_councillor_per_year: null"
    )
    assert load_citizens_config(directory).defaults.cap_per_councillor_per_year is None


# --- raising and the committee's gate -----------------------------------------------------


def test_a_raised_case_records_who_what_and_when() -> None:
    world = World()
    outcome = world.send(raised(issue="  Fly-tipping   in the BACK lanes "))
    case = outcome.case
    assert case is not None
    assert (case["stage"], case["status"]) == ("raised", "open")
    assert case["councillor_ref"] == "cllr-17" and case["ward"] == "Headingley"
    assert case["issue_key"] == "fly-tipping in the back lanes"
    assert case["matter"] == "other" and case["raised_on"] == "2009-09-01"
    assert case["area"] == LEEDS and case["bodies"] == [LEEDS, POLICE]
    assert case["history"][0]["event_id"] == outcome.transitions[0]["caused_by"]
    [transition] = outcome.transitions
    assert transition["kind"] == "ccfa.stage_changed"
    assert (transition["from_stage"], transition["to_stage"]) == (None, "raised")


@pytest.mark.parametrize(
    ("matter", "route"),
    [
        ("planning", "Planning Inspectorate"),
        ("licensing", "magistrates' court"),
        ("council_tax", "Valuation Tribunal"),
        ("business_rates", "Valuation Office Agency"),
    ],
)
def test_matters_with_a_statutory_appeal_route_are_refused(matter: str, route: str) -> None:
    world = World()
    world.send(raised(matter=matter))
    outcome = world.send(referred())
    case = outcome.case
    assert case is not None
    assert (case["stage"], case["status"]) == ("refused", "refused")
    assert case["refusal"]["rule"] == "CCFA-STATUTORY-APPEAL"
    assert route in case["refusal"]["reason"]
    assert matter.replace("_", " ") in case["refusal"]["reason"]
    [transition] = outcome.transitions
    assert transition["kind"] == "ccfa.refused" and transition["rule"] == "CCFA-STATUTORY-APPEAL"
    assert transition["reasons"] == [case["refusal"]["reason"]]


@pytest.mark.parametrize("finding", ["vexatious", "frivolous"])
def test_the_committee_may_find_a_call_vexatious_or_frivolous(finding: str) -> None:
    world = World()
    world.send(raised())
    case = world.send(referred(committee_finding=finding)).case
    assert case is not None and case["status"] == "refused"
    assert case["refusal"]["rule"] == f"CCFA-{finding.upper()}"
    assert f"found the call {finding}" in case["refusal"]["reason"]


@pytest.mark.parametrize("matter", ["crime_and_disorder", "anti_social_behaviour"])
def test_crime_and_disorder_is_routed_not_refused(matter: str) -> None:
    world = World()
    world.send(raised(matter=matter))
    outcome = world.send(referred())
    case = outcome.case
    assert case is not None
    assert (case["stage"], case["status"]) == ("routed", "open")
    assert case["committee"] == "crime_and_disorder" and case["refusal"] is None
    assert outcome.transitions[0]["reasons"][0].startswith("CCFA-CRIME-AND-DISORDER: ")
    # The crime and disorder committee takes it up with its own referral ...
    taken = world.send(referred(on="2009-10-20", committee="crime_and_disorder")).case
    assert taken is not None and (taken["stage"], taken["committee"]) == (
        "referred",
        "crime_and_disorder",
    )
    # ... and recommends, which starts the clocks as for any call.
    done = world.send(recommended()).case
    assert done is not None and done["stage"] == "recommended" and len(done["deadlines"]) == 3


def test_the_crime_and_disorder_committee_may_recommend_straight_from_routing() -> None:
    world = World()
    world.send(raised(matter="anti_social_behaviour"))
    world.send(referred())
    case = world.send(recommended()).case
    assert case is not None and case["stage"] == "recommended"


def test_a_statutory_appeal_matter_is_refused_before_any_other_filter() -> None:
    world = World()
    world.send(raised(matter="planning"))
    case = world.send(referred(committee_finding="vexatious")).case
    assert case is not None and case["refusal"]["rule"] == "CCFA-STATUTORY-APPEAL"


def test_the_same_issue_from_the_same_councillor_within_the_period_is_refused() -> None:
    world = World()
    accepted_case(world, "CCFA-1")
    # 364 days later, in other words: refused as a repeat of CCFA-1.
    world.send(raised("CCFA-2", "2010-08-31", issue="fly-tipping in the  Back Lanes"))
    case = world.send(referred("CCFA-2", "2010-09-10")).case
    assert case is not None and case["refusal"]["rule"] == "CCFA-REPEATED"
    reason = case["refusal"]["reason"]
    assert "CCFA-1" in reason and "2009-09-01" in reason and "365-day" in reason


def test_the_same_issue_after_the_period_passes() -> None:
    world = World()
    accepted_case(world, "CCFA-1")
    world.send(raised("CCFA-2", "2010-09-01"))  # 365 days after 2009-09-01
    case = world.send(referred("CCFA-2", "2010-09-10")).case
    assert case is not None and (case["stage"], case["refusal"]) == ("referred", None)


def test_the_repeat_filter_is_per_councillor_and_per_issue() -> None:
    world = World()
    accepted_case(world, "CCFA-1")
    world.send(raised("CCFA-2", "2009-10-05", councillor="cllr-99"))  # another councillor
    world.send(raised("CCFA-3", "2009-10-05", issue="Street lighting on Otley Road"))
    assert case_of(world.send(referred("CCFA-2", "2009-10-12")))["stage"] == "referred"
    assert case_of(world.send(referred("CCFA-3", "2009-10-12")))["stage"] == "referred"


def test_an_explicit_issue_ref_decides_sameness() -> None:
    assert issue_key("Anything at all", "ISSUE-42") == issue_key("Other words", "issue-42")
    world = World()
    accepted_case(world, "CCFA-1", issue_ref="ISSUE-42")
    world.send(raised("CCFA-2", "2009-11-01", issue="Different words", issue_ref="ISSUE-42"))
    case = world.send(referred("CCFA-2", "2009-11-05")).case
    assert case is not None and case["refusal"]["rule"] == "CCFA-REPEATED"


def test_the_earlier_of_two_calls_is_the_one_kept_whatever_the_referral_order() -> None:
    world = World()
    world.send(raised("CCFA-1", "2009-09-01"))
    world.send(raised("CCFA-2", "2009-09-20"))
    # The later call is referred first: it repeats CCFA-1, which was raised earlier.
    assert case_of(world.send(referred("CCFA-2")))["refusal"]["rule"] == "CCFA-REPEATED"
    assert case_of(world.send(referred("CCFA-1")))["stage"] == "referred"


def _issue(n: int) -> str:
    return f"Issue number {n}"


def test_the_cap_per_councillor_per_council_year() -> None:
    assert council_year(D(2010, 3, 31)) == "2009-10" and council_year(D(2010, 4, 1)) == "2010-11"
    world = World()
    for n in range(1, 5):
        world.send(raised(f"CCFA-{n}", "2009-05-01", issue=_issue(n)))
        assert case_of(world.send(referred(f"CCFA-{n}", "2009-06-01")))["stage"] == "referred"
    # A fifth call accepted in 2009-10 is over the cap of 4; 31 March is still 2009-10.
    world.send(raised("CCFA-5", "2010-03-01", issue=_issue(5)))
    case = world.send(referred("CCFA-5", "2010-03-31")).case
    assert case is not None and case["refusal"]["rule"] == "CCFA-CAP"
    reason = case["refusal"]["reason"]
    assert "2009-10" in reason and "4 calls" in reason and "the cap is 4" in reason
    assert "CCFA-1, CCFA-2, CCFA-3, CCFA-4" in reason
    # Another councillor is not affected.
    world.send(raised("CCFA-6", "2010-03-01", councillor="cllr-99", issue=_issue(6)))
    assert case_of(world.send(referred("CCFA-6", "2010-03-31")))["stage"] == "referred"
    # The cap resets in the new council year; a call refused for the cap is not a repeat.
    world.send(raised("CCFA-7", "2010-03-20", issue=_issue(5)))
    case = world.send(referred("CCFA-7", "2010-04-01")).case
    assert case is not None and (case["stage"], case["refusal"]) == ("referred", None)


def test_refused_calls_do_not_count_towards_the_cap() -> None:
    world = World()
    for n in range(1, 4):
        world.send(raised(f"CCFA-{n}", "2009-05-01", issue=_issue(n)))
        world.send(referred(f"CCFA-{n}", "2009-06-01"))
    world.send(raised("CCFA-4", "2009-05-01", issue=_issue(4), matter="licensing"))
    world.send(referred("CCFA-4", "2009-06-01"))  # refused: has an appeal route
    world.send(raised("CCFA-5", "2009-07-01", issue=_issue(5)))
    assert case_of(world.send(referred("CCFA-5", "2009-07-10")))["stage"] == "referred"


# --- deadlines ----------------------------------------------------------------------------


def _information(body: str, due: str = "2009-10-29", **changes: Any) -> dict[str, Any]:
    return {"kind": "information", "body": body, "due": due, "from": "2009-10-01",
            "asked": "referral", "met_on": None, "overdue": False, **changes}  # fmt: skip


def test_the_referral_starts_each_named_bodys_twenty_working_days() -> None:
    # White Paper 3.35: the bodies "appear before the committee or provide information to the
    # committee within 20 working days"; the due date shows on the case from the referral.
    world = World()
    case = accepted_case(world)
    # 20 working days from Thursday 1 October 2009: Thursday 29 October.
    assert case["deadlines"] == [_information(LEEDS), _information(POLICE)]
    assert world.transitions[-1]["deadlines"] == case["deadlines"]
    assert summarise(case)["next_due"] == "2009-10-29"


def test_recommendations_start_only_the_councils_two_months_to_publicise() -> None:
    world = World()
    accepted_case(world)
    world.send(responded(LEEDS, "2009-10-20", resolved=False))
    world.send(responded(POLICE, "2009-10-22", resolved=False))
    outcome = world.send(recommended(on="2009-12-10"))
    case = outcome.case
    assert case is not None and case["stage"] == "recommended"
    # The bodies "have regard to" the recommendations: no deadline of their own. The council
    # publicises its response within two months: 10 Feb 2010.
    assert case["deadlines"] == [
        _information(LEEDS, met_on="2009-10-20"),
        _information(POLICE, met_on="2009-10-22"),
        {"kind": "council_publication", "body": LEEDS, "due": "2010-02-10", "met_on": None,
         "overdue": False},
    ]  # fmt: skip
    assert "have regard to them" in outcome.transitions[0]["reasons"][0]
    assert summarise(case)["next_due"] == "2010-02-10"


def test_a_later_request_for_information_restarts_the_twenty_days_for_the_bodies_asked() -> None:
    world = World()
    accepted_case(world)
    world.send(responded(LEEDS, "2009-10-20", resolved=False))
    request = event(
        "ccfa.information_requested",
        {"case_ref": "CCFA-1", "requested_on": "2009-10-26", "bodies": [POLICE]},
        "2009-10-26",
    )
    outcome = world.send(request)
    [asked] = outcome.transitions
    assert asked["kind"] == "ccfa.information_requested" and "by 2009-11-23" in asked["reasons"][0]
    deadlines = world.cases["CCFA-1"]["deadlines"]
    assert [(d["body"], d["due"], d["met_on"]) for d in deadlines] == [
        (LEEDS, "2009-10-29", "2009-10-20"),
        (POLICE, "2009-11-23", None),  # the referral's still-open deadline is replaced
    ]
    assert world.sweep("CCFA-1", D(2009, 11, 23)).transitions == []
    [overdue] = world.sweep("CCFA-1", D(2009, 11, 24)).transitions
    assert overdue["deadline"]["body"] == POLICE and overdue["on"] == "2009-11-24"


def test_recommendations_may_name_other_bodies() -> None:
    world = World()
    accepted_case(world)
    case = world.send(recommended(bodies=[PCT])).case
    assert case is not None
    assert case["recommended_to"] == [PCT]
    assert [(d["kind"], d["body"]) for d in case["deadlines"]] == [
        ("information", LEEDS),
        ("information", POLICE),
        ("council_publication", LEEDS),
    ]


def test_a_missed_deadline_is_overdue_exactly_once() -> None:
    world = World()
    accepted_case(world)
    world.send(responded(LEEDS, "2009-10-20", resolved=False))
    assert world.sweep("CCFA-1", D(2009, 10, 29)).transitions == []  # the last day
    outcome = world.sweep("CCFA-1", D(2009, 10, 30))
    [overdue] = outcome.transitions
    assert overdue["kind"] == "ccfa.overdue" and overdue["on"] == "2009-10-30"
    assert overdue["deadline"]["body"] == POLICE and overdue["deadline"]["overdue"] is True
    assert (
        "did not appear before the committee or provide information by 2009-10-29"
        in overdue["reasons"][0]
    )
    assert world.sweep("CCFA-1", D(2009, 10, 31)).transitions == []
    assert world.sweep("CCFA-1", D(2009, 11, 30)).transitions == []
    world.send(recommended(on="2009-12-10"))
    view = summarise(world.cases["CCFA-1"])
    assert [d["body"] for d in view["overdue"]] == [POLICE]
    assert view["next_due"] == "2010-02-10"


def test_the_overdue_id_does_not_depend_on_when_the_sweep_runs() -> None:
    early, late = World(), World()
    for world in (early, late):
        accepted_case(world)
    a = early.sweep("CCFA-1", D(2009, 10, 30)).transitions
    b = late.sweep("CCFA-1", D(2009, 11, 6)).transitions
    assert [t["id"] for t in a] == [t["id"] for t in b] and len(a) == 2
    assert [t["on"] for t in a] == [t["on"] for t in b] == ["2009-10-30", "2009-10-30"]


def test_summarise_shows_what_is_overdue_by_a_date_without_changing_the_case() -> None:
    world = World()
    accepted_case(world)
    case = world.send(recommended(on="2009-12-10")).case
    assert case is not None
    before = copy.deepcopy(case)
    view = summarise(case, on=D(2010, 2, 11))
    assert len(view["overdue"]) == 3 and view["next_due"] is None
    assert case == before


def test_a_late_response_is_recorded_and_stays_overdue() -> None:
    world = World()
    accepted_case(world)
    world.sweep("CCFA-1", D(2009, 10, 30))
    outcome = world.send(responded(POLICE, "2009-11-05", resolved=True))
    [met] = outcome.transitions
    assert met["kind"] == "ccfa.deadline_met" and met["late"] is True
    deadline = next(d for d in world.cases["CCFA-1"]["deadlines"] if d["body"] == POLICE)
    assert deadline["met_on"] == "2009-11-05" and deadline["overdue"] is True
    assert "responded late on 2009-11-05 (due 2009-10-29)" in met["reasons"][0]


def test_a_late_response_before_any_sweep_marks_the_deadline_overdue_first() -> None:
    world = World()
    accepted_case(world)
    world.send(responded(LEEDS, "2009-10-20", resolved=True))
    outcome = world.send(responded(POLICE, "2009-10-30", resolved=True))
    assert kinds(outcome) == ["ccfa.overdue", "ccfa.deadline_met"]
    assert outcome.transitions[1]["late"] is True
    # Sweeping afterwards does not raise the overdue event again.
    assert world.sweep("CCFA-1", D(2009, 11, 2)).transitions == []


def test_responses_before_the_committee_has_the_call_are_refused() -> None:
    world = World()
    world.send(raised())
    with pytest.raises(CitizensError, match="at stage raised"):
        world.send(responded(POLICE, "2009-09-10", resolved=True))
    with pytest.raises(CitizensError, match="unknown case CCFA-404"):
        world.send(responded(POLICE, "2009-11-01", resolved=True, case_ref="CCFA-404"))


# --- conclusion and escalation ------------------------------------------------------------


def _ladder(world: World, *, police_resolved: bool = False) -> Outcome:
    """A case through every local stage; the police say the issue is not resolved."""
    accepted_case(world)
    world.send(responded(LEEDS, "2009-10-20", resolved=False))  # information, in time
    world.send(responded(POLICE, "2009-10-22", resolved=False))
    world.send(recommended(on="2009-12-10"))
    world.send(responded(LEEDS, "2010-01-05", resolved=True))
    world.send(responded(POLICE, "2010-01-08", resolved=police_resolved))
    return world.send(published("2010-02-01", resolved=police_resolved))


def test_a_case_resolved_locally_is_concluded() -> None:
    world = World()
    outcome = _ladder(world, police_resolved=True)
    case = outcome.case
    assert case is not None
    assert (case["stage"], case["status"]) == ("concluded", "resolved")
    assert case["concluded_on"] == "2010-02-01" and outcome.inspection_requests == []


def test_one_partner_is_not_enough_and_a_second_one_later_escalates() -> None:
    world = World()
    world.complain(POLICE, "2009-11-01")
    world.complain(POLICE, "2010-01-15")  # the same partner again counts once
    world.complain(PCT, "2010-01-20", theme="children_and_young_people")  # another theme
    world.complain(FIRE, "2008-12-01")  # more than 12 months before the conclusion
    outcome = _ladder(world)
    case = outcome.case
    assert case is not None
    assert (case["stage"], case["status"]) == ("concluded", "closed_unresolved")
    [closing] = [t for t in outcome.transitions if t["kind"] == "ccfa.stage_changed"]
    reason = closing["reasons"][0]
    assert reason.startswith("CCFA-PARTNERS: ")
    assert f"from 1 partner ({POLICE})" in reason and "2 are needed" in reason
    assert f"{POLICE} responded that the issue is not resolved" in reason
    assert case["partner_gate"]["partners"] == [POLICE]
    # A second partner complains about the council's theme: the case goes to the gatekeeper.
    later = world.complain(FIRE, "2010-03-01")
    assert kinds(later) == ["ccfa.escalated"]
    case = world.cases["CCFA-1"]
    assert (case["stage"], case["status"]) == ("escalated", "escalated")
    [request] = later.inspection_requests
    assert request["origin"] == "call_for_action" and request["urgency"] == "normal"
    assert request["inspectorate"] == "hmic" and request["theme"] == SAFER
    assert request["area"] == LEEDS
    assert (request["window_start"], request["window_end"]) == ("2010-03-01", "2010-06-01")
    complaint_ids = [c["event_id"] for c in world.complaints]
    assert set(complaint_ids[:2]) | {complaint_ids[4]} <= set(request["evidence"])
    assert complaint_ids[2] not in request["evidence"]  # other theme
    assert complaint_ids[3] not in request["evidence"]  # too old
    assert set(case["evidence"]) <= set(request["evidence"])
    assert "CCFA-1" in request["reason"] and "2 partners" in request["reason"]
    assert case["escalation"]["request_id"] == request["request_id"]
    InspectionRequestedPayload().load(request)
    # Nothing more happens on a further complaint.
    assert world.complain(PCT, "2010-03-05").transitions == []


def test_two_partners_already_escalate_at_conclusion() -> None:
    world = World()
    world.complain(POLICE, "2009-11-01")
    world.complain(PCT, "2009-12-01", body=POLICE)  # about a body named in the case
    outcome = _ladder(world)
    assert kinds(outcome)[-1] == "ccfa.escalated"
    [request] = outcome.inspection_requests
    assert request["window_start"] == "2010-02-01" and request["urgency"] == "normal"
    assert request["rule_ids"] == ["CCFA-PARTNERS"] and request["ruleset_version"] == CONFIG.version
    assert outcome.case is not None and outcome.case["escalated_on"] == "2010-02-01"


def test_complaints_about_bodies_outside_the_case_do_not_count() -> None:
    world = World()
    world.complain(POLICE, "2009-11-01")
    world.complain(PCT, "2009-12-01", body=FIRE)
    assert case_of(_ladder(world))["status"] == "closed_unresolved"


def test_missed_deadlines_conclude_a_case_unresolved_on_the_sweep() -> None:
    world = World()
    world.complain(POLICE, "2009-11-01")
    world.complain(PCT, "2009-12-01")
    accepted_case(world)
    world.send(responded(LEEDS, "2009-10-20", resolved=True))
    assert kinds(world.sweep("CCFA-1", D(2009, 10, 30))) == ["ccfa.overdue"]
    world.send(recommended(on="2009-12-10"))
    world.send(published("2010-02-01", resolved=True))
    # Concluded when the police's deadline had passed and the council had published.
    case = world.cases["CCFA-1"]
    assert case["status"] == "escalated" and case["concluded_on"] == "2010-02-01"
    [request] = [t["inspection_request"] for t in world.transitions if "inspection_request" in t]
    assert (
        f"{POLICE} did not appear before the committee or provide information by 2009-10-29"
        in request["reason"]
    )


def test_an_unpublished_council_response_is_overdue_after_two_months() -> None:
    world = World()
    accepted_case(world)
    world.send(recommended(on="2009-12-10"))
    world.send(responded(LEEDS, "2010-01-05", resolved=True))
    world.send(responded(POLICE, "2010-01-06", resolved=True))
    assert world.sweep("CCFA-1", D(2010, 2, 10)).transitions == []
    outcome = world.sweep("CCFA-1", D(2010, 2, 11))
    assert kinds(outcome) == ["ccfa.overdue", "ccfa.stage_changed"]
    assert outcome.case is not None and outcome.case["status"] == "closed_unresolved"
    assert "did not publish its response by 2010-02-10" in outcome.transitions[1]["reasons"][0]


# --- the fraud bypass ---------------------------------------------------------------------


def test_suspected_fraud_goes_to_the_gatekeeper_at_once() -> None:
    world = World()
    outcome = world.send(raised(suspected="fraud", on="2009-09-01"))
    assert kinds(outcome) == ["ccfa.stage_changed", "ccfa.escalated"]
    case = outcome.case
    assert case is not None and (case["stage"], case["status"]) == ("escalated", "escalated")
    assert case["referred_on"] is None and case["deadlines"] == []
    [request] = outcome.inspection_requests
    assert request["urgency"] == "urgent" and request["concern"] == "fraud"
    assert request["rule_ids"] == ["CCFA-BYPASS"] and request["origin"] == "call_for_action"
    assert request["evidence"] == case["evidence"] == [outcome.transitions[0]["caused_by"]]
    assert "suspected fraud" in request["reason"] and "bypassing" in request["reason"]
    assert (request["window_start"], request["window_end"]) == ("2009-09-01", "2009-12-01")
    InspectionRequestedPayload().load(request)
    with pytest.raises(CitizensError, match="at stage escalated"):
        world.send(referred())


def test_suspected_criminal_behaviour_is_urgent_too() -> None:
    outcome = World().send(raised(suspected="criminal"))
    [request] = outcome.inspection_requests
    assert request["urgency"] == "urgent" and "concern" not in request
    assert "criminal behaviour" in request["reason"]


# --- petitions and area-wide cases --------------------------------------------------------


def petition(
    ref: str,
    signatures: int,
    on: str = "2009-06-01",
    body: str = LEEDS,
    topic: str = "Save the library",
) -> dict[str, Any]:
    payload = {
        "petition_ref": ref,
        "topic": topic,
        "theme": "healthier_communities_and_older_people",
        "signatures": signatures,
        "neighbourhood": "Chapel Allerton",
    }
    return event("petition.submitted", payload, on, body)


def petition_responded(ref: str, on: str, debate_on: str | None = None) -> dict[str, Any]:
    payload = {"petition_ref": ref, "responded_on": on, "outcome": "The council will consult."}
    if debate_on:
        payload["debate_on"] = debate_on
    return event("petition.responded", payload, on)


def test_petitions_below_and_at_the_debate_threshold() -> None:
    world = World()
    small = world.send(petition("P-1", 1499)).petition
    big = world.send(petition("P-2", 1500)).petition
    assert small is not None and big is not None
    assert (small["status"], small["debate_required"]) == ("received", False)
    assert (big["status"], big["debate_required"], big["debate_threshold"]) == (
        "debate_required",
        True,
        1500,
    )
    [transition] = [t for t in world.transitions if t["petition_ref"] == "P-2"]
    assert (
        transition["kind"] == "petition.status_changed"
        and transition["to_status"] == "debate_required"
    )
    assert "reach the debate threshold of 1,500" in transition["reasons"][0]


def test_a_councils_own_debate_threshold() -> None:
    outcome = World().send(petition("P-H", 3000, body=HAMPSHIRE))
    assert outcome.petition is not None
    assert (outcome.petition["status"], outcome.petition["debate_threshold"]) == ("received", 3650)


def test_a_petition_response_and_its_debate() -> None:
    world = World()
    world.send(petition("P-1", 2000))
    outcome = world.send(petition_responded("P-1", "2009-07-01"))
    assert outcome.petition is not None and outcome.petition["status"] == "responded"
    assert "no debate scheduled" in outcome.transitions[0]["reasons"][-1]
    outcome = world.send(petition_responded("P-1", "2009-07-15", debate_on="2009-09-10"))
    assert outcome.petition is not None and outcome.petition["status"] == "debate_scheduled"
    assert outcome.petition["debate_on"] == "2009-09-10"
    assert [h["status"] for h in outcome.petition["history"]] == [
        "debate_required",
        "responded",
        "debate_scheduled",
    ]


def test_an_unhappy_petitioner_takes_it_to_a_call_for_action() -> None:
    world = World()
    world.send(petition("P-1", 2000))
    world.send(petition_responded("P-1", "2009-07-01"))
    outcome = world.send(raised(petition_ref="P-1"))
    assert outcome.case is not None and outcome.petition is not None
    assert outcome.case["petition_ref"] == "P-1"
    assert outcome.petition["status"] == "referred_to_ccfa"
    assert outcome.petition["ccfa_case_ref"] == "CCFA-1"
    assert kinds(outcome) == ["ccfa.stage_changed", "petition.status_changed"]
    assert outcome.transitions[1]["case_ref"] == "CCFA-1"


def test_a_petition_over_the_area_wide_threshold_opens_an_area_wide_case() -> None:
    world = World()
    outcome = world.send(petition("P-BIG", 10_000))
    assert kinds(outcome) == ["petition.status_changed", "area_case.opened"]
    case, pet = outcome.case, outcome.petition
    assert case is not None and pet is not None
    assert case["area_wide"] is True and case["councillor_ref"] is None
    assert (case["stage"], case["committee"]) == ("referred", "overview_and_scrutiny")
    assert case["petition_ref"] == "P-BIG" and pet["area_case_ref"] == case["case_ref"]
    assert pet["status"] == "debate_required" and pet["area_wide"] is True
    assert case["evidence"] == [outcome.transitions[0]["caused_by"]]
    assert "AREA-PETITION" in outcome.transitions[1]["reasons"][0]
    # It follows the same ladder from here.
    world.send(recommended(case_ref=case["case_ref"]))
    assert world.cases[case["case_ref"]]["deadlines"][0]["body"] == LEEDS
    # Hampshire sets its area-wide threshold higher.
    assert World().send(petition("P-H", 10_000, body=HAMPSHIRE)).case is None


def forum(ref: str, on: str, issue_ref: str = "ISSUE-BUS-CUTS") -> dict[str, Any]:
    payload = {
        "forum_ref": ref,
        "issue_ref": issue_ref,
        "theme": "economic_development_and_environment",
        "decided_on": on,
        "neighbourhood": f"{ref} neighbourhood",
    }
    return event("forum.decided", payload, on)


def test_three_forums_on_one_issue_open_an_area_wide_case() -> None:
    world = World()
    assert world.send(forum("F-1", "2009-05-01")).case is None
    assert world.send(forum("F-1", "2009-05-20")).case is None  # the same forum again
    assert world.send(forum("F-2", "2009-06-01")).case is None
    outcome = world.send(forum("F-3", "2009-07-30"))  # 90 days after F-1's first decision
    assert kinds(outcome) == ["area_case.opened"]
    case = outcome.case
    assert case is not None and case["area_wide"] and case["raised_on"] == "2009-07-30"
    assert case["case_ref"] == "area-forums-ISSUE-BUS-CUTS"
    assert case["theme"] == "economic_development_and_environment"
    assert len(case["evidence"]) == 4
    assert "F-1, F-2, F-3" in outcome.transitions[0]["reasons"][0]
    # Further decisions do not open another case.
    assert world.send(forum("F-4", "2009-08-01")).transitions == []


def test_forums_too_far_apart_do_not_open_a_case() -> None:
    world = World()
    world.send(forum("F-1", "2009-05-01"))
    world.send(forum("F-2", "2009-06-01"))
    assert world.send(forum("F-3", "2009-07-31")).case is None  # 91 days after F-1
    assert world.send(forum("F-4", "2009-08-01", issue_ref="OTHER")).case is None
    # F-2, F-3 and a new F-5 are within 90 days of each other.
    assert world.send(forum("F-5", "2009-08-15")).case is not None


# --- determinism and purity ---------------------------------------------------------------


def _scenario() -> World:
    world = World()
    world.complain(POLICE, "2009-11-01")
    world.send(petition("P-1", 2000))
    world.send(raised(petition_ref="P-1"))
    world.send(referred())
    world.send(recommended())
    world.send(responded(LEEDS, "2010-01-05", resolved=True))
    world.sweep("CCFA-1", D(2010, 1, 20))
    world.send(published("2010-02-01", resolved=False))
    world.complain(PCT, "2010-02-15")
    return world


def test_the_same_events_give_the_same_ids_and_states() -> None:
    first, second = _scenario(), _scenario()
    assert [t["id"] for t in first.transitions] == [t["id"] for t in second.transitions]
    assert first.transitions == second.transitions
    assert first.cases == second.cases and first.petitions == second.petitions
    ids = [t["id"] for t in first.transitions]
    assert len(ids) == len(set(ids))
    assert first.cases["CCFA-1"]["status"] == "escalated"
    assert json.loads(json.dumps(first.cases)) == first.cases  # plain JSON


def test_a_redelivered_event_changes_nothing() -> None:
    world = World()
    ev = raised()
    world.send(ev)
    again = world.send(ev)
    assert again.transitions == [] and again.case == world.cases["CCFA-1"]
    ref = referred()
    world.send(ref)
    assert world.send(ref).transitions == []
    with pytest.raises(CitizensError, match="already exists"):
        world.send(raised(on="2009-09-02"))


def test_apply_does_not_change_the_states_it_is_given() -> None:
    world = World()
    accepted_case(world)
    case = world.cases["CCFA-1"]
    before = copy.deepcopy(case)
    outcome = world.desk.apply(recommended(), Facts(case=case))
    assert case == before and outcome.case is not case
    world.desk.sweep(case, D(2011, 1, 1))
    assert case == before


def test_unknown_event_types_are_refused() -> None:
    with pytest.raises(CitizensError, match="not a citizens' event type"):
        World().desk.apply(event("indicator.reported", {}, "2009-01-01"))


def test_partner_complaint_takes_only_formal_partner_complaints() -> None:
    payload: dict[str, Any] = {
        "complaint_ref": "C1",
        "channel": "resident",
        "theme": SAFER,
        "category": "x",
    }
    assert partner_complaint(event("complaint.received", payload, "2009-01-01")) is None
    payload = {**payload, "channel": "partner", "partner": POLICE, "formal": False}
    assert partner_complaint(event("complaint.received", payload, "2009-01-01")) is None
