"""Response bodies of the HTTP API that are not events."""

from __future__ import annotations

from marshmallow import Schema, fields


class ErrorSchema(Schema):
    """An error response: HTTP code and status, a message, and errors per field."""

    code = fields.Integer(required=True, metadata={"description": "The HTTP status code."})
    status = fields.String(required=True, metadata={"description": "The HTTP status name."})
    message = fields.String(
        required=True, metadata={"description": "What was wrong, naming the field."}
    )
    errors = fields.Dict(
        keys=fields.String(),
        required=True,
        metadata={
            "description": "Reasons per field (per item for a list of events). A refusal that "
            "names no field of its own names what it is about: `path` (an unknown route), "
            "`method`, `Authorization`, the path argument (e.g. `inspection_id`) or `request`."
        },
    )


class AcceptedSchema(Schema):
    """The answer to ``POST /v1/events``: ids newly accepted and ids already seen."""

    accepted = fields.List(fields.String(), required=True)
    duplicates = fields.List(fields.String(), required=True)
