"""Each inspectorate's work list in the store (`work:<inspectorate>`): inspection id to its JSON."""

from __future__ import annotations

import json
from typing import Any

from riskgate.adapters.store import Store, WriteBatch
from riskgate.service_layer.common import dumps


def _list_of(inspectorate: str) -> str:
    return f"work:{inspectorate}"


class WorkLists:
    """The inspections on each inspectorate's list, as the gatekeeper last left them."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def of(self, inspectorate: str) -> list[dict[str, Any]]:
        """The inspectorate's work items, in no particular order."""
        return [json.loads(v) for v in self._store.hgetall(_list_of(inspectorate)).values()]

    def put(self, batch: WriteBatch, inspectorate: str, item: dict[str, Any]) -> None:
        batch.hset(_list_of(inspectorate), {item["inspection_id"]: dumps(item)})

    def remove(self, batch: WriteBatch, inspectorate: str, inspection_id: str) -> None:
        batch.hdel(_list_of(inspectorate), inspection_id)
