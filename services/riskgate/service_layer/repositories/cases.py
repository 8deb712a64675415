"""Cases: the citizens' states in the store (calls for action, petitions, forum issues) and
the partners' formal complaints, each kept as compact JSON under a `council|ref` field.

Reads return plain dicts; writes are `Write`s for the unit of work, so that they
land in its one store transaction.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from riskgate.adapters.store import Store, WriteBatch
from riskgate.domain.citizens import Outcome
from riskgate.service_layer.common import Write, dumps

CASES, PETITIONS, FORUMS, COMPLAINTS = "cit:cases", "cit:petitions", "cit:forums", "cit:complaints"


class Cases:
    """The citizens service's repository."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def case(self, council: str, case_ref: str) -> dict[str, Any] | None:
        """One call for action (or area-wide case) at a council, or None."""
        return self._get(CASES, council, case_ref)

    def petition(self, council: str, petition_ref: str) -> dict[str, Any] | None:
        """One petition at a council, or None."""
        return self._get(PETITIONS, council, petition_ref)

    def forum_issue(self, council: str, issue_ref: str) -> dict[str, Any] | None:
        """The forums' decisions on one issue at a council, or None."""
        return self._get(FORUMS, council, issue_ref)

    def cases(self, council: str | None = None) -> list[dict[str, Any]]:
        """Every case (at one council if given), by council and case ref."""
        found = (json.loads(v) for v in self._store.hgetall(CASES).values())
        return sorted(
            (c for c in found if council is None or c["council"] == council),
            key=lambda c: (c["council"], c["case_ref"]),
        )

    def petitions(self, council: str | None = None) -> list[dict[str, Any]]:
        """Every petition (at one council if given), by council and petition ref."""
        found = (json.loads(v) for v in self._store.hgetall(PETITIONS).values())
        return sorted(
            (p for p in found if council is None or p["council"] == council),
            key=lambda p: (p["council"], p["petition_ref"]),
        )

    def partner_complaints(self, area: str) -> list[dict[str, Any]]:
        """The partners' formal complaints in an area, oldest first."""
        return sorted(
            (json.loads(v) for v in self._store.hgetall(f"{COMPLAINTS}:{area}").values()),
            key=lambda c: (c["occurred_at"], c["event_id"]),
        )

    @staticmethod
    def keep(outcome: Outcome) -> Write:
        """The write that stores the states a step created or changed."""

        def write(batch: WriteBatch) -> None:
            if outcome.case is not None:
                _put(batch, CASES, outcome.case, "case_ref")
            if outcome.petition is not None:
                _put(batch, PETITIONS, outcome.petition, "petition_ref")
            if outcome.forum_issue is not None:
                _put(batch, FORUMS, outcome.forum_issue, "issue_ref")

        return write

    @staticmethod
    def add_partner_complaint(area: str, complaint: dict[str, Any]) -> Write:
        """The write that keeps a partner's formal complaint for the area's partner gates."""
        return lambda batch: batch.hset(
            f"{COMPLAINTS}:{area}", {complaint["event_id"]: dumps(complaint)}
        )

    def _get(self, hash_key: str, council: str, ref: str) -> dict[str, Any] | None:
        raw = self._store.hget(hash_key, _field(council, ref))
        return json.loads(raw) if raw else None


def jsonable(value: Any) -> Any:
    """The domain's states are JSON already; dates that slip through become ISO strings."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _put(batch: WriteBatch, hash_key: str, state: dict[str, Any], ref: str) -> None:
    batch.hset(hash_key, {_field(state["council"], state[ref]): dumps(jsonable(state))})


def _field(council: str, ref: str) -> str:
    return f"{council}|{ref}"
