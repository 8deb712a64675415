"""What the blueprints answer with, where two of them give the same thing: an inspection, an
actor.

Answers reuse the contract's payload schemas (`riskgate.schemas`), adding only the
fields the services keep beside a payload. Dumping an answer keeps the service's
key order, so declaring a schema never reorders a response.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import Schema, fields, post_dump

from riskgate.schemas import ActorPayload, InspectionAssignedPayload, StrictBoolean, body_code


class Answer(Schema):
    """Base for response schemas: the dumped keys come in the order the service gave them."""

    @post_dump(pass_original=True)
    def _in_the_services_order(
        self, data: dict[str, Any], original: Any, **kwargs: Any
    ) -> dict[str, Any]:
        if not isinstance(original, Mapping):
            return data
        return {key: data[key] for key in original if key in data}


class InspectionAnswer(Answer, InspectionAssignedPayload):
    """An inspection as the register holds it: the assigned work and where it has got to."""

    body = body_code(required=True, metadata={"description": "The body inspected."})
    overridden = StrictBoolean(
        metadata={"description": "True when staff made or revived it by an override."}
    )


class RequestIdAnswer(Answer):
    """The id of a request just proposed; its decision follows on `GET /v1/decisions`."""

    request_id = fields.String(required=True)


class ActorAnswer(Answer, ActorPayload):
    """Who took an action: the token's public id, its holder and its role."""


def actor_answer() -> fields.Nested:
    """The actor of a decision, an override or an audit entry, in the service's key order."""
    return fields.Nested(ActorAnswer, required=True)
