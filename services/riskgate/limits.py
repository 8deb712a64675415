"""Every size riskgate accepts, in one place, and the checks that enforce them.

Hostile input is normal input: a request body, an event, a string field and a
JSON document's nesting are all bounded before anything else looks at them,
and every check here runs in time linear in its input.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from riskgate import compact_json

MAX_BODY_BYTES = 1_048_576  # RISKGATE_MAX_BODY_BYTES: one HTTP request body (a local setting)
MAX_EVENTS_PER_POST = 1_000  # events in one POST /v1/events list (a local setting)
MAX_EVENT_BYTES = 262_144  # one event, encoded, on the bus or in a list (a local setting)
MAX_DEPTH = 32  # arrays and objects nested inside one another (a local setting)
MAX_TEXT = 2_000  # the longest free-text field the contract allows
MAX_DEAD_LETTER_VALUE = 65_536  # bytes of a bad record copied into its dead letter
MAX_DEAD_LETTER_REASON = 2_000  # characters of the reason a dead letter gives
MAX_KEY_BYTES = 256  # a record key on the bus (area and body codes are 9 characters)
# The largest message riskgate's producer sends: the broker's usual limit, and far
# above the largest dead letter (its copied value, reason and key at their bounds).
MAX_MESSAGE_BYTES = 1_048_576


class LimitExceeded(ValueError):
    """A document breaks a bound; `field` names where and the message says which bound."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def depth_of(text: str | bytes, limit: int = MAX_DEPTH) -> int:
    """How deeply JSON `text` nests, stopping as soon as it passes `limit`.

    A linear scan that skips strings, so it runs before `json.loads` can recurse.
    """
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    depth = deepest = 0
    in_string = escaped = False
    for byte in data:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    return deepest
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return deepest


def deeper_than(text: str | bytes, limit: int = MAX_DEPTH) -> bool:
    """Whether JSON `text` nests deeper than `limit`.

    Nesting can be no deeper than the number of `[` and `{` in the text, which `count` finds
    at C speed; only a text with more of them than `limit` is walked by `depth_of`."""
    if isinstance(text, str):
        opens = text.count("[") + text.count("{")
    else:
        opens = text.count(b"[") + text.count(b"{")
    return opens > limit and depth_of(text, limit) > limit


# A JSON escape that decodes to a UTF-16 surrogate (U+D800 to U+DFFF): the only way a text
# that is itself valid Unicode can yield a lone surrogate once parsed.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def loads_bounded(
    text: str | bytes,
    field: str = "body",
    max_depth: int = MAX_DEPTH,
    *,
    depth_checked: bool = False,
) -> Any:
    """Parse JSON no deeper than `max_depth`, refusing text that is not valid Unicode.

    Raises LimitExceeded (a ValueError naming the field) for depth and bad text, and
    json.JSONDecodeError (a ValueError) for bad JSON, so a caller can answer 400 naming it.
    `depth_checked`: the caller has already refused text deeper than `max_depth`.
    """
    if not depth_checked and deeper_than(text, max_depth):
        raise LimitExceeded(field, f"nested deeper than {max_depth} levels")
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise LimitExceeded(
                field, f"not UTF-8 text ({exc.reason} at byte {exc.start})"
            ) from None
    value = compact_json.loads(text)  # json.loads: the same value, the same errors
    if _SURROGATE_ESCAPE.search(text) is None and _encodable(text):
        return value  # no surrogate in the text and none escaped in it: nothing to look for
    bad = first_invalid_text(value)
    if bad is not None:
        raise LimitExceeded(bad, "not valid Unicode text (a lone surrogate)")
    return value


def first_invalid_text(value: Any, path: str = "") -> str | None:
    """The path of the first string (key or value) holding a lone surrogate, or None."""
    stack: list[tuple[str, Any]] = [(path, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            if not _encodable(item):
                return where or "body"
        elif isinstance(item, dict):
            for key, child in item.items():
                child_path = f"{where}.{key}" if where else str(key)
                if isinstance(key, str) and not _encodable(key):
                    return where or "body"
                stack.append((child_path, child))
        elif isinstance(item, list):
            stack.extend((f"{where}[{i}]", child) for i, child in enumerate(item))
    return None


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def digest(data: bytes) -> str:
    """A content digest for a value too large or too dangerous to copy."""
    return "sha256:" + hashlib.sha256(data).hexdigest()
