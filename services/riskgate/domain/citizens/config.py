"""The thresholds councils run petitions and calls for action by, from a parsed `citizens.yaml`.

The domain never opens the file: a loader outside it (service_layer) reads it
through `adapters.rule_files` and hands over the document (mappings carry
their first line under `__line__`) with the file's lines, so that every error
names `citizens.yaml:LINE`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from riskgate.domain.citizens.terms import MATTERS
from riskgate.domain.rules import RuleError

CITIZENS_FILE = "citizens.yaml"
_BODY_CODE = re.compile(r"[EWSN]\d{8}")


@dataclass(frozen=True)
class CouncilSettings:
    """The parameters one council runs its petitions and calls for action by."""

    debate_threshold: int
    area_wide_threshold: int
    forums_for_area_case: int
    forum_window_days: int
    repeat_period_days: int
    cap_per_councillor_per_year: int | None
    statutory_appeal_matters: Mapping[str, str]
    crime_and_disorder_matters: tuple[str, ...]
    response_working_days: int
    publish_months: int
    partners_needed: int
    partner_window_months: int
    escalation_window_months: int
    escalation_on_site_days: int


# key -> (minimum, maximum or None); cap_per_councillor_per_year may also be null.
_INTEGERS: dict[str, tuple[int, int | None]] = {
    "debate_threshold": (1, None),
    "area_wide_threshold": (1, None),
    "forums_for_area_case": (1, None),
    "forum_window_days": (0, None),
    "repeat_period_days": (0, None),
    "cap_per_councillor_per_year": (1, None),
    "response_working_days": (1, None),
    "publish_months": (1, None),
    "partners_needed": (1, None),
    "partner_window_months": (1, None),
    "escalation_window_months": (1, None),
    "escalation_on_site_days": (1, 60),
}
_KEYS: tuple[str, ...] = (*_INTEGERS, "statutory_appeal_matters", "crime_and_disorder_matters")


@dataclass(frozen=True)
class CitizensConfig:
    """The defaults and each council's settings, with the file's content version."""

    version: str
    defaults: CouncilSettings
    councils: Mapping[str, CouncilSettings] = field(default_factory=dict)
    sources: Mapping[str, str] = field(default_factory=dict)  # key -> where its number comes from

    def for_council(self, code: str) -> CouncilSettings:
        """The settings for one council: its overrides merged over the defaults."""
        return self.councils.get(code, self.defaults)

    def unsourced(self) -> list[str]:
        """Every key whose source the file does not state (`riskgate rules lint` refuses it)."""
        return [k for k in _KEYS if k not in self.sources]


def parse_citizens_config(doc: Any, lines: Sequence[str], version: str) -> CitizensConfig:
    """Check a parsed `citizens.yaml`; RuleError names the line.

    `lines` is the file's text, for the line of a bad key.
    """
    if not isinstance(doc, dict):
        raise RuleError(f"{CITIZENS_FILE}:1: expected a mapping with `defaults` and `councils`")
    _unknown_keys(doc, ("defaults", "councils", "sources"), lines, "top level")
    raw_defaults = doc.get("defaults")
    if not isinstance(raw_defaults, dict):
        line = _key_line(lines, 1, "defaults")
        raise RuleError(f"{CITIZENS_FILE}:{line}: expected a `defaults:` mapping")
    _unknown_keys(raw_defaults, _KEYS, lines, "defaults")
    missing = [k for k in _KEYS if k not in raw_defaults]
    if missing:
        raise RuleError(
            f"{CITIZENS_FILE}:{raw_defaults['__line__']}: `defaults` is missing "
            f"{', '.join(missing)}"
        )
    base = {k: v for k, v in raw_defaults.items() if k != "__line__"}
    defaults = _settings(base, raw_defaults, lines)
    councils: dict[str, CouncilSettings] = {}
    raw_councils = doc.get("councils") or {}
    if not isinstance(raw_councils, dict):
        line = _key_line(lines, 1, "councils")
        raise RuleError(f"{CITIZENS_FILE}:{line}: expected a `councils:` mapping of body codes")
    for code, overrides in raw_councils.items():
        if code == "__line__":
            continue
        line = _key_line(lines, raw_councils["__line__"], str(code))
        if not isinstance(code, str) or not _BODY_CODE.fullmatch(code):
            raise RuleError(
                f"{CITIZENS_FILE}:{line}: {code!r} is not a council body code (e.g. E10000014)"
            )
        if not isinstance(overrides, dict):
            raise RuleError(f"{CITIZENS_FILE}:{line}: council {code} needs a mapping of overrides")
        _unknown_keys(overrides, _KEYS, lines, f"council {code}")
        merged = {**base, **{k: v for k, v in overrides.items() if k != "__line__"}}
        councils[code] = _settings(merged, overrides, lines)
    return CitizensConfig(version, defaults, councils, _sources(doc.get("sources"), lines))


def _sources(raw: Any, lines: Sequence[str]) -> dict[str, str]:
    """Where each key's number comes from, in words (`sources:`)."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        line = _key_line(lines, 1, "sources")
        raise RuleError(f"{CITIZENS_FILE}:{line}: expected a `sources:` mapping of key to source")
    _unknown_keys(raw, _KEYS, lines, "sources")
    found = {}
    for key, text in raw.items():
        if key == "__line__":
            continue
        if not isinstance(text, str) or not text.strip():
            line = _key_line(lines, raw["__line__"], str(key))
            raise RuleError(f"{CITIZENS_FILE}:{line}: sources: {key} needs its source in words")
        found[key] = " ".join(text.split())
    return found


def _key_line(lines: Sequence[str], start: int, key: str) -> int:
    """The line (1-based) of `key:` at or after line `start`, else `start`."""
    pattern = re.compile(rf"^\s*['\"]?{re.escape(key)}['\"]?\s*:")
    for number in range(max(start, 1), len(lines) + 1):
        if pattern.match(lines[number - 1]):
            return number
    return start


def _unknown_keys(raw: dict, allowed: Iterable[str], lines: Sequence[str], where: str) -> None:
    allowed = tuple(allowed)
    for key in raw:
        if key != "__line__" and key not in allowed:
            line = _key_line(lines, raw["__line__"], str(key))
            raise RuleError(
                f"{CITIZENS_FILE}:{line}: unknown key {key!r} in {where} "
                f"(one of {', '.join(allowed)})"
            )


def _settings(values: dict[str, Any], raw: dict, lines: Sequence[str]) -> CouncilSettings:
    """Check a complete set of values; `raw` (the mapping as written) gives line numbers."""

    def fail(key: str, message: str) -> RuleError:
        line = _key_line(lines, raw["__line__"], key) if key in raw else raw["__line__"]
        return RuleError(f"{CITIZENS_FILE}:{line}: {key}: {message}")

    numbers: dict[str, Any] = {}
    for key, (low, high) in _INTEGERS.items():
        value = values[key]
        if value is None and key == "cap_per_councillor_per_year":
            numbers[key] = None
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            raise fail(key, f"expected a whole number, got {value!r}")
        if value < low or (high is not None and value > high):
            bounds = f"at least {low}" if high is None else f"from {low} to {high}"
            raise fail(key, f"must be {bounds}, got {value}")
        numbers[key] = value
    if numbers["area_wide_threshold"] < numbers["debate_threshold"]:
        raise fail("area_wide_threshold", "must not be below debate_threshold")
    routes = _appeal_routes(values["statutory_appeal_matters"], fail)
    crime = values["crime_and_disorder_matters"]
    if not isinstance(crime, list) or not all(isinstance(m, str) for m in crime):
        raise fail("crime_and_disorder_matters", f"expected a list of matters, got {crime!r}")
    for matter in crime:
        if matter not in MATTERS or matter == "other":
            raise fail("crime_and_disorder_matters", f"unknown matter {matter!r}")
        if matter in routes:
            raise fail("crime_and_disorder_matters", f"{matter} also has a statutory appeal route")
    return CouncilSettings(
        statutory_appeal_matters=routes, crime_and_disorder_matters=tuple(crime), **numbers
    )


def _appeal_routes(appeal: Any, fail: Callable[[str, str], RuleError]) -> dict[str, str]:
    """Each matter with its own statutory appeal route, the route in normalised words."""
    if not isinstance(appeal, dict):
        raise fail("statutory_appeal_matters", "expected a mapping of matter to appeal route")
    routes: dict[str, str] = {}
    for matter, route in appeal.items():
        if matter == "__line__":
            continue
        if matter not in MATTERS or matter == "other":
            raise fail("statutory_appeal_matters", f"unknown matter {matter!r}")
        if not isinstance(route, str) or not route.strip():
            raise fail("statutory_appeal_matters", f"{matter} needs its appeal route in words")
        routes[matter] = " ".join(route.split())
    return routes
