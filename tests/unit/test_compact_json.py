"""riskgate.compact_json against the json module it stands in for: `dumps` writes what
`json.JSONEncoder(sort_keys=True, separators=(",", ":")).encode` writes and `loads` reads what
`json.loads` reads, and both refuse what json refuses with json's own exception and message,
over many seeded random documents and texts, hostile ones among them."""

from __future__ import annotations

import collections
import dataclasses
import datetime
import json
import math
import random
import struct
import sys
from typing import Any

import orjson
import pytest

from riskgate import compact_json
from riskgate.adapters.bus import encode
from riskgate.compact_json import dumps, dumps_bytes, loads

_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"))


def reference_dumps(doc: Any) -> str:
    """json's answer, called one frame deep as `dumps` calls it (same recursion headroom)."""
    return _ENCODER.encode(doc)


def reference_loads(text: Any) -> Any:
    """json.loads, one frame deep as `loads` calls it."""
    return json.loads(text)


def outcome(call: Any, arg: Any) -> tuple[str, str]:
    """What a call gives: ("ok", an exact rendering of the value) or the exception's type
    and message. `repr` tells 1 from 1.0 from True, -0.0 from 0.0, and shows key order."""
    try:
        value = call(arg)
    except Exception as exc:  # noqa: BLE001 - the exception is what is compared
        return type(exc).__name__, str(exc)
    return "ok", repr(value)


def assert_dumps_as_json(doc: Any) -> None:
    expected = outcome(reference_dumps, doc)
    # orjson's bytes, where the rules take them, are json's (whatever the import check said)
    fast = compact_json._orjson_bytes(doc)
    if fast is not None:
        assert expected[0] == "ok"
        assert fast == reference_dumps(doc).encode()
    assert outcome(dumps, doc) == expected
    as_bytes = outcome(dumps_bytes, doc)
    if expected[0] == "ok":
        assert as_bytes == ("ok", repr(reference_dumps(doc).encode()))
    else:
        assert as_bytes == expected


def assert_loads_as_json(text: Any) -> None:
    assert outcome(loads, text) == outcome(reference_loads, text)


# ---- generated documents ------------------------------------------------------------------

SPECIAL_FLOATS = [
    0.0,
    -0.0,
    1.0,
    -1.0,
    0.1,
    0.5,
    45.06,
    1e-05,
    1.5e-05,
    1e-06,
    1e-07,
    1.5e-07,
    1e-08,
    1e-09,
    1e-10,
    0.0001,
    0.00015,
    0.001,
    1e15,
    1e16,
    1.5e16,
    1e17,
    1e21,
    1e22,
    1e100,
    5e-324,
    2.2250738585072014e-308,
    2.225073858507201e-308,
    1.7976931348623157e308,
    123456789012345678.0,
    1234567890123456.7,
    9007199254740993.0,
    10.00001,
    0.30000000000000004,
]
NON_FINITE = [math.nan, math.inf, -math.inf]
SPECIAL_INTS = [
    0,
    1,
    -1,
    2**31,
    2**53 + 1,
    2**63 - 1,
    2**63,
    -(2**63),
    -(2**63) - 1,
    2**64 - 1,
    2**64,
    -(2**64),
    2**64 + 1,
    10**18,
    10**19,
    -(10**19),
    10**30,
    -(10**40),
    7**200,
]
TRAPS = ["null", "NaN", "0.0000", "1e-7", "e-5", "2e-3,", "1e-07", "\\u00e9", '"', "\\", "/"]


class Text(str):
    pass


class Number(int):
    pass


class Real(float):
    pass


class Mapping(dict):
    pass


class Sequence(list):
    pass


class Rewritten(dict):
    """A mapping whose items are not its storage: json asks `items()`, orjson would not."""

    def items(self) -> Any:
        return [("rewritten", 1)]


@dataclasses.dataclass
class Record:
    a: int


def random_float(rng: random.Random, non_finite: bool) -> float:
    pick = rng.random()
    if pick < 0.3:
        return rng.choice(SPECIAL_FLOATS) * rng.choice((1, -1))
    if pick < 0.55:
        value = struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0]
        if math.isfinite(value) or non_finite:
            return float(value)
        return 0.5
    if pick < 0.85:
        digits = rng.randint(1, 10 ** rng.randint(1, 17))
        return float(f"{digits}e{rng.randint(-330, 310)}") if rng.random() < 0.5 else 1.0
    if non_finite and pick < 0.9:
        return rng.choice(NON_FINITE)
    return round(rng.uniform(-1000, 1000), rng.randint(0, 6))


def random_char(rng: random.Random, surrogates: bool) -> str:
    pick = rng.random()
    if pick < 0.55:
        return chr(rng.randint(0x20, 0x7E))
    if pick < 0.65:
        return chr(rng.choice([*range(0x20), 0x7F]))
    if pick < 0.75:
        return chr(rng.randint(0x80, 0x7FF))
    if pick < 0.85:
        return chr(rng.choice([rng.randint(0x800, 0xD7FF), rng.randint(0xE000, 0xFFFF)]))
    if pick < 0.95 or not surrogates:
        return chr(rng.randint(0x10000, 0x10FFFF))
    return chr(rng.randint(0xD800, 0xDFFF))


def random_text(rng: random.Random, surrogates: bool, ascii_only: bool = False) -> str:
    if rng.random() < 0.15:
        return rng.choice(TRAPS)
    if rng.random() < 0.02:
        return "x" * rng.randint(1_000, 20_000) + "\u00e9" * rng.randint(0, 1)
    size = rng.choice((0, 1, 2, 5, 12, 40))
    if ascii_only:
        return "".join(chr(rng.randint(0x20, 0x7E)) for _ in range(size))
    return "".join(random_char(rng, surrogates) for _ in range(size))


def random_scalar(rng: random.Random, hostile: bool) -> Any:
    pick = rng.random()
    if pick < 0.3:
        return random_text(rng, surrogates=hostile, ascii_only=rng.random() < 0.5)
    if pick < 0.5:
        return random_float(rng, non_finite=hostile)
    if pick < 0.65:
        return rng.choice(SPECIAL_INTS) if rng.random() < 0.5 else rng.randint(-(10**9), 10**9)
    if pick < 0.8:
        return rng.choice((None, True, False))
    if hostile and pick < 0.9:
        return rng.choice((Text("sub"), Number(7), Real(1.5), True, Number(2**70)))
    return rng.randint(0, 100)


def random_key(rng: random.Random, hostile: bool) -> Any:
    if hostile and rng.random() < 0.08:
        return rng.choice((1, -5, 2.5, True, False, None, 2**70, math.nan, Text("k")))
    return random_text(rng, surrogates=hostile, ascii_only=rng.random() < 0.7)


def random_doc(rng: random.Random, depth: int = 0, hostile: bool = False) -> Any:
    if depth > 5 or rng.random() < 0.3:
        return random_scalar(rng, hostile)
    size = rng.choice((0, 1, 2, 3, 6))
    pick = rng.random()
    if pick < 0.45:
        doc: Any = {
            random_key(rng, hostile): random_doc(rng, depth + 1, hostile) for _ in range(size)
        }
        if hostile and rng.random() < 0.1:
            return rng.choice((Mapping, collections.OrderedDict))(doc)
        return doc
    items = [random_doc(rng, depth + 1, hostile) for _ in range(size)]
    if pick < 0.6:
        return tuple(items)
    if hostile and pick < 0.65:
        return Sequence(items)
    return items


def nested(depth: int, leaf: Any = 0) -> Any:
    doc = leaf
    for level in range(depth):
        doc = [doc] if level % 2 else {"k": doc}
    return doc


# ---- dumps ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "doc",
    [
        *SPECIAL_FLOATS,
        *[-f for f in SPECIAL_FLOATS],
        *NON_FINITE,
        *SPECIAL_INTS,
        *TRAPS,
        "\u00e9",
        "\U0001f600",
        "\ud800",
        "\udc00\ud800",
        "\x7f",
        "".join(map(chr, range(128))),
        [],
        {},
        (),
        (1, (2, [3])),
        {"b": 1, "a": [None, True, 1.5e-7]},
        {1: "a", 2: "b"},
        {"a": 1, 2: "b"},
        {True: 1, None: 2, 1.5: 3},
        {"\U0001f600": 1, "\uffff": 2, "z": 3, "\u00e9": 4},
        Text("s"),
        Number(5),
        Real(2.5),
        Mapping(b=1, a=2),
        Sequence([1]),
        collections.OrderedDict(b=1, a=2),
        Rewritten(a=2),
        {"a": Rewritten(b=1)},
        datetime.date(2009, 4, 1),
        {"at": datetime.datetime(2009, 4, 1, 9, 0)},
        [datetime.time(9, 0)],
        Record(1),
        {"v": math.nan},
        [math.inf, None],
        object(),
        {"a": object()},
        nested(254),
        nested(300),
        "x" * 100_000,
    ],
    ids=repr,
)
def test_dumps_writes_what_json_writes(doc: Any) -> None:
    assert_dumps_as_json(doc)


def test_dumps_refuses_a_cycle_as_json_does() -> None:
    loop: list[Any] = []
    loop.append(loop)
    assert_dumps_as_json(loop)
    assert_dumps_as_json({"a": loop})


@pytest.mark.parametrize("seed", range(8))
def test_dumps_of_plain_generated_documents_is_json(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(1_000):
        assert_dumps_as_json(random_doc(rng))


@pytest.mark.parametrize("seed", range(8))
def test_dumps_of_hostile_generated_documents_is_json(seed: int) -> None:
    rng = random.Random(1_000 + seed)
    for _ in range(1_000):
        assert_dumps_as_json(random_doc(rng, hostile=True))


def test_dumps_of_every_float_shape_is_json() -> None:
    rng = random.Random(7)
    floats = [float(f"{m}e{e}") for e in range(-330, 310) for m in ("1", "2.5", "9.87654321")]
    floats += [
        struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0] for _ in range(50_000)
    ]
    for value in floats:
        assert dumps(value) == reference_dumps(value)
        fast = compact_json._orjson_bytes(value)
        assert fast is None or fast == reference_dumps(value).encode()
    assert dumps(floats) == reference_dumps(floats)


@pytest.mark.parametrize("depth", [900, 990, 995, 1000, 1010, 5_000])
def test_dumps_near_the_recursion_limit_is_json(depth: int) -> None:
    assert_dumps_as_json(nested(depth))


def test_the_bus_encodes_as_json_dumps_did() -> None:
    rng = random.Random(3)
    for _ in range(2_000):
        doc = {"payload": random_doc(rng), "type": random_text(rng, surrogates=True)}
        assert encode(doc) == json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()


def test_orjson_writes_the_usual_documents() -> None:
    """The point of the module: riskgate's stored facts and events take orjson's bytes."""
    assert compact_json._FAST_DUMPS
    fact = {"value": 45.06, "event_id": "e0aaff2e-0593-576f-802a-39cac80686d9"}
    event = {
        "event_id": "0b5e7f1c-2c1d-5a3e-9f0e-1d2c3b4a5f60",  # "3e-9" is no exponent
        "type": "indicator.reported",
        "payload": {"value": 12, "period": "2009-04", "small": 1e-10},
    }
    for doc in (fact, event, [1, 2.5, "x"], {"a": {"b": [True, False, 0.0001, 1e16]}}):
        assert compact_json._orjson_bytes(doc) == reference_dumps(doc).encode()


def test_the_import_check_refuses_an_orjson_that_writes_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Were a float written otherwise than the rules expect (as orjson's own bytes, unchecked,
    are), `_calibrated` would say so and `dumps` would be json's alone."""
    assert compact_json._calibrated()

    def unchecked(doc: Any) -> bytes | None:
        try:
            return orjson.dumps(doc, option=orjson.OPT_SORT_KEYS)
        except TypeError:
            return None

    monkeypatch.setattr(compact_json, "_orjson_bytes", unchecked)
    assert not compact_json._calibrated()


# ---- loads ----------------------------------------------------------------------------------

BAD_TEXTS = [
    "",
    " ",
    "{",
    "}",
    "[1,]",
    "[1 2]",
    '{"a" 1}',
    '{"a":1,}',
    "01",
    "-01",
    "1.",
    ".5",
    "+1",
    "-",
    "1e",
    "1e+",
    "--1",
    "0x10",
    "nul",
    "tru",
    "True",
    "None",
    "nan",
    "inf",
    "NaN",
    "Infinity",
    "-Infinity",
    "[NaN, Infinity, -Infinity]",
    '{"a": NaN}',
    "1e400",
    "-1e400",
    "1.7976931348623159e308",
    "1e-400",
    '"\\x"',
    '"\\u12"',
    '"\\u12g4"',
    '"\\ud800"',
    '"\\udc00\\ud800"',
    '"\\ud83d\\ude00"',
    '"\\ud83d"',
    '["\\ud800", 1]',
    '{"\\udfff": 1}',
    '"\t"',
    '"\x00"',
    '"\x1f"',
    '"\x7f"',
    "\ufeff{}",
    '"a',
    '"a\\',
    "[1]]",
    "{} {}",
    "1 2",
    '{"a": 1} x',
    "\x0c1",
    "1\x0b",
    "  1  ",
    "\n[\r\n1\t]\n",
    '{"a":1,"a":2}',
    '{"b":1,"a":2,"b":3}',
    "-0",
    "-0.0",
    "0e0",
    "1E5",
    "1.0e+01",
    '"\\/"',
    '"\\u00E9"',
    "18446744073709551615",
    "18446744073709551616",
    "-9223372036854775808",
    "-9223372036854775809",
    "123456789012345678",
    "1234567890123456789",
    "[1e18, 1e19]",
    '"1234567890123456789012"',
    "0.1234567890123456789",
    "2.2250738585072011e-308",
    "4.9e-324",
    "2e-324",
    '{"a":[1,{"b":null}]}',
    "\u00e9",
    '"\u00e9\U0001f600"',
    '"\ud800"',
    "[" * 50,
    "]" * 5,
]
BAD_BYTES = [
    b"",
    b"\xff",
    b'"\xff"',
    b"\xef\xbb\xbf{}",
    b"\xef\xbb\xbf",
    b'"\xed\xa0\x80"',
    b'"\xc3"',
    b'"\xc3\xa9"',
    b"1\x00",
    b"\x001",
    "[1]".encode("utf-16"),
    "[1]".encode("utf-16-le"),
    "[1]".encode("utf-32"),
    '{"a": "\u00e9"}'.encode("utf-16-be"),
    b'{"a": 1}',
    b" [1] ",
    b"\x80",
    b'"\xf4\x90\x80\x80"',
    b"123456789012345678901",
]


@pytest.mark.parametrize("text", [*BAD_TEXTS, *BAD_BYTES], ids=repr)
def test_loads_reads_and_refuses_as_json_loads(text: Any) -> None:
    assert_loads_as_json(text)


@pytest.mark.parametrize(
    "text", [bytearray(b"[1]"), memoryview(b"[1]"), 1, None, ["[1]"]], ids=repr
)
def test_loads_of_what_is_not_text_is_json_loads(text: Any) -> None:
    assert_loads_as_json(text)


@pytest.mark.parametrize("depth", [99, 100, 101, 500, 900, 990, 995, 1000, 1010, 1024, 1025, 3000])
def test_loads_near_the_recursion_limit_is_json_loads(depth: int) -> None:
    mixed = '{"k":[' * (depth // 2) + "0" + "]}" * (depth // 2)
    for text in ("[" * depth + "]" * depth, "[" * depth, mixed):
        assert_loads_as_json(text)
        assert_loads_as_json(text.encode())


def mutations(rng: random.Random, text: str) -> list[str]:
    cut = rng.randint(0, len(text))
    junk = rng.choice(["x", "}", "]", ",", " ", "NaN", "\x00", "\\", '"', "\ud800", "9" * 20])
    return [
        text,
        text[:cut],
        text[:cut] + junk + text[cut:],
        text[:cut] + text[cut + 1 :],
        text + junk,
        " \n" + text + "\t",
    ]


@pytest.mark.parametrize("seed", range(8))
def test_loads_of_generated_texts_is_json_loads(seed: int) -> None:
    rng = random.Random(2_000 + seed)
    for _ in range(400):
        doc = random_doc(rng, hostile=rng.random() < 0.5)
        try:
            text = json.dumps(
                doc,
                ensure_ascii=rng.random() < 0.5,
                separators=rng.choice([(",", ":"), (", ", ": "), (" , ", " : ")]),
                indent=rng.choice([None, None, 2]),
            )
        except (TypeError, ValueError, RecursionError):
            continue
        for variant in mutations(rng, text):
            assert_loads_as_json(variant)
            try:
                data = variant.encode(rng.choice(["utf-8", "utf-8", "utf-16", "utf-32"]))
            except UnicodeEncodeError:
                data = variant.encode("utf-8", "surrogatepass")
            assert_loads_as_json(data)


def test_loads_of_generated_numbers_is_json_loads() -> None:
    rng = random.Random(11)
    for _ in range(20_000):
        sign = rng.choice(["", "-", "+"]) if rng.random() < 0.2 else rng.choice(["", "-"])
        integer = str(rng.randint(0, 10 ** rng.randint(0, 25)))
        if rng.random() < 0.05:
            integer = "0" + integer
        fraction = "." + str(rng.randint(0, 10 ** rng.randint(0, 20))) if rng.random() < 0.5 else ""
        exponent = ""
        if rng.random() < 0.5:
            exponent = rng.choice("eE") + rng.choice(["", "+", "-"]) + str(rng.randint(0, 400))
        number = sign + integer + fraction + exponent
        assert_loads_as_json(number)
        assert_loads_as_json(f'{{"n":[{number}]}}')
    for value in (
        struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0] for _ in range(20_000)
    ):
        assert_loads_as_json(repr(value))


def test_the_stored_form_round_trips_through_orjson() -> None:
    """What riskgate stores reads back through orjson (no fallback) as json reads it."""
    rng = random.Random(5)
    for _ in range(2_000):
        doc = random_doc(rng)
        text = dumps(doc)
        assert outcome(loads, text) == outcome(reference_loads, text)
    assert loads('{"value":45.06,"event_id":"e1"}') == {"value": 45.06, "event_id": "e1"}


def test_the_depth_guard_leaves_room_below_the_recursion_limit() -> None:
    """Texts orjson reads nest at most `_FAST_OPENS` deep, far inside json's limit."""
    assert sys.getrecursionlimit() > compact_json._FAST_OPENS * 5
