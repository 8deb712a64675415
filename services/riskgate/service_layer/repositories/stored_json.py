"""The one text form repositories store documents in: compact JSON with sorted keys."""

from __future__ import annotations

import json
from typing import Any

_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"))


def dumps(doc: Any) -> str:
    """Compact JSON with sorted keys: equal documents are equal strings."""
    return _ENCODER.encode(doc)
