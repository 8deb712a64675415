"""The bodies riskgate knows: the 2009-10 councils plus any `body.registered` since."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from riskgate.adapters.store import Read, Store, WriteBatch
from riskgate.domain.reference import Reference
from riskgate.service_layer.repositories.stored_json import dumps, loads


@functools.lru_cache(maxsize=4096)
def _registered(raw: str) -> dict[str, Any]:
    """A stored registration, parsed once per distinct text (the text is the cache's key, so
    a re-registration is read afresh)."""
    return loads(raw)


class BodyRegistry:
    """Bodies known to riskgate: the 2009-10 councils plus any `body.registered` since."""

    KEY = "bodies"

    def __init__(self, store: Store, reference: Reference) -> None:
        self._store = store
        self._reference = reference
        self._listed: dict[str, dict[str, Any]] = {}  # the reference councils never change

    def on(self, store: Store) -> BodyRegistry:
        """The same registry read through another store (a service's batching one)."""
        return BodyRegistry(store, self._reference)

    def get(self, code: str) -> dict[str, Any] | None:
        """The body's name, kind, area (and population, if registered with one), or None."""
        raw = self._store.hget(self.KEY, code)
        if raw is not None:
            return dict(_registered(raw))
        listed = self._listed.get(code)
        if listed is None:
            council = self._reference.councils.get(code)
            if council is None:
                return None  # unknown codes are not kept: their number has no bound
            listed = {
                "name": council.name,
                "kind": council.kind,
                "area": self._reference.area_of(code),
            }
            self._listed[code] = listed
        return dict(listed)

    @staticmethod
    def get_read(code: str) -> Read:
        """`get`'s read, for a poll's prefetch (`Store.read_many`)."""
        return ("hget", BodyRegistry.KEY, code)

    def area_of(self, code: str) -> str | None:
        """The area the body belongs to, or None for an unknown body. A council of the reference
        data is answered from it without a read: a registration may not move it elsewhere (ingest
        and the producers' check refuse one that tries), so its area is the reference's."""
        placed = self.placed_in(code)
        if placed is not None:
            return placed
        body = self.get(code)
        return body["area"] if body else None

    def known(self, code: str) -> bool:
        """Whether the body is a council of the reference data or registered since."""
        return code in self._reference.councils or self._store.hget(self.KEY, code) is not None

    def is_area(self, code: str) -> bool:
        """Whether the code names an area (an upper-tier or unitary council, or one registered so)."""
        return code in self._reference.areas or self.area_of(code) == code

    def population(self, code: str) -> int | None:
        """The body's registered population, if any."""
        body = self.get(code)
        return body.get("population") if body else None

    def register(self, batch: WriteBatch, code: str, payload: dict[str, Any]) -> None:
        """Store a `body.registered` payload inside the batch's transaction."""
        batch.hset(self.KEY, {code: dumps(payload)})

    def registration(self, code: str, payload: dict[str, Any]) -> Callable[[WriteBatch], None]:
        """The write that stores a `body.registered` payload (for `UnitOfWork.store`)."""
        return lambda batch: self.register(batch, code, payload)

    def placed_in(self, code: str) -> str | None:
        """The area the reference data places a council in (None for a body it does not list):
        a `body.registered` may not move it elsewhere."""
        return self._reference.area_of(code) if code in self._reference.councils else None
