"""An inspectorate's triage page: the risk-triggered requests waiting for it, each with the
confirm form and the decline form (a reason is mandatory). Each form calls the triage desk
as `POST /v1/triage/{id}/confirm` and `/decline` do; a request no longer in triage is a 409
shown in the error summary, naming its state."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, g, redirect, render_template, request, url_for

from riskgate.domain.errors import Conflict, DomainError, NotAllowed, NotFound
from riskgate.entrypoints.http.auth import INSPECTORATE_ROLES, system
from riskgate.entrypoints.web.console import staff
from riskgate.entrypoints.web.forms import ConfirmForm, DeclineForm, error_list

triage_pages = Blueprint("triage_pages", __name__, url_prefix="/console")


def _page(
    decline: DeclineForm | None, sent_for: str | None, refusals: list[str], status: int
) -> Any:
    """The list as `GET /v1/inspectorates/{code}/triage` gives it (in triage, oldest first)."""
    code = g.actor.inspectorate
    errors = (error_list(decline) if decline is not None else []) + [
        {"text": r, "href": "#refusal"} for r in refusals
    ]
    page = render_template(
        "console/triage.html",
        code=code,
        items=system().gatekeeper.triage.items(code),
        confirm=ConfirmForm(),
        decline=decline if decline is not None else DeclineForm(formdata=None),
        sent_for=sent_for,
        refusals=refusals,
        errors=errors,
        done=request.args.get("done"),
        done_id=request.args.get("request"),
    )
    return page, status


@triage_pages.route("/triage")
@staff(*INSPECTORATE_ROLES)
def triage_list() -> Any:
    """The signed-in inspectorate's requests in triage (role: that inspectorate only)."""
    return _page(None, None, [], 200)


def _step(request_id: str, action: str, form: Any, call: Any) -> Any:
    """Validate the form, call the desk; a refusal re-shows the list with it in the summary."""
    decline = form if isinstance(form, DeclineForm) else None
    if not form.validate_on_submit():
        return _page(decline, request_id, [], 400)
    try:
        call()
    except NotFound:
        abort(404)
    except NotAllowed as refusal:
        abort(403, refusal.message)
    except Conflict as refusal:
        reasons = [f"{refusal.message}"] + [
            f"{name}: {r}" for name, rs in refusal.errors.items() for r in rs
        ]
        return _page(decline, request_id, reasons, 409)
    except DomainError as refusal:  # any other refusal is named, never swallowed
        return _page(decline, request_id, [refusal.message], 400)
    return redirect(url_for(".triage_list", done=action, request=request_id))


@triage_pages.route("/triage/<request_id>/confirm", methods=["POST"])
@staff(*INSPECTORATE_ROLES)
def confirm(request_id: str) -> Any:
    """Confirm the need for inspection: the request goes to the gatekeeper now."""
    desk = system().gatekeeper.triage
    return _step(
        request_id,
        "confirmed",
        ConfirmForm(),
        lambda: desk.confirm(request_id, actor=g.actor),
    )


@triage_pages.route("/triage/<request_id>/decline", methods=["POST"])
@staff(*INSPECTORATE_ROLES)
def decline(request_id: str) -> Any:
    """Decline the need for inspection, with a reason (recorded with the area's judgement)."""
    desk = system().gatekeeper.triage
    form = DeclineForm()
    return _step(
        request_id,
        "declined",
        form,
        lambda: desk.decline(request_id, actor=g.actor, reason=form.reason.data),
    )
