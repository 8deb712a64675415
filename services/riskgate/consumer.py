"""The consumer loop every service shares.

Poll, decode and validate, apply, then commit: a record's offset is committed
only after its effects are stored (or it has been dead-lettered). A malformed
record goes to the dead-letter topic with its reason and the loop carries on;
a handler failure (Redis away, say) rewinds and retries, never skips.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from typing import Any

from kafka.errors import CommitFailedError

from riskgate import failpoints, metrics, topics
from riskgate.adapters.bus import Publisher, Record, Subscription
from riskgate.schemas import PERSONAL_DATA, validate_event
from riskgate.service_layer.common import InvalidMessage

log = logging.getLogger(__name__)
Handler = Callable[[dict[str, Any]], None]
PERSONAL_DATA_MARK = PERSONAL_DATA.split("(")[0].strip()  # "must not carry personal data"


def decode(record: Record) -> tuple[dict[str, Any] | None, str | None]:
    """The event in a record, or the reason it cannot be one."""
    try:
        raw = json.loads(record.value)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return None, f"not JSON: {exc}"
    event, errors = validate_event(raw)
    if errors or event is None:
        return None, "invalid event: " + json.dumps(errors, sort_keys=True)
    return event, None


class ConsumerLoop:
    """One consumer group member running one handler."""

    def __init__(
        self,
        name: str,
        subscription: Subscription,
        handler: Handler,
        publisher: Publisher,
        retry_pause_s: float = 1.0,
    ) -> None:
        self.name = name
        self._subscription = subscription
        self._handler = handler
        self._publisher = publisher
        self._retry_pause_s = retry_pause_s
        self.last_error: str | None = None

    def run_once(self, timeout_s: float = 1.0) -> int:
        """Handle one poll's worth of records; return how many were handled."""
        records = self._subscription.poll(timeout_s)
        done: list[Record] = []
        for index, record in enumerate(records):
            event, reason = decode(record)
            try:
                if event is None:
                    raise InvalidMessage(reason)
                self._handler(event)
                metrics.MESSAGES_HANDLED.labels(self.name).inc()
            except InvalidMessage as exc:
                self._dead_letter(record, str(exc))
            except Exception as exc:  # noqa: BLE001 - anything else is retried, never skipped
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.warning(
                    "%s: %s at %s[%d]@%d; will retry",
                    self.name,
                    self.last_error,
                    record.topic,
                    record.partition,
                    record.offset,
                )
                metrics.RETRIES.labels(self.name).inc()
                self._commit(done)
                self._rewind(records[index:])
                threading.Event().wait(self._retry_pause_s)
                return len(done)
            done.append(record)
        self._commit(done)
        self.last_error = None
        return len(done)

    def run_forever(self, stop: threading.Event) -> None:
        """Run until `stop` is set."""
        while not stop.is_set():
            try:
                self.run_once(timeout_s=0.5)
            except Exception:  # noqa: BLE001 - a consumer must not die of one bad poll
                log.exception("%s: poll failed; carrying on", self.name)
                stop.wait(self._retry_pause_s)
        self._subscription.close()

    def _dead_letter(self, record: Record, reason: str) -> None:
        log.warning(
            "%s: dead-lettering %s[%d]@%d: %s",
            self.name,
            record.topic,
            record.partition,
            record.offset,
            reason,
        )
        self._publisher.publish(
            topics.DEAD_LETTERS,
            record.key or "unknown",
            {
                "consumer": self.name,
                "topic": record.topic,
                "partition": record.partition,
                "offset": record.offset,
                "key": record.key,
                "reason": reason,
                # Personal data is not copied to another topic: the reason names the fields.
                "value": "[withheld: carries personal data]"
                if PERSONAL_DATA_MARK in reason
                else record.value.decode("utf-8", errors="replace"),
            },
        )
        metrics.DEAD_LETTERS.labels(self.name).inc()

    def _commit(self, done: list[Record]) -> None:
        if not done:
            return
        self._publisher.flush()  # dead letters are durable before their offsets move
        failpoints.hit(f"{self.name}.exit_before_commit")
        try:
            self._subscription.commit(done)
        except CommitFailedError as exc:
            # The group rebalanced; the new owner redelivers and handlers are idempotent.
            log.warning("%s: commit failed after a rebalance: %s", self.name, exc)

    def _rewind(self, pending: list[Record]) -> None:
        first: dict[tuple[str, int], Record] = {}
        for record in pending:
            first.setdefault((record.topic, record.partition), record)
        for record in first.values():
            self._subscription.rewind(record)
