"""The one text form repositories store documents in: compact JSON with sorted keys.

`dumps` is `json.JSONEncoder(sort_keys=True, separators=(",", ":")).encode` and `loads` is
`json.loads`, byte for byte and decision for decision, both at orjson's speed where its
answer is the json module's (riskgate.compact_json says when)."""

from __future__ import annotations

from riskgate.compact_json import dumps, loads

__all__ = ["dumps", "loads"]
