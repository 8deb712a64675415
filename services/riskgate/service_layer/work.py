"""work: each inspectorate's list of inspections, as the gatekeeper last left them."""

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
        """Put an `inspection.assigned` snapshot on its inspectorate's list (or take it off)."""
        if event["type"] != "inspection.assigned" or self._processed.seen(event["event_id"]):
            return
        item = {**event["payload"], "body": event["body"]}
        recipients = [item.pop("recipient")] if "recipient" in item else item["participants"]
        with self._store.transaction() as batch:
            for inspectorate in recipients:
                key = f"work:{inspectorate}"
                if inspectorate in item["participants"]:
                    batch.hset(key, {item["inspection_id"]: dumps(item)})
                else:  # it stepped out of a joint inspection, or the work was re-routed
                    batch.hdel(key, item["inspection_id"])
            self._processed.mark(batch, event["event_id"])

    def items(self, inspectorate: str, status: str | None = None) -> list[dict[str, Any]]:
        """An inspectorate's work, earliest on-site start first."""
        items = (json.loads(v) for v in self._store.hgetall(f"work:{inspectorate}").values())
        chosen = (i for i in items if status is None or i["status"] == status)
        return sorted(
            chosen,
            key=lambda i: (i.get("on_site_start") or i["window_start"], i["inspection_id"]),
        )
