"""Proposing an inspection to the gatekeeper, as a Government Office, a department or an
inspectorate's own programme does: `POST /v1/inspection-requests` and the sample year's
autumn proposals make the same `inspection.requested` message here."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from riskgate import topics
from riskgate.adapters.bus import Publisher
from riskgate.domain.errors import Invalid
from riskgate.domain.inspection import as_date
from riskgate.service_layer.common import envelope, now_on


def proposal_message(
    proposal: Mapping[str, Any],
    *,
    body: str,
    area: str,
    proposer: str,
    occurred_at: str,
    request_id: str,
) -> dict[str, Any]:
    """The `inspection.requested` message for a proposal about `body` (in `area`), from the
    token role `proposer`; the request id is the message's event id."""
    return envelope(
        event_id=request_id,
        type="inspection.requested",
        occurred_at=occurred_at,
        source=f"api:{proposer}",
        body=body,
        payload={**_jsonable(proposal), "request_id": request_id, "area": area},
    )


def propose_inspection(
    proposal: Mapping[str, Any],
    proposer: str,
    clock: Callable[[], dt.date],
    *,
    area_of: Callable[[str], str | None],
    publisher: Publisher,
) -> str:
    """Publish a proposal (its fields with `body`, as ProposalSchema loads them) for the
    gatekeeper to decide; return its request id. Raises Invalid naming `body` when the body
    is not one the registry knows, and naming `window_end` when the window has already ended."""
    fields = {k: v for k, v in proposal.items() if k != "body"}
    body = str(proposal["body"])
    area = area_of(body)
    if area is None:
        raise Invalid("unknown body", {"body": [f"unknown body {body}"]})
    today = clock()
    window_end = proposal["window_end"]
    if as_date(window_end) < today:
        raise Invalid(
            "window already ended",
            {"window_end": [f"the window ended on {as_date(window_end)}, before today ({today})"]},
        )
    request_id = str(uuid.uuid4())
    message = proposal_message(
        fields,
        body=body,
        area=area,
        proposer=proposer,
        occurred_at=now_on(today),
        request_id=request_id,
    )
    publisher.publish(topics.REQUESTS, area, message)
    publisher.flush()
    return request_id


def _jsonable(doc: Mapping[str, Any]) -> dict[str, Any]:
    # The schema loads dates as dates; the message carries them as ISO text.
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in doc.items()}
