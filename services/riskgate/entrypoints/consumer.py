"""The consumer loop every service shares.

Poll, read, apply, then commit: a record's offset is committed only after its
effects are stored or it has been dead-lettered. No record is skipped in silence:

- A record that cannot be read goes to the dead-letter topic at once, with a
  `kind` and a reason: a key that is not UTF-8 text or is too long (`bad_key`),
  a value over `limits.MAX_EVENT_BYTES` (`oversize`: its size and digest, not
  its bytes), nesting deeper than `limits.MAX_DEPTH` (`too_deep`, checked before
  parsing), bytes that are not UTF-8 (`not_utf8`), not JSON (`not_json`), a lone
  surrogate (`bad_text`), or not a valid event (`invalid_event`). A loop reading a
  topic integrators produce to validates every event against the contract; a loop
  reading what riskgate wrote itself (`trusted`) checks only the envelope's shape,
  the events having been validated once where they entered.
- A loop whose handler acts on some event types only (`acts_on`: the citizens' desk) passes
  over a record riskgate wrote itself whose type is another, without reading it: the type
  is read from the record's last bytes (`type_at_end`), and the handler would have returned
  at once. A record from outside is read and checked in full whatever its type.
- On topics keyed by area, an event whose key is not its area is dead-lettered
  (`key_mismatch`, naming both). An event for a body the registry does not know
  yet goes on to the handler, which treats the body as its own area as it always
  has: another consumer group may not yet have stored the `body.registered` that
  came before it on the same partition, so "unknown" is not proof of a bad key.
- On the events topic, an event its declared producer may not publish (an internal
  type, a finding from a non-owner, a registration from a non-admin, an event outside
  the producer's scope: `service_layer/producers.py`) is dead-lettered (`refused`,
  naming the rule) before its handler sees it.
- A handler that refuses a record (`InvalidMessage`) dead-letters it (`refused`).
- A poison value: a handler that fails on the same record with a data error
  (ValueError, LookupError, TypeError, AttributeError, ArithmeticError,
  RecursionError) `POISON_ATTEMPTS` times in a row dead-letters it (`poison`,
  naming the error). A data error raised by the store's or bus's client, or
  caused by an OSError, does not count.
- Any other failure (Redis, Kafka or a lock away: OSError, redis and kafka
  errors, anything unforeseen) rewinds and retries for ever, never skips.

Then the loop goes on with the records after it in the same poll.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from riskgate import failpoints, limits, metrics, topics
from riskgate.adapters.bus import CommitLost, Publisher, Record, Subscription
from riskgate.schemas import PERSONAL_DATA, validate_event
from riskgate.schemas.trusted import check_envelope
from riskgate.service_layer.common import InvalidMessage
from riskgate.service_layer.unit_of_work import PollBatch

log = logging.getLogger(__name__)
Handler = Callable[[dict[str, Any]], None]
AreaOf = Callable[[dict[str, Any]], str | None]
ProducerCheck = Callable[[dict[str, Any], str | None], str | None]  # (event, area) -> refusal
PERSONAL_DATA_MARK = PERSONAL_DATA.split("(")[0].strip()  # "must not carry personal data"
POISON_ATTEMPTS = 5
# Errors that come from a record's content, not from a server being away.
DATA_ERRORS = (ValueError, LookupError, TypeError, AttributeError, ArithmeticError, RecursionError)
SERVER_CLIENTS = ("redis", "kafka")


@dataclass(frozen=True)
class Unusable:
    """Why a record cannot be applied: a `kind` from the module docstring and the reason,
    and why its value must not be copied into the dead letter, if it must not."""

    kind: str
    reason: str
    withheld: str | None = None


WITHHELD_PERSONAL = "carries personal data"


def decode(record: Record, trusted: bool = False) -> tuple[dict[str, Any] | None, Unusable | None]:
    """The event in a record, or why it cannot be one (only the envelope checked when
    `trusted`). Never raises."""
    try:
        event, unusable = _read_value(
            record, check_envelope if trusted else validate_event, record.attested
        )
        bad_key = _key_problem(record)
    except Exception as exc:  # noqa: BLE001 - reading is pure: a failure is the record's own
        return None, Unusable("invalid_event", f"could not be read: {type(exc).__name__}: {exc}")
    if bad_key is not None:
        # The value was read all the same, to know whether it may be copied.
        return None, Unusable("bad_key", bad_key, unusable.withheld if unusable else None)
    return event, unusable


# A JSON object's last member, when it is "type" with a plain string value, closes it: the
# quote before `type` follows `,` or `{` (it opens the key), the value holds no quote or
# backslash, and json.loads keeps the last of duplicate keys, so this is the type it reads.
_TYPE_AT_END = re.compile(rb'[{,]"type":"([a-z0-9_.]{1,64})"}\Z')
_TYPE_TAIL_BYTES = 76  # `,"type":"` + 64 + `"}`, with room to spare


def type_at_end(value: bytes) -> str | None:
    """The `type` of the JSON object `value` holds, read from its last bytes alone, when its
    last member is `"type":"<lowercase name>"` (so in every event riskgate encodes: keys
    sorted, `type` the last of the envelope's); None otherwise. Only for a value known to be
    one JSON object (riskgate's own): of other bytes it says nothing reliable."""
    found = _TYPE_AT_END.search(value, max(0, len(value) - _TYPE_TAIL_BYTES))
    return found.group(1).decode("ascii") if found is not None else None


def _key_problem(record: Record) -> str | None:
    if not record.key_is_text:
        return f"key {record.key!r} is not UTF-8 text"
    if record.key is not None and len(record.key.encode()) > limits.MAX_KEY_BYTES:
        return f"key is longer than {limits.MAX_KEY_BYTES} bytes"
    return None


Check = Callable[[object], tuple[dict[str, Any] | None, dict[str, Any]]]


def _read_value(
    record: Record, check: Check, attested: bool = False
) -> tuple[dict[str, Any] | None, Unusable | None]:
    """`attested`: riskgate wrote these very bytes (`adapters/attestation.py`) from an event
    already held to the bounds, so its depth is not walked again."""
    size = len(record.value)
    if size > limits.MAX_EVENT_BYTES:
        limit = limits.MAX_EVENT_BYTES
        reason = f"value is {size} bytes, over the limit of {limit}"
        return None, Unusable("oversize", reason, f"{size} bytes, over the limit of {limit}")
    try:
        text = record.value.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, Unusable("not_utf8", f"value is not UTF-8 text ({exc.reason} at {exc.start})")
    if not attested and limits.deeper_than(text):
        return None, Unusable("too_deep", f"value: nested deeper than {limits.MAX_DEPTH} levels")
    try:
        raw = limits.loads_bounded(text, field="value", depth_checked=True)
    except json.JSONDecodeError as exc:
        return None, Unusable("not_json", f"not JSON: {exc}")
    except ValueError as exc:  # LimitExceeded: a lone surrogate
        return None, Unusable("bad_text", str(exc))
    event, errors = check(raw)
    if errors or event is None:
        reason = "invalid event: " + json.dumps(errors, sort_keys=True)
        personal = WITHHELD_PERSONAL if PERSONAL_DATA_MARK in reason else None
        return None, Unusable("invalid_event", reason, personal)
    return event, None


def key_mismatch(record: Record, event: dict[str, Any], area: str | None) -> Unusable | None:
    """Why a record's key is wrong for its event's area, or None if it is right (or unknown)."""
    if area is None or record.key == area:
        return None
    return Unusable(
        "key_mismatch",
        f"key {record.key!r} does not match area {area!r} of {event['type']} for body "
        f"{event['body']!r}",
    )


def is_data_error(exc: BaseException) -> bool:
    """Whether a failure comes from the record rather than from a server being away."""
    if not isinstance(exc, DATA_ERRORS):
        return False
    seen: BaseException | None = exc
    while seen is not None:  # the whole chain: a ValueError raised over a lost connection is not
        if isinstance(seen, OSError) or type(seen).__module__.split(".")[0] in SERVER_CLIENTS:
            return False
        seen = seen.__cause__ or seen.__context__
    return True


def dead_letter(consumer: str, record: Record, why: Unusable) -> dict[str, Any]:
    """The dead letter for a record: where it was, why, its size and digest, and a bounded copy.

    The copy is left out for an oversize value and for one carrying personal data.
    """
    value = record.value
    letter: dict[str, Any] = {
        "consumer": consumer,
        "topic": record.topic,
        "partition": record.partition,
        "offset": record.offset,
        "key": record.key[: limits.MAX_KEY_BYTES] if record.key is not None else None,
        "kind": why.kind,
        "reason": why.reason[: limits.MAX_DEAD_LETTER_REASON],
        "value_bytes": len(value),
        "value_digest": limits.digest(value),
        "value_truncated": False,
    }
    # Personal data is not copied to another topic: the reason names the fields.
    withheld = why.withheld or (WITHHELD_PERSONAL if PERSONAL_DATA_MARK in why.reason else None)
    if withheld is not None:
        letter["value"] = f"[withheld: {withheld}]"
    else:
        letter["value"] = value[: limits.MAX_DEAD_LETTER_VALUE].decode("utf-8", errors="replace")
        letter["value_truncated"] = len(value) > limits.MAX_DEAD_LETTER_VALUE
    return letter


class ConsumerLoop:
    """One consumer group member running one handler.

    `area_of`, for loops reading topics keyed by area, gives the area an event
    belongs to (None when its body is not known yet); its key must match.
    `producer_check`, for loops reading the events topic, says why an event's
    declared producer may not have published it (None when it may).
    `trusted`, for loops reading only what riskgate wrote (the embedded log, internal
    topics), checks each event's envelope instead of validating it again.
    `batch`, for a handler writing through a batching store and publisher, makes each poll
    one publish, one flush and one store transaction (service_layer/unit_of_work.PollBatch).
    `prefetch`, with `batch`, is given a poll's readable events before the first is handled,
    to read what they will read in one round trip.
    `acts_on`, the event types the handler does anything with: a record riskgate wrote
    (`trusted`, or attested) of another type is passed over unread, as handled.
    """

    def __init__(
        self,
        name: str,
        subscription: Subscription,
        handler: Handler,
        publisher: Publisher,
        retry_pause_s: float = 1.0,
        area_of: AreaOf | None = None,
        producer_check: ProducerCheck | None = None,
        trusted: bool = False,
        batch: PollBatch | None = None,
        prefetch: Callable[[list[dict[str, Any]]], None] | None = None,
        acts_on: Collection[str] | None = None,
    ) -> None:
        self.name = name
        self._subscription = subscription
        self._handler = handler
        self._publisher = publisher
        self._retry_pause_s = retry_pause_s
        self._area_of = area_of
        self._producer_check = producer_check
        self._trusted = trusted
        self._batch = batch
        self._prefetch = prefetch if batch is not None else None
        self._acts_on = acts_on
        self._data_errors: dict[tuple[str, int, int], int] = {}  # record -> failures in a row
        self.last_error: str | None = None
        self._handled = metrics.MESSAGES_HANDLED.labels(name)  # looked up once, counted often

    def run_once(self, timeout_s: float = 1.0) -> int:
        """Handle one poll's worth of records; return how many were handled."""
        records = self._subscription.poll(timeout_s)
        if not records:
            self.last_error = None
            return 0
        if self._batch is not None:
            self._batch.begin()
        try:
            return self._handle_poll(records)
        finally:
            if self._batch is not None:
                self._batch.discard()  # ended already unless something failed

    def _handle_poll(self, records: list[Record]) -> int:
        done: list[Record] = []
        handled = 0  # counted once a poll: in a gunicorn worker each count is a shared-file write
        decoded = [self._decode(record) for record in records]
        for index, record in enumerate(records):
            try:
                if index == 0 and self._prefetch is not None:
                    self._prefetch(
                        [d[0] for d in decoded if d is not None and d[0] is not None and d[1] is None]
                    )
                read = decoded[index]
                # None: passed over, not a type the handler acts on; both count as handled
                if read is None or self._handle(record, read):
                    handled += 1
            except Exception as exc:  # noqa: BLE001 - anything else is retried, never skipped
                self._handled.inc(handled)
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
                self._commit_or_rewind(done, records)
                self._rewind(records[index:])
                threading.Event().wait(self._retry_pause_s)
                return len(done)
            done.append(record)
        self._handled.inc(handled)
        self._commit_or_rewind(done, records)
        self.last_error = None
        return len(done)

    def _decode(self, record: Record) -> tuple[dict[str, Any] | None, Unusable | None] | None:
        """The record as `decode` reads it, or None for one riskgate wrote whose type the
        handler does not act on."""
        trusted = self._trusted or record.attested
        if trusted and self._acts_on is not None:
            kind = type_at_end(record.value)
            if kind is not None and kind not in self._acts_on:
                return None
        return decode(record, trusted)

    def run_forever(
        self, stop: threading.Event, on_idle: Callable[[], object] | None = None
    ) -> None:
        """Run until `stop` is set, calling `on_idle` after a poll that brought nothing."""
        while not stop.is_set():
            try:
                if self.run_once(timeout_s=0.5) == 0 and on_idle is not None:
                    on_idle()
            except Exception:  # noqa: BLE001 - a consumer must not die of one bad poll
                log.exception("%s: poll failed; carrying on", self.name)
                stop.wait(self._retry_pause_s)
        self._subscription.close()

    def _handle(
        self, record: Record, decoded: tuple[dict[str, Any] | None, Unusable | None]
    ) -> bool:
        """Apply one record (as `decode` read it) or dead-letter it; whether it was applied.
        Raise only for a failure worth retrying."""
        event, unusable = decoded
        if event is None or unusable is not None:
            self._dead_letter(record, unusable or Unusable("invalid_event", "no event"))
            return False
        place = (record.topic, record.partition, record.offset)
        handled = False
        try:
            area = self._area_of(event) if self._area_of is not None else None
            if self._area_of is not None:
                mismatch = key_mismatch(record, event, area)
                if mismatch is not None:
                    self._dead_letter(record, mismatch)
                    return False
            if self._producer_check is not None:
                refused = self._producer_check(event, area)
                if refused is not None:
                    self._dead_letter(record, Unusable("refused", refused))
                    return False
            self._handler(event)
            handled = True
        except InvalidMessage as exc:
            self._dead_letter(record, Unusable("refused", str(exc)))
        except Exception as exc:
            if not is_data_error(exc):
                raise
            failures = self._data_errors.get(place, 0) + 1
            if failures < POISON_ATTEMPTS:
                if len(self._data_errors) > 1000:  # partitions moved away mid-retry
                    self._data_errors.clear()
                self._data_errors[place] = failures
                raise
            self._dead_letter(
                record,
                Unusable(
                    "poison",
                    f"the handler failed {failures} times in a row: {type(exc).__name__}: {exc}",
                ),
            )
        self._data_errors.pop(place, None)
        return handled

    def _dead_letter(self, record: Record, why: Unusable) -> None:
        log.warning(
            "%s: dead-lettering %s[%d]@%d (%s): %s",
            self.name,
            record.topic,
            record.partition,
            record.offset,
            why.kind,
            why.reason[:200],
        )
        letter = dead_letter(self.name, record, why)
        self._publisher.publish(topics.DEAD_LETTERS, letter["key"] or "unknown", letter)
        metrics.DEAD_LETTERS.labels(self.name).inc()

    def _commit_or_rewind(self, done: list[Record], polled: list[Record]) -> None:
        """Store what is done (a batch's effects), then commit it; if either fails, deliver
        the whole poll again (handlers are idempotent) rather than leave records fetched and
        never committed."""
        try:
            if self._batch is not None:
                self._batch.end()
            self._commit(done)
        except Exception:
            self._rewind(polled)
            raise

    def _commit(self, done: list[Record]) -> None:
        if not done:
            return
        self._publisher.flush()  # dead letters are durable before their offsets move
        failpoints.hit(f"{self.name}.exit_before_commit")
        try:
            self._subscription.commit(done)
        except CommitLost as exc:
            # The group rebalanced; the new owner redelivers and handlers are idempotent.
            log.warning("%s: commit failed after a rebalance: %s", self.name, exc)

    def _rewind(self, pending: list[Record]) -> None:
        first: dict[tuple[str, int], Record] = {}
        for record in pending:
            first.setdefault((record.topic, record.partition), record)
        for record in first.values():
            self._subscription.rewind(record)

