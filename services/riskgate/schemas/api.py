"""Response bodies of the HTTP API that are not events."""

from __future__ import annotations

from marshmallow import Schema, fields


class ErrorSchema(Schema):
    """An error response: HTTP code and status, a message, and errors per field."""

    code = fields.Integer(required=True, metadata={"description": "The HTTP status code."})
    status = fields.String(required=True, metadata={"description": "The HTTP status name."})
    message = fields.String(metadata={"description": "What was wrong, naming the field."})
    # null when a refused command names no field (the gatekeeper's 403/404/409)
    errors = fields.Dict(
        keys=fields.String(),
        allow_none=True,
        metadata={"description": "Reasons per field (per item for a list of events)."},
    )


class AcceptedSchema(Schema):
    """The answer to ``POST /v1/events``: ids newly accepted and ids already seen."""

    accepted = fields.List(fields.String(), required=True)
    duplicates = fields.List(fields.String(), required=True)
