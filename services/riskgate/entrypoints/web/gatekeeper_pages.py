"""The gatekeeper's console pages: the queue of requests and decisions with their policy
reasons, a decision with its overrides beside it and the override form, the burden on a
body, and the programme calendar. Each calls the gatekeeper service as the API does."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, abort, g, redirect, render_template, request, url_for

from riskgate.domain.errors import DomainError
from riskgate.entrypoints.http.auth import VIEWER_ROLES, system
from riskgate.entrypoints.web.charts import burden_chart
from riskgate.entrypoints.web.console import staff
from riskgate.entrypoints.web.forms import OverrideForm, error_list

gatekeeper_pages = Blueprint("gatekeeper_pages", __name__, url_prefix="/console")


QUEUE_PAGE = 50  # requests a page of the queue shows


@gatekeeper_pages.route("/queue")
@staff("gatekeeper")
def queue() -> str:
    """Every request, newest first, a page at a time, with the decision it got (its policy
    reasons) and any override."""
    gk = system().gatekeeper
    requests = gk.requests()
    pages = max(1, -(-len(requests) // QUEUE_PAGE))
    raw = request.args.get("page", "1")
    number = int(raw) if raw.isdigit() else 0
    if not 1 <= number <= pages:
        abort(404)
    newest_first = requests[::-1][(number - 1) * QUEUE_PAGE : number * QUEUE_PAGE]
    decisions = {d["request_id"]: d for d in gk.decisions()}
    rows = [{"request": r, "decision": decisions.get(r["request_id"])} for r in newest_first]
    page_links: list[dict[str, Any]] = []
    for n in range(1, pages + 1):
        if n in (1, pages) or abs(n - number) <= 2:
            page_links.append(
                {"number": n, "href": url_for(".queue", page=n), "current": n == number}
            )
        elif not page_links[-1].get("ellipsis"):
            page_links.append({"ellipsis": True})
    return render_template(
        "console/queue.html",
        rows=rows,
        total=len(requests),
        number=number,
        pages=pages,
        page_links=page_links,
    )


def _decision(decision_id: str) -> dict[str, Any]:
    found = next(
        (d for d in system().gatekeeper.decisions() if d["decision_id"] == decision_id), None
    )
    if found is None:
        abort(404)
    return found


@gatekeeper_pages.route("/decisions/<decision_id>", methods=["GET", "POST"])
@staff("gatekeeper")
def decision(decision_id: str) -> Any:
    """A decision as the service made it, its overrides beside it, and the override form."""
    original = _decision(decision_id)
    form = OverrideForm()
    status = 200
    if form.is_submitted():
        if form.validate():
            try:
                system().gatekeeper.override(
                    decision_id,
                    outcome=form.outcome.data,
                    justification=form.justification.data,
                    actor=g.actor,
                    start=form.start.data if form.outcome.data == "approved" else None,
                )
            except DomainError as refusal:
                form.form_errors.append(refusal.message)
                for field, reasons in (refusal.errors or {}).items():
                    target = getattr(form, field, None)
                    if target is not None:
                        target.errors = list(reasons)
            else:
                return redirect(url_for(".decision", decision_id=decision_id, overridden=1))
        status = 400
    request_ = next(
        (r for r in system().gatekeeper.requests() if r["request_id"] == original["request_id"]),
        None,
    )
    return (
        render_template(
            "console/decision.html",
            decision=original,
            request_=request_,
            form=form,
            errors=error_list(form) + [{"text": e, "href": "#override"} for e in form.form_errors],
            overridden=request.args.get("overridden") == "1",
        ),
        status,
    )


def _month_ends(today: dt.date) -> list[dt.date]:
    """The last day of each month from six months back to five ahead."""
    ends = []
    for shift in range(-6, 6):
        month0 = today.year * 12 + today.month - 1 + shift + 1  # the month after
        first_of_next = dt.date(month0 // 12, month0 % 12 + 1, 1)
        ends.append(first_of_next - dt.timedelta(days=1))
    return ends


@gatekeeper_pages.route("/bodies/<code>/burden")
@staff(*VIEWER_ROLES)
def burden(code: str) -> str:
    """A body's burden today, with on-site days over a rolling 12 months against the cap."""
    sys = system()
    council = sys.reference.councils.get(code)
    if council is None or sys.ingest.area_of(code) is None:
        abort(404)
    today = sys.clock.today()
    ledger = sys.gatekeeper.burden(code, today)
    months = []
    for end in _month_ends(today):
        on_day = sys.gatekeeper.burden(code, end)
        months.append((f"{end:%b %Y}", on_day["on_site_days_used_12m"], on_day["on_site_days_cap"]))
    return render_template(
        "console/burden.html",
        council=council,
        ledger=ledger,
        months=months,
        chart=burden_chart(council.name, months),
        today=today,
    )


@gatekeeper_pages.route("/programme")
@staff(*VIEWER_ROLES)
def programme() -> str:
    """Inspections on site in the next six months (or `from`..`to`), by date."""
    sys = system()
    today = sys.clock.today()
    try:
        start = dt.date.fromisoformat(request.args.get("from") or today.isoformat())
        end = dt.date.fromisoformat(
            request.args.get("to") or (start + dt.timedelta(days=183)).isoformat()
        )
    except ValueError:
        abort(400, "from and to must be dates, for example 2010-05-10")
    if end < start:
        abort(400, "to must not be before from")
    visits = sys.gatekeeper.programme(start, end)
    months: dict[str, list[dict[str, Any]]] = {}
    for visit in visits:
        months.setdefault(
            dt.date.fromisoformat(visit["on_site_start"]).strftime("%B %Y"), []
        ).append(visit)
    return render_template(
        "console/programme.html",
        months=months,
        start=start,
        end=end,
        councils=sys.reference.councils,
    )
