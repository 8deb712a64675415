"""Integrators publish events: one or a list, accepted all or nothing."""

from __future__ import annotations

from typing import Any

from flask import request
from flask.views import MethodView

from riskgate import metrics
from riskgate.domain.actors import region_slug
from riskgate.domain.reference import load_reference
from riskgate.domain.vocabulary import INSPECTORATES
from riskgate.entrypoints.http.auth import require_role, requires, system
from riskgate.entrypoints.http.bounds import BoundedBlueprint
from riskgate.entrypoints.http.errors import abort, refusals
from riskgate.schemas import AcceptedSchema
from riskgate.service_layer.ingest import Submission

# Who may post at all; what each may post is ingest's to say (riskgate.domain.publishing).
PUBLISHERS = (
    "integrator",
    "admin",
    *(f"inspectorate:{code}" for code in INSPECTORATES),
    # Government Offices publish their regions' Local Area Agreements (and nothing else).
    *sorted(
        {f"government_office:{region_slug(a.region)}" for a in load_reference().areas.values()}
    ),
)

events = BoundedBlueprint(
    "events", __name__, url_prefix="/v1", description="Integrators publish events"
)


@events.route("/events")
class Events(MethodView):
    @events.doc(
        requestBody={
            "required": True,
            "description": "One event or a list of events (see contracts/v1). A list is accepted all or nothing.",
            "content": {
                "application/json": {
                    "schema": {
                        "oneOf": [
                            {"$ref": "#/components/schemas/Envelope"},
                            {"type": "array", "items": {"$ref": "#/components/schemas/Envelope"}},
                        ]
                    }
                }
            },
        },
        security=[{"bearer": []}],
    )
    @events.response(202, AcceptedSchema)
    @refusals(
        events,
        400,
        401,
        403,
        409,
        413,
        e400="Validation errors per item, naming the field and reason",
        e403="An item this token may not publish (an internal type, out of scope, another's "
        "finding, a registration without the admin role), per item",
        e409="A body.registered moving a body out of the area the reference data places it in",
        e413="Over RISKGATE_MAX_BODY_BYTES or RISKGATE_MAX_EVENTS_PER_POST",
    )
    @requires(*PUBLISHERS)
    def post(self) -> dict[str, Any]:
        """Publish events (integrators; an inspectorate its own findings; admin registrations).

        Each event's `source` is set from the token: `<role>:<holder>`.
        """
        actor = require_role(*PUBLISHERS)
        if not request.is_json:
            abort(400, message="the request body must be JSON: one event object or a list of them")
        body = request.get_json()
        items = body if isinstance(body, list) else [body]
        if not items:
            abort(400, message="the list of events is empty")
        most = system().settings.max_events_per_post
        if len(items) > most:
            reason = (
                f"{len(items)} events in one POST; at most {most} (RISKGATE_MAX_EVENTS_PER_POST)"
            )
            abort(413, message=reason, errors={"body": [reason]})
        result = system().ingest.submit(items, actor)
        if result.errors:
            metrics.EVENTS_REJECTED.inc()
            errors = {str(i): e for i, e in result.errors.items()}
            if not isinstance(body, list):
                errors = result.errors[0]
            status, message = _refusal(result, len(items))
            abort(status, message=message, errors=errors)
        for event_type, count in result.accepted_types.items():
            metrics.EVENTS_ACCEPTED.labels(event_type).inc(count)
        return {"accepted": result.accepted, "duplicates": result.duplicates}


def _refusal(result: Submission, count: int) -> tuple[int, str]:
    """The status and message for a refused list: 403 if any item may not come from this
    token, else 409 if any moves a body out of its area, else 400."""
    if result.refused:
        return 403, (
            f"{len(result.refused)} of {count} events may not be published with this token "
            "(items named in errors); none was accepted"
        )
    if result.conflicts:
        return 409, (
            f"{len(result.conflicts)} of {count} events would move a body out of its area; "
            "none was accepted"
        )
    return 400, f"{len(result.errors)} of {count} events are invalid; none was accepted"
