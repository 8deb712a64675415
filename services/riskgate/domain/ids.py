"""Deterministic identifiers: the same inputs always give the same id,
so a message re-emitted after a crash is recognised downstream."""

from __future__ import annotations

import uuid

NAMESPACE = uuid.UUID("6f1c9b62-5d0e-4a43-9a55-8d0f3c2b7a10")


def derived_id(*parts: object) -> str:
    """A UUID5 over the parts, joined with `|`."""
    return str(uuid.uuid5(NAMESPACE, "|".join(str(p) for p in parts)))
