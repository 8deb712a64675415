"""The attestation riskgate puts on what it publishes (`adapters/attestation.py`): one secret
per deployment, kept in the store; a tag that covers topic, key and value; and, with the store
away, no attestation at all (every consumer validates) until the secret can be had."""

from __future__ import annotations

import hmac
import threading
from typing import Any

import pytest

from riskgate.adapters import attestation as module
from riskgate.adapters.attestation import HEADER, STORE_KEY, Attestation
from riskgate.adapters.store import MemoryStore

VALUE = b'{"event_id":"e1","type":"indicator.reported"}'
COVERED = ("events.v1", "t")  # the topics integrators may write to as well


def test_processes_sharing_a_store_share_one_secret_made_once() -> None:
    store = MemoryStore()
    signers = [Attestation.kept_in(store, COVERED) for _ in range(8)]
    threads = [threading.Thread(target=s.secret) for s in signers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    secrets = {s.secret() for s in signers}
    assert len(secrets) == 1 and None not in secrets
    assert store.get(STORE_KEY) == next(iter(secrets)).hex()  # type: ignore[union-attr]
    assert len(next(iter(secrets))) == 32  # type: ignore[arg-type]
    # Another store (another deployment) has its own, and does not recognise ours.
    tag = signers[0].tag("events.v1", b"E08000028", VALUE)
    assert not Attestation.kept_in(MemoryStore(), COVERED).verify(
        "events.v1", b"E08000028", VALUE, tag
    )


@pytest.mark.parametrize(
    ("topic", "key", "value"),
    [
        ("events.v2", b"E08000028", VALUE),  # a topic it does not cover
        ("events.v1", b"E08000019", VALUE),
        ("events.v1", None, VALUE),
        ("events.v1", b"", VALUE),
        ("events.v1", b"E08000028", VALUE + b" "),
        ("events.v1", b"E08000028", VALUE[:-1]),
        # the same bytes in total, split differently between key and value
        ("events.v1", b"E08000028{", VALUE[1:]),
    ],
)
def test_a_tag_covers_topic_key_and_value(topic: str, key: bytes | None, value: bytes) -> None:
    signer = Attestation.with_secret(b"s" * 32, COVERED)
    tag = signer.tag("events.v1", b"E08000028", VALUE)
    assert signer.verify("events.v1", b"E08000028", VALUE, tag)
    assert not signer.verify(topic, key, value, tag)


def test_the_tag_is_the_documented_hmac_whichever_secret_and_however_often_it_is_asked() -> None:
    # Processes of one deployment, old and new code alike, must make the same tag: HMAC-SHA256
    # under the secret of the topic's length and name, then `-`, or `k`, the key's length and
    # the key, then the value.
    def documented(secret: bytes, key: bytes | None, value: bytes) -> bytes:
        name = b"\x00\x00\x00\x09events.v1"
        middle = b"-" if key is None else b"k" + len(key).to_bytes(8, "big") + key
        return hmac.digest(secret, name + middle + value, "sha256")

    secrets = iter([b"a" * 32, b"b" * 32])
    signer = Attestation(lambda: next(secrets), COVERED)
    cases = [(b"E08000028", VALUE), (None, VALUE), (b"", b""), (b"k" * 300, VALUE * 100)]
    for _ in range(2):  # the keyed MAC is reused, never changed by a tag
        for key, value in cases:
            assert signer.tag("events.v1", key, value) == documented(b"a" * 32, key, value)
    signer._secret = None  # as if the secret were read again (another secret)
    assert signer.tag("events.v1", b"E08000028", VALUE) == documented(b"b" * 32, b"E08000028", VALUE)


def test_only_the_first_header_of_its_name_counts_and_malformed_tags_fail() -> None:
    signer = Attestation.with_secret(b"s" * 32, COVERED)
    tag = signer.tag("t", b"k", VALUE)
    assert tag is not None
    assert signer.attested("t", b"k", VALUE, [("other", b"x"), (HEADER, tag)])
    assert not signer.attested("t", b"k", VALUE, [(HEADER, b"forged" * 6), (HEADER, tag)])
    for bad in (b"", b"x", tag[:-1], tag + b"x", bytes(32)):
        assert not signer.attested("t", b"k", VALUE, [(HEADER, bad)])
    assert not signer.attested("t", b"k", VALUE, None)
    assert not signer.attested("t", b"k", VALUE, [])


class _Away(MemoryStore):
    """A store that refuses connections until told to come back."""

    def __init__(self) -> None:
        super().__init__()
        self.away = True
        self.asked = 0

    def lock(self, name: str, timeout_s: float = 30.0, wait_s: float | None = None) -> Any:
        self.asked += 1
        if self.away:
            raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        return super().lock(name, timeout_s, wait_s)


def test_with_the_store_away_nothing_is_attested_until_it_is_back(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    now = [1000.0]
    monkeypatch.setattr(module.time, "monotonic", lambda: now[0])
    store = _Away()
    signer = Attestation.kept_in(store, COVERED)
    assert signer.headers("events.v1", b"k", VALUE) == []  # published without: validated
    assert "validated by every consumer" in caplog.text
    assert not signer.verify("events.v1", b"k", VALUE, bytes(32))
    assert store.asked == 1  # not asked again for every record meanwhile
    store.away = False
    now[0] += module.RETRY_S - 1
    assert signer.secret() is None and store.asked == 1
    now[0] += 1
    headers = signer.headers("events.v1", b"k", VALUE)
    assert [name for name, _ in headers] == [HEADER] and store.asked == 2
    assert signer.attested("events.v1", b"k", VALUE, headers)


def test_records_on_topics_it_does_not_cover_are_neither_signed_nor_taken_as_attested() -> None:
    signer = Attestation.with_secret(b"s" * 32, ["events.v1"])
    tag = signer.tag("events.v1", b"k", VALUE)
    assert tag is not None
    # riskgate's own topics are trusted as they are: no header to write, none to check
    assert signer.headers("risk.judgements.v1", b"k", VALUE) == []
    assert not signer.attested("risk.judgements.v1", b"k", VALUE, [(HEADER, tag)])
    assert signer.attested("events.v1", b"k", VALUE, [(HEADER, tag)])
