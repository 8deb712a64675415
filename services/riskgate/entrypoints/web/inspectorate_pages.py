"""An inspectorate's console pages: its work list, and one piece of work with the accept,
decline, schedule and complete forms. A refused schedule shows the gatekeeper's policy
reasons on the page. Each form calls the gatekeeper service as the API's commands do."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask_wtf import FlaskForm

from riskgate.domain.errors import DomainError
from riskgate.entrypoints.http.auth import INSPECTORATE_ROLES, system
from riskgate.entrypoints.web.console import staff
from riskgate.entrypoints.web.forms import (
    AcceptForm,
    CompleteForm,
    DeclineForm,
    ScheduleForm,
    error_list,
)

inspectorate_pages = Blueprint("inspectorate_pages", __name__, url_prefix="/console")


@inspectorate_pages.route("/work")
@staff(*INSPECTORATE_ROLES)
def work_list() -> str:
    """The signed-in inspectorate's work, as `GET /v1/inspectorates/{code}/work` lists it."""
    code = g.actor.inspectorate
    items = [i for i in system().work.items(code) if i["status"] != "cancelled"]
    return render_template("console/work_list.html", items=items, code=code)


def _inspection(inspection_id: str) -> dict[str, Any]:
    found = system().gatekeeper.inspection(inspection_id)
    if found is None or g.actor.inspectorate not in found["participants"]:
        abort(404)
    return found


def _forms() -> dict[str, FlaskForm]:
    return {
        "accept": AcceptForm(prefix="accept"),
        "decline": DeclineForm(prefix="decline"),
        "schedule": ScheduleForm(prefix="schedule"),
        "complete": CompleteForm(prefix="complete"),
    }


def _page(inspection_id: str, forms: dict[str, FlaskForm], acted: str | None, status: int) -> Any:
    inspection = _inspection(inspection_id)
    errors = [e for form in forms.values() for e in error_list(form)]
    refusals = [e for form in forms.values() for e in form.form_errors]
    page = render_template(
        "console/work_item.html",
        inspection=inspection,
        forms=forms,
        errors=errors + [{"text": r, "href": "#refusal"} for r in refusals],
        refusals=refusals,
        acted=acted,
        council=system().reference.councils.get(inspection["body"]),
    )
    return page, status


@inspectorate_pages.route("/work/<inspection_id>")
@staff(*INSPECTORATE_ROLES)
def work_item(inspection_id: str) -> Any:
    """One piece of work with the forms its status allows."""
    return _page(inspection_id, _forms(), request.args.get("done"), 200)


def _command(action: str, inspection_id: str, call: Callable[[FlaskForm], Any]) -> Any:
    """Validate the action's form, call the service; on a refusal re-show the page with the
    reasons against the fields they name, keeping what was typed."""
    _inspection(inspection_id)
    forms = _forms()
    form = forms[action]
    for other, unsent in forms.items():  # only the form sent is validated
        if other != action:
            unsent.process(formdata=None)
    if form.validate_on_submit():
        try:
            call(form)
        except DomainError as refusal:
            form.form_errors.append(refusal.message)
            for name, reasons in (refusal.errors or {}).items():
                field = getattr(form, name, None)
                if field is not None:
                    field.errors = list(reasons)
        else:
            return redirect(url_for(".work_item", inspection_id=inspection_id, done=action))
    return _page(inspection_id, forms, None, 409 if form.form_errors else 400)


@inspectorate_pages.route("/work/<inspection_id>/accept", methods=["POST"])
@staff(*INSPECTORATE_ROLES)
def accept(inspection_id: str) -> Any:
    gk = system().gatekeeper
    return _command("accept", inspection_id, lambda f: gk.accept(inspection_id, actor=g.actor))


@inspectorate_pages.route("/work/<inspection_id>/decline", methods=["POST"])
@staff(*INSPECTORATE_ROLES)
def decline(inspection_id: str) -> Any:
    gk = system().gatekeeper
    return _command(
        "decline",
        inspection_id,
        lambda f: gk.decline(inspection_id, actor=g.actor, reason=f.reason.data),
    )


@inspectorate_pages.route("/work/<inspection_id>/schedule", methods=["POST"])
@staff(*INSPECTORATE_ROLES)
def schedule(inspection_id: str) -> Any:
    gk = system().gatekeeper
    return _command(
        "schedule",
        inspection_id,
        lambda f: gk.schedule(
            inspection_id, actor=g.actor, start=f.start.data, on_site_days=f.on_site_days.data
        ),
    )


@inspectorate_pages.route("/work/<inspection_id>/complete", methods=["POST"])
@staff(*INSPECTORATE_ROLES)
def complete(inspection_id: str) -> Any:
    gk = system().gatekeeper
    return _command(
        "complete",
        inspection_id,
        lambda f: gk.complete(
            inspection_id, actor=g.actor, finding=int(f.finding.data), summary=f.summary.data
        ),
    )
