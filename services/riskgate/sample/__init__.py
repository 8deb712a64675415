"""The bundled sample year: a deterministic, realistic stream of events with planted problems.

Every council is registered with a synthetic population; every area reports
every national indicator each quarter; councils receive complaints and a few
petitions; every area submits a self-assessment per theme. A small number of
problems are planted on purpose (see ``planted``) so that a risk assessment
over the year has something true to find, and nothing else to find.

Same arguments, same events: randomness comes only from ``random.Random``
instances seeded from (year, seed, purpose) and every ``event_id`` is a
``uuid5`` of a descriptive name, so the year can be regenerated, replayed and
compared byte for byte.

The modules: ``plan`` (populations and plants), ``floors`` (from the shipped
rules), ``indicators``, ``complaints``, ``assessments``, ``stories`` and
``proposals`` (scripted in the YAML files beside them), and ``year`` (it all).
"""

from riskgate.sample.complaints import PETITIONS
from riskgate.sample.floors import Floor, floors
from riskgate.sample.ids import (
    SAMPLE_NAMESPACE,
    SAMPLE_SEED,
    SAMPLE_YEAR,
    event_id,
    sample_event_id,
)
from riskgate.sample.plan import Plant
from riskgate.sample.proposals import proposals
from riskgate.sample.stories import Story, scripted_stories
from riskgate.sample.year import generate_year, planted, stories, write_jsonl

__all__ = [
    "PETITIONS",
    "SAMPLE_NAMESPACE",
    "SAMPLE_SEED",
    "SAMPLE_YEAR",
    "Floor",
    "Plant",
    "Story",
    "event_id",
    "floors",
    "generate_year",
    "planted",
    "proposals",
    "sample_event_id",
    "scripted_stories",
    "stories",
    "write_jsonl",
]
