"""work: each inspectorate's list of inspections, as the gatekeeper last left them."""

from __future__ import annotations

from typing import Any

from riskgate.adapters.store import Store
from riskgate.service_layer.common import Processed
from riskgate.service_layer.repositories.work_lists import WorkLists
from riskgate.service_layer.unit_of_work import UnitOfWork, Write


class WorkService:
    GROUP = "work"

    def __init__(self, store: Store) -> None:
        self._store = store
        self._lists = WorkLists(store)
        self._processed = Processed(store, self.GROUP)

    def handle(self, event: dict[str, Any]) -> None:
        """Put an `inspection.assigned` snapshot on its inspectorate's list (or take it off)."""
        if event["type"] != "inspection.assigned" or self._processed.seen(event["event_id"]):
            return
        item = {**event["payload"], "body": event["body"]}
        recipients = [item.pop("recipient")] if "recipient" in item else item["participants"]
        work = UnitOfWork(self.GROUP)
        for inspectorate in recipients:
            work.store(self._listing(inspectorate, item))
        work.consume(event["event_id"])
        work.commit(None, self._store)  # the work service only stores

    def _listing(self, inspectorate: str, item: dict[str, Any]) -> Write:
        """The write that puts the item on the inspectorate's list, or takes it off."""
        if inspectorate in item["participants"]:
            return lambda batch: self._lists.put(batch, inspectorate, item)
        # it stepped out of a joint inspection, or the work was re-routed
        return lambda batch: self._lists.remove(batch, inspectorate, item["inspection_id"])

    def items(self, inspectorate: str, status: str | None = None) -> list[dict[str, Any]]:
        """An inspectorate's work, earliest on-site start first."""
        chosen = (
            i for i in self._lists.of(inspectorate) if status is None or i["status"] == status
        )
        return sorted(
            chosen,
            key=lambda i: (i.get("on_site_start") or i["window_start"], i["inspection_id"]),
        )
