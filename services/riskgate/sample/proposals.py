"""The autumn's proposals to the gatekeeper in the sample year (scripted in `proposals.yaml`),
made into messages by the same use case as `POST /v1/inspection-requests`."""

from __future__ import annotations

from typing import Any

from riskgate.domain.reference import load_reference
from riskgate.sample.data import script
from riskgate.sample.ids import SAMPLE_SEED, SAMPLE_YEAR, event_id
from riskgate.service_layer.proposals import proposal_message


def proposals(year: int = SAMPLE_YEAR, seed: int = SAMPLE_SEED) -> list[dict[str, Any]]:
    """`inspection.requested` messages as `POST /v1/inspection-requests` would make them."""
    ref = load_reference()
    out = []
    for proposal in script("proposals.yaml")["proposals"]:
        day, body, fields = proposal["day"], proposal["body"], proposal["fields"]
        area = ref.area_of(body)
        if area is None:
            raise LookupError(f"proposals.yaml: {body} is not a council in the reference data")
        own_programme = fields["origin"] == "inspectorate_programme"
        out.append(
            proposal_message(
                fields,
                body=body,
                area=area,
                proposer=f"inspectorate:{fields['inspectorate']}"
                if own_programme
                else "integrator",
                occurred_at=f"{year}-{day}T09:30:00+00:00",
                request_id=event_id(year, seed, f"proposal/{body}/{day}"),
            )
        )
    return out
