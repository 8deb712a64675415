"""Who is calling: the role behind a bearer token, checked against the roles a view allows."""

from __future__ import annotations

from flask import current_app, request

from riskgate.bootstrap import System
from riskgate.domain.vocabulary import INSPECTORATES
from riskgate.entrypoints.http.errors import abort


def system() -> System:
    """The running system this application serves."""
    return current_app.extensions["riskgate"]


def require_role(*allowed: str) -> str:
    """The caller's role from its bearer token; 401 without a valid token, 403 for the wrong role."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        abort(
            401,
            message="missing bearer token: send `Authorization: Bearer <token>`",
            headers={"WWW-Authenticate": "Bearer"},
        )
    role = system().tokens.role_of(token.strip())
    if role is None:
        abort(401, message="invalid bearer token", headers={"WWW-Authenticate": "Bearer"})
    if role not in allowed:
        abort(403, message=f"role {role} may not do this; needs {' or '.join(allowed)}")
    return role


def require_inspectorate() -> str:
    """The calling inspectorate's code (401/403 for anyone else)."""
    role = require_role(*(f"inspectorate:{code}" for code in INSPECTORATES))
    return role.split(":", 1)[1]


def require_viewer() -> None:
    """The gatekeeper or any inspectorate (401/403 for anyone else)."""
    require_role("gatekeeper", *(f"inspectorate:{code}" for code in INSPECTORATES))
