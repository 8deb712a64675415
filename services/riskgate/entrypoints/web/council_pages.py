"""A council's console pages: its area's draft flags as they stand (the drafts
`GET /v1/areas/{code}/assessment` gives a council with a token), and a challenge form per
flagged theme calling the cycle's `challenge_flag`, as `POST /v1/areas/{code}/challenges`
does. Outside the challenge window the 409 gives the window's dates in the error summary,
and what was typed stays in the form."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, g, redirect, render_template, request, url_for

from riskgate.domain.errors import DomainError, NotAllowed, NotFound
from riskgate.entrypoints.http.auth import system
from riskgate.entrypoints.web.console import staff
from riskgate.entrypoints.web.forms import ChallengeForm, error_list
from riskgate.service_layer import cycle
from riskgate.service_layer.area_page import FIRST_YEAR, assessment_year, rules_cited

council_pages = Blueprint("council_pages", __name__, url_prefix="/console")
COUNCIL = "council:<body code>"  # any council, as the API documents the role


def _council() -> tuple[str, str]:
    """The signed-in council's code and its area."""
    code = g.actor.role.partition(":")[2]
    area = system().reference.area_of(code)
    if area is None:
        abort(404)
    return code, area


def _year(area: str) -> int:
    raw = request.args.get("year")
    if raw is None:
        return assessment_year(system(), area)
    if not raw.isdigit() or not FIRST_YEAR <= int(raw) <= 2100:
        abort(400, f"year must be a year from {FIRST_YEAR}, for example 2009")
    return int(raw)


def _page(
    year: int, sent: str | None, form: ChallengeForm | None, refusals: list[str], status: int
) -> Any:
    code, area = _council()
    sys = system()
    assessment = cycle.draft_assessment(sys, area, year)
    found = cycle.cycle_for(sys, year)
    errors = (error_list(form) if form is not None else []) + [
        {"text": r, "href": "#refusal"} for r in refusals
    ]
    page = render_template(
        "console/council.html",
        council=sys.reference.councils.get(code),
        area=sys.reference.areas[area],
        year=year,
        assessment=assessment,
        window=found.stage("challenge") if found else None,
        rules=rules_cited(sys, assessment),
        form=form if form is not None else ChallengeForm(formdata=None),
        blank=ChallengeForm(formdata=None),
        sent=sent,
        refusals=refusals,
        errors=errors,
        done=request.args.get("done"),
    )
    return page, status


@council_pages.route("/council")
@staff(COUNCIL)
def drafts() -> Any:
    """The signed-in council's area's flags for a year, draft until publication."""
    return _page(_year(_council()[1]), None, None, [], 200)


@council_pages.route("/council/challenges/<theme>", methods=["POST"])
@staff(COUNCIL)
def challenge(theme: str) -> Any:
    """Challenge the draft flag on `theme`, with a reason and evidence event ids."""
    _, area = _council()
    year = _year(area)
    form = ChallengeForm()
    if not form.validate_on_submit():
        return _page(year, theme, form, [], 400)
    try:
        cycle.challenge_flag(
            system(), g.actor, area, year=year, theme=theme,
            reason=form.reason.data, evidence=form.evidence.ids,
        )  # fmt: skip
    except NotFound:
        abort(404)
    except NotAllowed as refusal:
        abort(403, refusal.message)
    except DomainError as refusal:  # outside the window (its dates), no flag on the theme
        return _page(year, theme, form, [refusal.message], 409)
    return redirect(url_for(".drafts", year=year, done=theme))
