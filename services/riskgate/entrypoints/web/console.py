"""The staff console's door: sign-in with a token (kept in the signed session cookie and
checked on every request by the API's own token code, so a revoked token is out at once),
sign-out, and the guard that gives each page the roles the API gives its route."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, session
from flask import url_for as _url_for
from werkzeug.wrappers import Response

from riskgate.domain.actors import Actor
from riskgate.entrypoints.http.auth import INSPECTORATE_ROLES, system
from riskgate.entrypoints.http.throttle import FailedAuthentications
from riskgate.entrypoints.web.forms import SignInForm, SignOutForm, error_list

console = Blueprint("console", __name__, url_prefix="/console")
View = TypeVar("View", bound=Callable[..., Any])


def home_of(role: str) -> str | None:
    """The console page a role starts on, or None for a role with no console pages."""
    if role == "gatekeeper":
        return _url_for("gatekeeper_pages.queue")
    if role in INSPECTORATE_ROLES:
        return _url_for("inspectorate_pages.work_list")
    if role.startswith("council:"):
        return _url_for("council_pages.drafts")
    return None


def signed_in() -> Actor | None:
    """The staff member behind the session's token, while that token is still good."""
    token = session.get("token")
    if not isinstance(token, str):
        return None
    return system().tokens.actor_of(token)


def staff(*roles: str) -> Callable[[View], View]:
    """A console page for `roles` (as the API route it mirrors): no session -> sign-in page,
    the wrong role -> 403 page. The actor is in `g.actor` (and every action records it)."""

    def decorate(view: View) -> View:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            actor = signed_in()
            if actor is None:
                session.pop("token", None)
                return redirect(_url_for("console.sign_in", next=request.full_path.rstrip("?")))
            g.actor = actor  # the 403 page still offers sign-out
            allowed = tuple(r.format_map(kwargs) for r in roles)
            if not any(_holds(actor.role, r) for r in allowed):
                abort(
                    403,
                    f"Your role ({actor.role}) cannot see this page; it needs {' or '.join(allowed)}.",
                )
            return view(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate


def _holds(role: str, allowed: str) -> bool:
    """`role` is `allowed`, or of its family when `allowed` reads `council:<body code>`."""
    family, _, code = allowed.partition(":")
    if code.startswith("<") and code.endswith(">"):
        return role.partition(":")[0] == family and bool(role.partition(":")[2])
    return role == allowed


def _throttle() -> FailedAuthentications:
    return current_app.extensions["riskgate.failed_authentications"]


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site's console (never another site) is followed after sign-in."""
    if target and target.startswith("/console/") and not target.startswith("//"):
        return target
    return None


@console.route("", methods=["GET", "POST"])
def sign_in() -> Any:
    """Sign in with a token; a good one opens the role's first page (or the page asked for)."""
    form = SignInForm()
    if request.method == "GET" and (actor := signed_in()) and (home := home_of(actor.role)):
        return redirect(home)
    status = 200
    if form.is_submitted():
        client = request.remote_addr or "unknown"
        wait = _throttle().retry_after(client)
        if wait is not None:
            abort(429, f"Too many failed sign-ins from {client}; try again in {wait} seconds.")
        if form.validate():
            token = form.token.data.strip()
            actor = system().tokens.actor_of(token)
            if actor is None:
                _throttle().failed(client)
                reason = system().tokens.refusal_of(token) or "unknown token"
                form.token.errors = [f"This token cannot sign in: {reason}"]
            elif (home := home_of(actor.role)) is None:
                form.token.errors = [
                    f"This token's role ({actor.role}) has no console pages: "
                    "the console is for the gatekeeper, the inspectorates and the councils"
                ]
            else:
                session.clear()
                session["token"] = token
                return redirect(_safe_next(request.args.get("next")) or home)
        status = 400
    return (
        render_template("console/sign_in.html", form=form, errors=error_list(form)),
        status,
    )


@console.route("/sign-out", methods=["POST"])
def sign_out() -> Response:
    """Forget the session (a stale form is refused like any other)."""
    form = SignOutForm()
    if not form.validate_on_submit():
        abort(400, "The sign-out form had expired; sign out again.")
    session.clear()
    return redirect(_url_for("console.sign_in"))
