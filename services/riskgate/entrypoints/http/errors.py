"""The one error shape, `{"code", "status", "message", "errors"}`, for every refusal.

Views stop with `abort`; the domain's refusals (`riskgate.domain.errors`) are
mapped app-wide to 404, 403, 409 and 400; werkzeug's own errors (an unknown
route, a wrong method, a body over the limit, a crash) come back in the same shape.
"""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import Any, NoReturn, TypeVar

from flask import current_app
from flask_smorest import Blueprint
from flask_smorest import abort as _abort
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge, default_exceptions

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


def error_payload(error: HTTPException, payload: dict[str, Any]) -> dict[str, Any]:
    """Werkzeug's own errors carry no message: give each one, naming the limit for a 413."""
    if isinstance(error, RequestEntityTooLarge) and "errors" not in payload:
        limit = current_app.config["MAX_CONTENT_LENGTH"]
        reason = f"the request body is over {limit} bytes (RISKGATE_MAX_BODY_BYTES)"
        payload.update(message=reason, errors={"body": [reason]})
    payload.setdefault("message", error.description)
    return payload


def as_http_error(status: int, message: str, errors: dict[str, list[str]]) -> HTTPException:
    """The werkzeug error for `status`, carrying the message and errors as `abort` does."""
    error = default_exceptions[status]()
    # errors stay null when there are none, as the refusals have always answered
    error.data = {"message": message, "errors": errors or None}  # type: ignore[attr-defined]
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
