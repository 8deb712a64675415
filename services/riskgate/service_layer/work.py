"""work: each inspectorate's list of assigned inspections."""

from __future__ import annotations

import json
from typing import Any

from riskgate.adapters.store import Store
from riskgate.service_layer.common import Processed, dumps


class WorkService:
    GROUP = "work"

    def __init__(self, store: Store) -> None:
        self._store = store
        self._processed = Processed(store, self.GROUP)

    def handle(self, event: dict[str, Any]) -> None:
        """Record an `inspection.assigned` message on every participant's list."""
        if event["type"] != "inspection.assigned" or self._processed.seen(event["event_id"]):
            return
        item = {**event["payload"], "body": event["body"]}
        with self._store.transaction() as batch:
            for inspectorate in item["participants"]:
                key = f"work:{inspectorate}"
                existing = self._store.hget(key, item["inspection_id"])
                if existing is not None:
                    item["status"] = json.loads(existing)[
                        "status"
                    ]  # a merge adds evidence, keeps progress
                batch.hset(key, {item["inspection_id"]: dumps(item)})
            self._processed.mark(batch, event["event_id"])

    def items(self, inspectorate: str) -> list[dict[str, Any]]:
        """An inspectorate's work, earliest window first."""
        items = (json.loads(v) for v in self._store.hgetall(f"work:{inspectorate}").values())
        return sorted(items, key=lambda i: (i["window_start"], i["inspection_id"]))
