"""Compact JSON with sorted keys, and JSON reading, at orjson's speed with the json module's
bytes and decisions.

`dumps(doc)` is `json.JSONEncoder(sort_keys=True, separators=(",", ":")).encode(doc)` and
`loads(text)` is `json.loads(text)`, exactly: the same text, the same value, the same
refusals with the json module's own exceptions and messages. orjson does the work whenever
its answer is known to be the json module's; everything else goes to the json module itself.

Writing, orjson's bytes are taken only when none of these holds (each found by what
orjson wrote, or by orjson refusing):

- orjson refuses the document (a key that is not a string, an integer beyond 64 bits, a lone
  surrogate, a subclass of str/int/float/dict/list/tuple, a date or time, a dataclass,
  nesting beyond its limit of 255, a cycle, a type neither knows): json then writes it, or
  raises its own error;
- a byte outside printable ASCII (orjson writes UTF-8 and DEL as they are; json escapes
  every character outside space to `~` as `\\uXXXX`);
- `null` anywhere: orjson writes NaN and the infinities as `null` where json writes
  `NaN`/`Infinity`; telling them from None would cost a walk, so json writes it (a `null`
  inside a string falls back too, needlessly but safely);
- `0.0000`: orjson writes floats of exponent -5 in fixed notation (`0.00001`), json as
  `1e-05` (a `0.0000` elsewhere, `10.00001` or inside a string, falls back needlessly);
- a digit, `e-`, one digit and then `,`, `]`, `}` or the end: orjson writes exponents -6
  to -9 with one digit (`1e-7`), json with two (`1e-07`).

Every other float orjson writes as `float.__repr__` does (the same shortest digits, fixed
notation from 1e-4 to below 1e16, `e+16` and `e-10` beyond), which an import-time check
confirms for the installed orjson: if any probe differs in a way the rules above do not
catch, `dumps` is the json module's alone. Not covered: an `enum.Enum` member whose class
mixes in no JSON type, a `uuid.UUID` and an `orjson.Fragment`, which json refuses and orjson
writes; riskgate's documents hold none (its ids are strings).

Reading, json.loads decides alone when the text is neither str nor bytes, is a str holding a
lone surrogate (orjson cannot take it), holds a run of 19 or more digits (orjson reads
integers beyond 64 bits as floats; json as ints), or could nest more than `_FAST_OPENS`
deep (json raises RecursionError near the recursion limit, orjson only past 1024). Otherwise
orjson reads it, and anything orjson refuses (NaN, Infinity, escaped lone surrogates,
numbers beyond float range, a BOM, bad JSON) is read or refused by json.loads.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

_ENCODE = json.JSONEncoder(sort_keys=True, separators=(",", ":")).encode
_ORJSON_DUMPS = orjson.dumps
_ORJSON_LOADS = orjson.loads
# Subclasses, dates and dataclasses are handed to `default`, which there is none of: orjson
# refuses them and json writes them (or refuses them) its own way.
_OPTIONS = (
    orjson.OPT_SORT_KEYS
    | orjson.OPT_PASSTHROUGH_SUBCLASS
    | orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_DATACLASS
)
# A number ends at `,` `]` `}` or the end of compact JSON: "e-" and one digit there is an
# exponent orjson wrote short if a digit comes before it (in a string, a needless fallback).
_SHORT_EXPONENT = re.compile(rb"e-[0-9](?=[,\]}]|\Z)")
_DIGITS_TO_ZERO = bytes.maketrans(b"0123456789", b"0000000000")
_LONG_DIGIT_RUN = b"0" * 19  # 10**18 and beyond: where orjson's integers end
_FAST_OPENS = 100  # `[` and `{` a text orjson may read; past that, json.loads decides


def _orjson_bytes(doc: Any) -> bytes | None:
    """orjson's compact sorted JSON of `doc` if it is byte for byte json's, else None."""
    try:
        out = _ORJSON_DUMPS(doc, option=_OPTIONS)
    except Exception:  # noqa: BLE001 - json writes it, or raises its own error
        return None
    if (
        not out.isascii()
        or out.find(b"\x7f") >= 0
        or out.find(b"null") >= 0
        or out.find(b"0.0000") >= 0
    ):
        return None
    if out.find(b"e-") >= 0:
        found = _SHORT_EXPONENT.search(out)
        while found is not None:
            start = found.start()
            if start and out[start - 1] in b"0123456789":
                return None
            found = _SHORT_EXPONENT.search(out, found.end())
    return out


def _probes() -> list[Any]:
    """Floats of every decimal exponent, with short and long digits, and every ASCII
    character: what `_calibrated` compares."""
    floats: list[Any] = [0.0, -0.0, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308]
    floats += [-1e-5, -1.5e-7, -0.0001, -1e16, -123456.789, -1.2345678901234567e-300]
    for exponent in range(-324, 309):  # a sign only adds a "-", in either
        floats += [float(f"{digits}e{exponent}") for digits in ("1", "1.5", "9.999999999999998")]
    text = [chr(c) for c in range(128)]
    return [*floats, *text, {"".join(text): [1.5e-7, 1e16, {"k": 0.0001}]}]


def _calibrated() -> bool:
    """Whether the installed orjson writes every probe as json does wherever
    `_orjson_bytes` takes its bytes."""
    for doc in _probes():
        out = _orjson_bytes(doc)
        if out is not None and out != _ENCODE(doc).encode("ascii"):
            return False
    return True


_FAST_DUMPS = _calibrated()


def dumps(doc: Any) -> str:
    """`json.JSONEncoder(sort_keys=True, separators=(",", ":")).encode(doc)`: compact JSON
    with sorted keys, ASCII only; equal documents are equal strings."""
    out = _orjson_bytes(doc) if _FAST_DUMPS else None
    return _ENCODE(doc) if out is None else out.decode("ascii")


def dumps_bytes(doc: Any) -> bytes:
    """`dumps(doc).encode()`, without making the string when orjson's bytes are the same."""
    out = _orjson_bytes(doc) if _FAST_DUMPS else None
    return _ENCODE(doc).encode("ascii") if out is None else out


def loads(text: str | bytes) -> Any:
    """`json.loads(text)`: the same value, and what it refuses refused with its own error."""
    if isinstance(text, str):
        try:
            data = str.encode(text)
        except UnicodeEncodeError:  # a lone surrogate, which only json reads
            return json.loads(text)
    elif isinstance(text, bytes):
        data = text
    else:  # bytearray, or what json.loads refuses with its own TypeError
        return json.loads(text)
    if data.translate(_DIGITS_TO_ZERO).find(_LONG_DIGIT_RUN) >= 0:
        return json.loads(text)
    if len(data) > 2 * _FAST_OPENS and data.count(b"[") + data.count(b"{") > _FAST_OPENS:
        return json.loads(text)
    try:
        return _ORJSON_LOADS(data)
    except Exception:  # noqa: BLE001 - json.loads reads it, or refuses it its own way
        return json.loads(text)
