"""Who is calling: the Actor behind a bearer token, checked before any body is read.

A view declares the roles it needs with `@requires(...)`; `authenticate_first` (a
`before_request` hook) checks them before flask-smorest parses and validates the
arguments, so a caller without the right token gets 401/403, never field errors, and an
unauthenticated body is never parsed. Views without a declaration are public. Inside a
view, `require_role(...)` returns the Actor (authenticated once per request, kept in
`flask.g`) and narrows the roles further where the body decides (a proposal, say).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, g, request

from riskgate.bootstrap import System
from riskgate.domain.actors import Actor
from riskgate.domain.vocabulary import INSPECTORATES
from riskgate.entrypoints.http.errors import WHEN, abort
from riskgate.entrypoints.http.throttle import FailedAuthentications

View = TypeVar("View", bound=Callable[..., Any])
INSPECTORATE_ROLES = tuple(f"inspectorate:{code}" for code in INSPECTORATES)
VIEWER_ROLES = ("gatekeeper", *INSPECTORATE_ROLES)
_DECLARED = "_riskgate_roles"
_CHALLENGE = {"WWW-Authenticate": "Bearer"}
_THROTTLED = {
    "429": {
        "description": WHEN[429],
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
}


def system() -> System:
    """The running system this application serves."""
    return current_app.extensions["riskgate"]


def requires(*roles: str) -> Callable[[View], View]:
    """Declare the roles that may call a view, checked before its arguments are parsed.

    A role may name a path argument, e.g. `inspectorate:{code}`. The decorator may sit
    anywhere among flask-smorest's (they copy it to their wrappers). It also declares the
    bearer security and the roles in `/openapi.json`.
    """

    def declare(view: View) -> View:
        setattr(view, _DECLARED, roles)
        return documents_bearer(*roles)(view)

    return declare


def documents_bearer(*roles: str) -> Callable[[View], View]:
    """Declare in `/openapi.json` that a view needs a bearer token of one of `roles`, for a
    view whose roles are families (`council:<any body>`) that it checks itself with
    `authenticated()`; `requires` does this and the check in one."""

    def declare(view: View) -> View:
        apidoc: dict[str, Any] = getattr(view, "_apidoc", {})
        manual = {"security": [{"bearer": []}], "x-roles": list(roles), "responses": _THROTTLED}
        view._apidoc = {  # type: ignore[attr-defined]
            **apidoc,
            "manual_doc": {**apidoc.get("manual_doc", {}), **manual},
        }
        return view

    return declare


def _declared_roles() -> tuple[str, ...] | None:
    """The roles the matched view declared, or None for a public view or no match."""
    view: Any = current_app.view_functions.get(request.endpoint or "")
    view_class = getattr(view, "view_class", None)
    if view_class is not None:  # a MethodView: the roles sit on the method's handler
        method = request.method.lower()
        if method == "head" and not hasattr(view_class, "head"):
            method = "get"
        view = getattr(view_class, method, None)
    roles = getattr(view, _DECLARED, None)
    if roles is None:
        return None
    return tuple(role.format_map(request.view_args or {}) for role in roles)


def authenticate_first() -> None:
    """before_request: 429/401/403 for a view's declared roles before its body is touched."""
    roles = _declared_roles()
    if roles is not None:
        require_role(*roles)


def _throttle() -> FailedAuthentications:
    return current_app.extensions["riskgate.failed_authentications"]


def _authenticate() -> Actor:
    """The valid token's Actor; 429 while the client is throttled, else 401 without one."""
    client = request.remote_addr or "unknown"
    wait = _throttle().retry_after(client)
    if wait is not None:
        reason = f"too many failed authentications from {client}; try again in {wait} s"
        abort(
            429,
            message=reason,
            errors={"Authorization": [reason]},
            headers={"Retry-After": str(wait)},
        )
    header = request.headers.get("Authorization")
    if header is None:
        reason = "missing bearer token: send `Authorization: Bearer <token>`"
        abort(401, message=reason, errors={"Authorization": [reason]}, headers=_CHALLENGE)
    scheme, _, token = header.partition(" ")
    token = token.strip()
    tokens = system().tokens
    actor = tokens.actor_of(token) if scheme.lower() == "bearer" and token else None
    if actor is None:
        _throttle().failed(client)  # a credential was presented and it is not good
        if scheme.lower() != "bearer":
            reason = "not a bearer token: send `Authorization: Bearer <token>`"
        else:
            reason = tokens.refusal_of(token) or "unknown token"
        abort(
            401,
            message=f"invalid bearer token: {reason}",
            errors={"Authorization": [reason]},
            headers=_CHALLENGE,
        )
    g.actor = actor
    return actor


def require_role(*allowed: str) -> Actor:
    """The caller behind its bearer token; 401 without a valid token, 403 for the wrong role."""
    actor: Actor = g.get("actor") or _authenticate()
    if actor.role not in allowed:
        abort(403, message=f"role {actor.role} may not do this; needs {' or '.join(allowed)}")
    return actor


def authenticated() -> Actor:
    """The caller behind its bearer token, whatever its role (401 without a valid one)."""
    actor: Actor = g.get("actor") or _authenticate()
    return actor


def caller() -> Actor | None:
    """The authenticated caller of this request, or None on a public route."""
    return g.get("actor")
