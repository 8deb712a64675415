"""Where the sample year's randomness and identities come from: one seeded stream per
purpose, and `uuid5` event ids of descriptive names, so the year regenerates byte for byte."""

from __future__ import annotations

import hashlib
import random
import uuid
from datetime import datetime

SAMPLE_YEAR = 2009
SAMPLE_SEED = 2009
SAMPLE_NAMESPACE = uuid.UUID("fcf1a247-9493-4bab-8e30-11ba54664822")

DATA_HUB = "data-hub"
OMBUDSMAN = "local-government-ombudsman"


def stream(year: int, seed: int, purpose: str) -> random.Random:
    """The random stream for one purpose: adding events of one kind never shifts another."""
    return random.Random(f"riskgate-sample:{year}:{seed}:{purpose}")


def sample_event_id(year: int, seed: int, name: str) -> str:
    """The event_id of a sample event: ``uuid5(SAMPLE_NAMESPACE, f"{year}:{seed}:{name}")``."""
    return str(uuid.uuid5(SAMPLE_NAMESPACE, f"{year}:{seed}:{name}"))


_NAMESPACE_SHA1 = hashlib.sha1(SAMPLE_NAMESPACE.bytes)


def event_id(year: int, seed: int, name: str) -> str:
    """The same value as `sample_event_id` (a test pins it), several times faster."""
    digest = _NAMESPACE_SHA1.copy()
    digest.update(f"{year}:{seed}:{name}".encode())
    raw = bytearray(digest.digest()[:16])
    raw[6] = (raw[6] & 0x0F) | 0x50  # version 5
    raw[8] = (raw[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def timestamp(moment: datetime) -> str:
    """A moment as the events carry it: ISO 8601 to the second, with its zone."""
    return moment.isoformat(timespec="seconds")
