"""The one text form repositories store documents in: compact JSON with sorted keys."""

from __future__ import annotations

import json
from typing import Any

_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"))
_DECODE = json.JSONDecoder().raw_decode


def dumps(doc: Any) -> str:
    """Compact JSON with sorted keys: equal documents are equal strings."""
    return _ENCODER.encode(doc)


def loads(text: str) -> Any:
    """`json.loads(text)`, in half its time for the texts `dumps` writes (no whitespace around
    the document to look for); anything else is read by `json.loads` itself, so that what it
    would refuse is refused alike."""
    try:
        doc, end = _DECODE(text)
    except (ValueError, TypeError):
        return json.loads(text)
    return doc if end == len(text) else json.loads(text)
