"""Response bodies of the HTTP API that are not events."""

from __future__ import annotations

from marshmallow import Schema, fields


class ErrorSchema(Schema):
    """An error response: HTTP code and status, a message, and errors per field."""

    code = fields.Integer(required=True)
    status = fields.String(required=True)
    message = fields.String()
    errors = fields.Dict(keys=fields.String())


class AcceptedSchema(Schema):
    """The answer to ``POST /v1/events``: ids newly accepted and ids already seen."""

    accepted = fields.List(fields.String(), required=True)
    duplicates = fields.List(fields.String(), required=True)
