"""Records riskgate wrote itself, recognised on the events topic without validating them again.

Ingest validates every event against the contract before it publishes it. With Kafka,
integrators may also produce to the events topic directly, so the consumers of that topic (the
risk and citizens services) validate what they read there. Without more, an event that came in
through ingest was validated three times: once by ingest and once by each consumer.

So every record riskgate's Kafka publisher writes to those topics (`topics`: the ones
integrators may write to as well) carries an attestation header: an HMAC-SHA256 over the topic,
key and value, under a secret only riskgate's processes hold. Records on riskgate's own topics
are trusted as they are, so they are neither signed nor checked. A consumer that
finds a matching attestation reads the record as it reads its internal topics (the envelope's
shape checked, the contract trusted); a record without one, or with one that does not match
(another producer's, or bytes changed on the way), is validated in full as before. The secret
is created by the first process that needs it and kept in the shared store (Redis), which
integrators do not reach; each process reads it once. While the store cannot be reached, the
publisher writes without attestation and the consumers validate everything: slower, never less
safe.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterable

from riskgate.adapters.store import Store

log = logging.getLogger(__name__)

HEADER = "riskgate-attestation"
STORE_KEY = "attestation:secret"
RETRY_S = 30.0  # after the store could not be reached, the next try for the secret


def _message(topic: str, key: bytes | None, value: bytes) -> bytes:
    """What is signed: topic and key length-prefixed, then the value, so no two records
    sign the same bytes (a record without a key differs from one with an empty key)."""
    name = topic.encode()
    if key is None:
        return b"".join((len(name).to_bytes(4, "big"), name, b"-", value))
    return b"".join(
        (len(name).to_bytes(4, "big"), name, b"k", len(key).to_bytes(8, "big"), key, value)
    )


class Attestation:
    """Signs what riskgate's publisher writes and recognises it when a consumer reads it."""

    def __init__(self, secret: Callable[[], bytes], topics: Iterable[str]) -> None:
        self._resolve = secret
        self._topics = frozenset(topics)  # the topics whose records are signed and checked
        self._secret: bytes | None = None
        self._failed_at: float | None = None
        self._lock = threading.Lock()
        self._keyed: hmac.HMAC | None = None  # the HMAC keyed with `_keyed_with`, copied per tag
        self._keyed_with: bytes | None = None

    @classmethod
    def with_secret(cls, secret: bytes, topics: Iterable[str]) -> Attestation:
        return cls(lambda: secret, topics)

    @classmethod
    def kept_in(cls, store: Store, topics: Iterable[str]) -> Attestation:
        """The deployment's secret from the store, created there by the first process asking."""

        def resolve() -> bytes:
            with store.lock("attestation", timeout_s=10.0):
                kept = store.get(STORE_KEY)
                if kept is None:
                    kept = secrets.token_hex(32)
                    store.set(STORE_KEY, kept)
            return bytes.fromhex(kept)

        return cls(resolve, topics)

    def secret(self) -> bytes | None:
        """The secret, or None while it cannot be had (the store away: retried after RETRY_S)."""
        if self._secret is not None:
            return self._secret
        with self._lock:
            if self._secret is None and (
                self._failed_at is None or time.monotonic() - self._failed_at >= RETRY_S
            ):
                try:
                    self._secret = self._resolve()
                except Exception as exc:  # noqa: BLE001 - any failure only means "validate"
                    self._failed_at = time.monotonic()
                    log.warning(
                        "attestation secret unavailable (%s: %s): records are published "
                        "without attestation and validated by every consumer until it is",
                        type(exc).__name__,
                        exc,
                    )
            return self._secret

    def tag(self, topic: str, key: bytes | None, value: bytes) -> bytes | None:
        """The attestation for a record, or None: not a topic it covers, or no secret."""
        if topic not in self._topics:
            return None
        secret = self.secret()
        if secret is None:
            return None
        keyed = self._keyed
        if keyed is None or self._keyed_with is not secret:
            keyed = self._keyed = hmac.new(secret, digestmod=hashlib.sha256)
            self._keyed_with = secret
        # A copy of the keyed HMAC, not `hmac.digest`: the one-shot call lets go of the GIL
        # however short the record, and on a busy process each such call waits to get it back
        # (250 us a record beside one busy thread, against 1.5 us this way).
        mac = keyed.copy()
        mac.update(_message(topic, key, value))
        return mac.digest()

    def verify(self, topic: str, key: bytes | None, value: bytes, tag: bytes | None) -> bool:
        """Whether `tag` attests exactly this record under the deployment's secret."""
        if not tag or len(tag) != hashlib.sha256().digest_size:
            return False
        expected = self.tag(topic, key, value)
        return expected is not None and hmac.compare_digest(expected, tag)

    def headers(self, topic: str, key: bytes | None, value: bytes) -> list[tuple[str, bytes]]:
        """The record headers to publish with (none without a secret)."""
        tag = self.tag(topic, key, value)
        return [] if tag is None else [(HEADER, tag)]

    def attested(
        self, topic: str, key: bytes | None, value: bytes, headers: list[tuple[str, bytes]] | None
    ) -> bool:
        """Whether a consumed record carries this deployment's attestation (the first
        `HEADER` only: a record with two is judged by the first)."""
        if topic not in self._topics:
            return False
        for name, tag in headers or ():
            if name == HEADER:
                return self.verify(topic, key, value, tag)
        return False
