"""The risk picture in the store: the facts events leave, what the rules found, the judgements.

Every key name and stored JSON form of the risk service is here:

| key | holds |
|---|---|
| `risk:ind:<body>:<indicator>` | period → `{value, event_id, reported_at}` |
| `risk:cmp:<body>` | event id → a complaint's facts |
| `risk:finding:<body>:<theme>` | event id → an inspectorate's finding |
| `risk:sa:<area>:<year>` | theme → the self-assessment's concerns |
| `risk:org:<year>` | body → its use of resources and managing performance scores |
| `risk:contrib:<area>:<year>:<theme>` | `<body>\\|<subject>\\|<rule id>` → what a fired rule found |
| `risk:judgement:<area>:<year>` | theme → the current judgement |
| `risk:requested` | the inspection request ids already raised |
| `risk:peers:latest` | year → the event id of the latest indicator value taken in for it |
| `risk:peers:compared` | year → that event id when the areas were last compared with their peers |

Bound to a unit of work, the repository queues its writes there and reads the
self-assessments and contributions as this work leaves them, so one event (or the
annual pass) sees its own earlier steps before anything is stored.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from riskgate.adapters.store import Read, Store, WriteBatch
from riskgate.domain.observations import Complaint
from riskgate.service_layer.repositories.stored_json import dumps, loads
from riskgate.service_layer.unit_of_work import UnitOfWork

IndicatorFact = tuple[float, str]  # (value, event_id)
Report = tuple[str, str, str, float, str, str | None]  # body, indicator, period, value, id, at
REQUESTED = "risk:requested"
PEERS_LATEST = "risk:peers:latest"
PEERS_COMPARED = "risk:peers:compared"
# Stored indicator texts -> (value, event_id), so each is parsed once. The texts this process
# writes are entered as it writes them, with the value it wrote where that is what parsing
# gives back: an int, or a float (JSON holds its shortest repr), of exactly those types.
_ROUND_TRIPS = (int, float)
_FACTS: dict[str, IndicatorFact] = {}
_FACTS_KEPT = 1 << 18  # then forgotten all at once and parsed again as read


def _room_for(count: int) -> dict[str, IndicatorFact]:
    """`_FACTS`, forgotten first if `count` more would take it past its size."""
    if len(_FACTS) + count > _FACTS_KEPT:
        _FACTS.clear()
    return _FACTS


def _indicator_fact(raw: str) -> IndicatorFact:
    """A stored indicator value as (value, event_id)."""
    known = _FACTS.get(raw)
    if known is None:
        parsed = loads(raw)
        known = _room_for(1)[raw] = parsed["value"], parsed["event_id"]
    return known


@functools.lru_cache(maxsize=1 << 16)
def _complaint(event_id: str, raw: str) -> Complaint:
    """A stored complaint, made once for its id and text."""
    return Complaint(event_id=event_id, **loads(raw))


class RiskFacts:
    """The risk service's state; writes go through the unit of work it is bound to."""

    def __init__(self, store: Store, work: UnitOfWork | None = None) -> None:
        self._store = store
        self._work = work
        self._pending: dict[str, dict[str, str]] = {}  # hashes as this work leaves them

    def bound_to(self, work: UnitOfWork) -> RiskFacts:
        """The same picture, with writes queued on `work` and read back before they are stored."""
        return RiskFacts(self._store, work)

    def _write(self, write: Any) -> None:
        if self._work is None:
            raise RuntimeError("RiskFacts is read-only until bound to a unit of work")
        self._work.store(write)

    def _hash(self, key: str) -> dict[str, str]:
        return self._pending[key] if key in self._pending else self._store.hgetall(key)

    # Indicators -----------------------------------------------------------------

    def indicator_series(self, body: str, indicator: str) -> dict[str, IndicatorFact]:
        """Each reported period of a body's indicator: (value, event_id)."""
        stored = self._store.hgetall(f"risk:ind:{body}:{indicator}")
        known = _FACTS.get
        return {period: known(raw) or _indicator_fact(raw) for period, raw in stored.items()}

    def indicator_reports(self, body: str, indicator: str) -> dict[str, tuple[float, str | None]]:
        """Each reported period of a body's indicator: (value, when it was reported, if known)."""
        stored = self._store.hgetall(f"risk:ind:{body}:{indicator}")
        return {
            period: (fact["value"], fact.get("reported_at"))
            for period, fact in ((p, loads(raw)) for p, raw in stored.items())
        }

    def record_indicators(self, reports: Sequence[Report]) -> None:
        """Keep reported values and when each was reported: one write per series; a
        resubmission for a period replaces the earlier value (a later one in `reports` too)."""
        series: dict[str, dict[str, str]] = {}
        known = _room_for(len(reports))
        for body, indicator, period, value, event_id, reported_at in reports:
            fact = {"value": value, "event_id": event_id, "reported_at": reported_at}
            raw = series.setdefault(f"risk:ind:{body}:{indicator}", {})[period] = dumps(fact)
            if type(value) in _ROUND_TRIPS:  # what reading `raw` back gives, to the type
                known[raw] = value, event_id

        def write(batch: WriteBatch) -> None:
            for key, values in series.items():
                batch.hset(key, values)

        self._write(write)

    def record_peers_input(self, year: int, event_id: str) -> None:
        """Note that the year's figures changed, so its comparison with peers is due again."""
        self._write(lambda b: b.hset(PEERS_LATEST, {str(year): event_id}))

    def peers_due(self) -> dict[int, str]:
        """Years whose figures changed since their last peer comparison -> the latest input."""
        compared = self._store.hgetall(PEERS_COMPARED)
        return {
            int(year): latest
            for year, latest in sorted(self._store.hgetall(PEERS_LATEST).items())
            if compared.get(year) != latest
        }

    def peers_latest(self, year: int) -> str:
        """The latest indicator value taken in for the year (empty before any)."""
        return self._store.hget(PEERS_LATEST, str(year)) or ""

    def record_peers_compared(self, year: int, latest: str) -> None:
        """The year's areas were compared with their peers on the figures up to `latest`."""
        self._write(lambda b: b.hset(PEERS_COMPARED, {str(year): latest}))

    def indicator_series_by_area(
        self, indicator: str, areas: Iterable[str]
    ) -> dict[str, dict[str, IndicatorFact]]:
        """The indicator's series for each of `areas` that reported it."""
        return {
            area: series for area in areas if (series := self.indicator_series(area, indicator))
        }

    # Complaints and findings ----------------------------------------------------

    def complaints(self, body: str) -> list[Complaint]:
        """Every stored complaint about a body. A body's complaints are all read again as each
        new one comes in, so each stored one is made once and shared (a tuple)."""
        return [_complaint(eid, v) for eid, v in self._store.hgetall(f"risk:cmp:{body}").items()]

    def record_complaint(self, body: str, event_id: str, fact: dict[str, Any]) -> None:
        """Keep a complaint's facts."""
        self._write(lambda b: b.hset(f"risk:cmp:{body}", {event_id: dumps(fact)}))

    def findings(self, body: str, theme: str) -> dict[str, dict[str, Any]]:
        """Every stored inspection finding on a body and theme, by event id."""
        stored = self._store.hgetall(f"risk:finding:{body}:{theme}")
        return {eid: loads(v) for eid, v in stored.items()}

    def record_finding(self, body: str, theme: str, event_id: str, fact: dict[str, Any]) -> None:
        """Keep an inspection finding."""
        self._write(lambda b: b.hset(f"risk:finding:{body}:{theme}", {event_id: dumps(fact)}))

    # Self-assessments and organisational scores ---------------------------------

    def record_self_assessment(
        self, area: str, year: int, theme: str, event_id: str, concerns: dict[str, Any]
    ) -> None:
        """Keep the concerns an area reported for a theme (its latest self-assessment wins)."""
        key = f"risk:sa:{area}:{year}"
        value = dumps({"event_id": event_id, "concerns": concerns})
        self._pending[key] = {**self._hash(key), theme: value}
        self._write(lambda b: b.hset(key, {theme: value}))

    def managed_concerns(self, area: str, year: int, theme: str) -> dict[str, dict[str, Any]]:
        """The concerns the area reported in its self-assessment for this theme and year."""
        raw = self._hash(f"risk:sa:{area}:{year}").get(theme)
        return loads(raw)["concerns"] if raw else {}

    def record_scores(self, body: str, year: int, scores: dict[str, Any]) -> None:
        """Keep a council's audit scores for the year."""
        self._write(lambda b: b.hset(f"risk:org:{year}", {body: dumps(scores)}))

    def organisations(self, year: int) -> dict[str, dict[str, Any]]:
        """Each scored council's use of resources and managing performance for a year."""
        return {b: loads(v) for b, v in self._store.hgetall(f"risk:org:{year}").items()}

    # What the rules found -------------------------------------------------------

    def contributions(self, area: str, year: int, theme: str) -> dict[str, str]:
        """What fired rules found for an area and theme, keyed `<body>|<subject>|<rule id>`."""
        return self._hash(f"risk:contrib:{area}:{year}:{theme}")

    def replace_contributions(
        self, area: str, year: int, theme: str, contributions: dict[str, str]
    ) -> None:
        """Replace the area and theme's contributions whole."""
        key = f"risk:contrib:{area}:{year}:{theme}"
        self._pending[key] = contributions

        def replace(batch: WriteBatch) -> None:
            batch.delete(key)
            batch.hset(key, contributions)

        self._write(replace)

    @staticmethod
    def contribution(found: dict[str, Any]) -> str:
        """A contribution as stored (see `contributions`)."""
        return dumps(found)

    @staticmethod
    def contribution_documents(
        contributions: dict[str, str], read: Mapping[str, dict[str, Any]] | None = None
    ) -> list[dict[str, Any]]:
        """The contributions as documents, in their stored order (`read`: documents already
        read, by their stored text, which are not read again)."""
        if read is None:
            return [loads(v) for v in contributions.values()]
        return [read[v] if v in read else loads(v) for v in contributions.values()]

    # Judgements and requests ----------------------------------------------------

    def is_judged(self, area: str, year: int, theme: str) -> bool:
        """Whether any judgement is stored for the area, theme and year."""
        return self._store.hget(f"risk:judgement:{area}:{year}", theme) is not None

    def record_judgement(self, area: str, year: int, theme: str, judgement: dict[str, Any]) -> bool:
        """Store the judgement unless the stored one is the same; whether it changed."""
        key, text = f"risk:judgement:{area}:{year}", dumps(judgement)
        if self._store.hget(key, theme) == text:
            return False
        self._write(lambda b: b.hset(key, {theme: text}))
        return True

    def assessment(self, area: str, year: int) -> dict[str, dict[str, Any]]:
        """The current judgement per theme for one area and year (themes with none are absent)."""
        stored = self._store.hgetall(f"risk:judgement:{area}:{year}")
        return {theme: loads(v) for theme, v in sorted(stored.items())}

    def is_requested(self, request_id: str) -> bool:
        """Whether this inspection request was raised already."""
        return self._store.sismember(REQUESTED, request_id)

    def record_request(self, request_id: str) -> None:
        """Remember the inspection request as raised."""
        self._write(lambda b: b.sadd(REQUESTED, request_id))

    # The same reads, for a poll's prefetch (`Store.read_many`) ----------------------

    @staticmethod
    def series_read(body: str, indicator: str) -> Read:
        """`indicator_series`'s read."""
        return ("hgetall", f"risk:ind:{body}:{indicator}")

    @staticmethod
    def complaints_read(body: str) -> Read:
        """`complaints`'s read."""
        return ("hgetall", f"risk:cmp:{body}")

    @staticmethod
    def contributions_read(area: str, year: int, theme: str) -> Read:
        """`contributions`'s read."""
        return ("hgetall", f"risk:contrib:{area}:{year}:{theme}")
