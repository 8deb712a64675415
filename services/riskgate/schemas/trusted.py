"""The envelope check for messages riskgate wrote itself.

An event is validated once, where it enters (ingest, an event file, a consumer reading a
topic that integrators produce to). A topic only riskgate writes, and the embedded log,
carry events that passed that validation, so their readers trust the contract and check
only the envelope's shape: enough that a damaged record is dead-lettered with a reason
rather than handled.
"""

from __future__ import annotations

from typing import Any

from riskgate.schemas.fields import ALL_TYPES, NOT_AN_OBJECT

_TEXT_FIELDS = ("event_id", "type", "occurred_at", "source", "body")
_KNOWN_TYPES = frozenset(ALL_TYPES)


def check_envelope(raw: object) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """``(event, {})`` when `raw` has the envelope's shape, else ``(None, errors)``: the same
    one error shape as ``validate_event``, each field with its reason."""
    if not isinstance(raw, dict):
        return None, {"_schema": [NOT_AN_OBJECT]}
    errors: dict[str, Any] = {}
    for name in _TEXT_FIELDS:
        if not isinstance(raw.get(name), str) or not raw[name]:
            errors[name] = (
                ["Missing data for required field."] if name not in raw else ["Not a valid string."]
            )
    if "type" not in errors and raw["type"] not in _KNOWN_TYPES:
        errors["type"] = [f"unknown event type '{raw['type']}'"]
    if not isinstance(raw.get("payload"), dict):
        errors["payload"] = ["Not a valid mapping type."]
    return (None, errors) if errors else (raw, {})
