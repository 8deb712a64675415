"""The gatekeeper's decision: pure policy evaluation over one body's register.

`policies` (the policy model and the parse of `policies.yaml`), `register`
(a body's inspections as visits), `placement` (notice, blackout, cap, rest),
`ledger` (the burden ledger), `gates` (scope, programme, autonomy, merge,
joint) and `decide` (one request's decision). Nothing here reads a clock or a
file: the caller passes the day of the decision and the parsed policies.
"""

from __future__ import annotations

from riskgate.domain.gatekeeper.decide import decide
from riskgate.domain.gatekeeper.gates import GATES
from riskgate.domain.gatekeeper.ledger import burden
from riskgate.domain.gatekeeper.placement import (
    SEARCH_DAYS,
    NoFitError,
    check_schedule,
    earliest_fit,
)
from riskgate.domain.gatekeeper.policies import (
    BYPASSABLE_KINDS,
    GATE_KINDS,
    KINDS,
    ORIGINS,
    PARAMETERS,
    PLACEMENT_KINDS,
    Policy,
    PolicySet,
    parse_policies,
)
from riskgate.domain.gatekeeper.register import ROLLING_DAYS, BodyContext
from riskgate.domain.gatekeeper.words import GROUND_WORDS, ORIGIN_WORDS, SUBJECT_WORDS
from riskgate.domain.inspection import (
    CLOSED,
    JOINABLE,
    NOT_VISITS,
    OPEN,
    STATUSES,
    on_site_period,
)

__all__ = [
    "BYPASSABLE_KINDS", "CLOSED", "GATES", "GATE_KINDS", "GROUND_WORDS", "JOINABLE", "KINDS",
    "NOT_VISITS", "OPEN", "ORIGINS", "ORIGIN_WORDS", "PARAMETERS", "PLACEMENT_KINDS",
    "ROLLING_DAYS", "SEARCH_DAYS", "STATUSES", "SUBJECT_WORDS", "BodyContext", "NoFitError",
    "Policy", "PolicySet", "burden", "check_schedule", "decide", "earliest_fit",
    "on_site_period", "parse_policies",
]  # fmt: skip
