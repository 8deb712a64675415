"""Rebuilding the gatekeeper's live state from the topics it is a fold of
(`riskgate gatekeeper rebuild`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from riskgate import compact_json, topics
from riskgate.service_layer.gatekeeper import rebuild

if TYPE_CHECKING:
    from riskgate.bootstrap import System


def rebuild_gatekeeper(system: System) -> int:
    """Empty and refold the gatekeeper's state from the organisational assessments on
    `risk.judgements` and everything on `gatekeeper.decisions`, each in partition and offset
    order; return how many messages were folded."""
    messages = [
        compact_json.loads(record.value)
        for topic in (topics.JUDGEMENTS, topics.DECISIONS)
        for record in sorted(system.bus.read_all(topic), key=lambda r: (r.partition, r.offset))
    ]
    return rebuild(system.store, messages)
