"""Who is calling: the role behind a bearer token, checked against the roles a view allows."""

from __future__ import annotations

from flask import current_app, request

from riskgate.bootstrap import System
from riskgate.domain.actors import Actor
from riskgate.domain.vocabulary import INSPECTORATES
from riskgate.entrypoints.http.errors import abort


def system() -> System:
    """The running system this application serves."""
    return current_app.extensions["riskgate"]


def require_role(*allowed: str) -> Actor:
    """The caller behind its bearer token; 401 without a valid token, 403 for the wrong role."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        abort(
            401,
            message="missing bearer token: send `Authorization: Bearer <token>`",
            headers={"WWW-Authenticate": "Bearer"},
        )
    actor = system().tokens.actor_of(token.strip())
    if actor is None:
        abort(401, message="invalid bearer token", headers={"WWW-Authenticate": "Bearer"})
    if actor.role not in allowed:
        abort(403, message=f"role {actor.role} may not do this; needs {' or '.join(allowed)}")
    return actor


def require_inspectorate() -> str:
    """The calling inspectorate's code (401/403 for anyone else)."""
    actor = require_role(*(f"inspectorate:{code}" for code in INSPECTORATES))
    assert actor.inspectorate is not None
    return actor.inspectorate


def require_viewer() -> None:
    """The gatekeeper or any inspectorate (401/403 for anyone else)."""
    require_role("gatekeeper", *(f"inspectorate:{code}" for code in INSPECTORATES))
