"""The one error shape, `{"code", "status", "message", "errors"}`, for every refusal.

Views stop with `abort`; the domain's refusals (`riskgate.domain.errors`) are
mapped app-wide to 404, 403, 409 and 400; werkzeug's own errors (an unknown
route, a wrong method, a body over the limit, a crash) come back in the same shape.
`errors` is never null: a refusal that names no field of its own names what it is about
(`path`, `method`, `Authorization`, the path argument, or `request`).

An unknown path answers JSON on the API's own paths (`API_PATHS`); on any other path a
blueprint registered later (the public pages) may answer first: see `is_api_path`.
"""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import Any, NoReturn, TypeVar

from flask import current_app, request
from flask_smorest import Blueprint
from flask_smorest import abort as _abort
from werkzeug.exceptions import (
    HTTPException,
    MethodNotAllowed,
    RequestEntityTooLarge,
    default_exceptions,
)
from werkzeug.exceptions import NotFound as NoRoute

from riskgate.domain.errors import Conflict, DomainError, Invalid, NotAllowed, NotFound
from riskgate.schemas import ErrorSchema

STATUS_OF_REFUSAL: dict[type[DomainError], int] = {
    NotFound: 404,
    NotAllowed: 403,
    Conflict: 409,
    Invalid: 400,
}
Payload = tuple[dict[str, Any], int, dict[str, str]]
View = TypeVar("View", bound=Callable[..., Any])

WHEN = {
    400: "A field is missing or invalid; `errors` names each with its reason",
    401: "No bearer token, or one that is not valid",
    403: "The token's role may not do this",
    404: "The thing named in the path does not exist",
    405: "The method is not one this path answers; `errors.method` names the allowed ones",
    409: "The thing is not in a state that allows this; the message says why",
    413: "The request body is over RISKGATE_MAX_BODY_BYTES",
    429: "Too many failed authentications from this client; `Retry-After` gives the seconds to wait",
}


def abort(status: int, **details: Any) -> NoReturn:
    """Stop the request with the one JSON error shape (flask-smorest's abort, typed as final)."""
    _abort(status, **details)
    raise AssertionError("unreachable: abort raises")


def refusals(blueprint: Blueprint, *statuses: int, **descriptions: str) -> Callable[[View], View]:
    """Document the error responses a view gives, each in the Error schema.

    `descriptions` replace the usual wording per status, keyed `e400`, `e413`, ...
    """

    def decorate(view: View) -> View:
        for status in statuses:
            description = descriptions.get(f"e{status}", WHEN[status])
            view = blueprint.alt_response(status, schema=ErrorSchema, description=description)(view)
        return view

    return decorate


# The paths whose unknown routes and wrong methods answer in the JSON error shape; a path
# outside them (the public pages, say) is left to the app's other handlers.
API_PATHS = ("/v1", "/openapi.json", "/docs", "/healthz", "/readyz", "/metrics")
# app.extensions key: a handler `(HTTPException) -> response` for errors off the API's paths
# (an HTML page's 404, say); without one, every path answers in the JSON error shape.
PAGE_ERRORS = "riskgate.page_errors"


def is_api_path(path: str) -> bool:
    """True when `path` is the API's: its errors answer JSON in the one shape."""
    return any(path == api or path.startswith(f"{api}/") for api in API_PATHS)


def _werkzeugs_reason(error: HTTPException) -> tuple[str, str] | None:
    """The field and reason for an error werkzeug raised on its own (it carries neither)."""
    if isinstance(error, RequestEntityTooLarge):
        limit = current_app.config["MAX_CONTENT_LENGTH"]
        return "body", f"the request body is over {limit} bytes (RISKGATE_MAX_BODY_BYTES)"
    if isinstance(error, MethodNotAllowed):
        allowed = ", ".join(sorted(set(error.valid_methods or ()) - {"HEAD", "OPTIONS"}))
        return "method", f"{request.method} is not allowed on {request.path}; allowed: {allowed}"
    if isinstance(error, NoRoute) and request.url_rule is None:
        return "path", f"no such route: {request.path}"
    return None


def _subject(status: int) -> str:
    """What a refusal without a field of its own is about: the credential for 401, 403 and
    429, else the thing the path names (its first argument), else the request."""
    if status in (401, 403, 429):
        return "Authorization"
    return next(iter(request.view_args or {}), "request")


def error_payload(error: HTTPException, payload: dict[str, Any]) -> dict[str, Any]:
    """Complete an error answer to the one shape: a message, and `errors` naming the field."""
    if "errors" not in payload and (werkzeugs := _werkzeugs_reason(error)) is not None:
        field, reason = werkzeugs
        payload.update(message=reason, errors={field: [reason]})
    payload.setdefault("message", error.description)
    if not payload.get("errors"):
        payload["errors"] = {_subject(error.code or 500): [payload["message"]]}
    return payload


def as_http_error(status: int, message: str, errors: dict[str, list[str]]) -> HTTPException:
    """The werkzeug error for `status`, carrying the message and errors as `abort` does."""
    error = default_exceptions[status]()
    error.data = {"message": message, "errors": errors}  # type: ignore[attr-defined]
    return error


def status_of(refusal: DomainError) -> int:
    """The HTTP status a domain refusal maps to (400 for a kind not named)."""
    for kind, status in STATUS_OF_REFUSAL.items():
        if isinstance(refusal, kind):
            return status
    return HTTPStatus.BAD_REQUEST


def register_refusals(app: Any, answer: Callable[[HTTPException], Payload]) -> None:
    """Map the domain's refusals, app-wide, to `answer` (the API's HTTP error handler)."""

    def refused(refusal: DomainError) -> Payload:
        return answer(as_http_error(status_of(refusal), refusal.message, refusal.errors))

    app.register_error_handler(DomainError, refused)
