"""The gatekeeper's policies: their kinds, their parameters, and the parse of `policies.yaml`.

Policies are data (`rules/policies.yaml`): each has an id, a plain-words
rationale and parameters, and a kind. The kinds run in one fixed order,
`KINDS`; the file must list them in that order (a kind may be left out, but
`approve` must be there and last):

1. gates, the first that decides wins: `scope`, `programme`, `autonomy`
   (reject), `merge` (into an open inspection on the same theme), `joint`
   (join another inspectorate's open inspection of the body);
2. placement: `notice`, `blackout`, `cap`, `rest` decide the earliest on-site
   start that fits, `urgent` lets safeguarding and fraud concerns bypass `cap`
   and `rest`, and `approve` approves a start inside the requested window or
   defers the request to the earliest start that fits.

The file is read outside the domain (`adapters/policy_file.py`); `parse_policies`
receives the parsed document, with line numbers under `__line__`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from riskgate.domain.inspection import as_date
from riskgate.domain.rules import POLICY_FILE, RuleError
from riskgate.domain.vocabulary import (
    CONCERNS,
    INSPECTORATES,
    PROGRAMME_GROUNDS,
    REQUEST_ORIGINS,
    SUBJECTS,
    THEMES,
)

# The fixed order the policy kinds run in.
KINDS: tuple[str, ...] = (
    "scope",
    "programme",
    "autonomy",
    "peer_review",
    "merge",
    "joint",
    "notice",
    "blackout",
    "cap",
    "rest",
    "urgent",
    "approve",
)
GATE_KINDS: tuple[str, ...] = ("scope", "programme", "autonomy", "peer_review", "merge", "joint")
PLACEMENT_KINDS: tuple[str, ...] = ("notice", "blackout", "cap", "rest")
BYPASSABLE_KINDS: tuple[str, ...] = ("cap", "rest")

ORIGINS = REQUEST_ORIGINS


@dataclass(frozen=True)
class Policy:
    """One policy from the file: its id, kind, plain-words rationale and checked parameters."""

    id: str
    kind: str
    rationale: str
    parameters: Mapping[str, Any] = field(default_factory=dict)
    sources: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Triage:
    """How risk-triggered requests wait for their inspectorate (`policies.yaml`, `triage`).

    Requests of `origins` wait on the owning inspectorate's triage list unless they raise one
    of `straight_through_concerns`; one still waiting `auto_confirm_working_days` after it
    arrived is confirmed automatically. `sources` says where each number comes from.
    """

    origins: tuple[str, ...]
    auto_confirm_working_days: int
    straight_through_concerns: tuple[str, ...]
    sources: Mapping[str, str] = field(default_factory=dict)

    def holds(self, request: Mapping[str, Any]) -> bool:
        """Whether this request waits for its inspectorate's triage."""
        return (
            request.get("origin") in self.origins
            and request.get("concern") not in self.straight_through_concerns
        )


@dataclass(frozen=True)
class PolicySet:
    """The policies in the fixed order of their kinds, the triage settings (None: every request
    goes straight to the gatekeeper) and the file's content version."""

    version: str
    policies: tuple[Policy, ...]
    triage: Triage | None = None

    def of_kind(self, kind: str) -> Policy | None:
        """The policy of this kind, or None if the file leaves the kind out."""
        return next((p for p in self.policies if p.kind == kind), None)


class _ParamError(ValueError):
    def __init__(self, message: str, line: Any = None) -> None:
        super().__init__(message)
        self.line = line


def _strip(value: Any) -> Any:
    """The value without the loader's `__line__` keys, at any depth."""
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k != "__line__"}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def _int(low: int, high: int | None = None) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _ParamError(f"must be a whole number, not {value!r}")
        if value < low or (high is not None and value > high):
            bounds = f"from {low} to {high}" if high is not None else f"at least {low}"
            raise _ParamError(f"must be {bounds}, not {value}")
        return value

    return check


def _names(allowed: Sequence[str] | None = None, *, empty: bool = False) -> Callable[[Any], Any]:
    def check(value: Any) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise _ParamError(f"must be a list of names, not {_strip(value)!r}")
        if not value and not empty:
            raise _ParamError("must not be empty")
        if allowed is not None:
            unknown = [v for v in value if v not in allowed]
            if unknown:
                raise _ParamError(
                    f"has unknown value(s) {', '.join(unknown)} (one of {', '.join(allowed)})"
                )
        return tuple(value)

    return check


def _belongs(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise _ParamError("must map each subject to where it belongs, in plain words")
    value = _strip(value)
    for subject, words in value.items():
        if subject not in SUBJECTS or subject == "council_services":
            raise _ParamError(
                f"has unknown subject {subject!r} (one of {', '.join(SUBJECTS[1:])})",
            )
        if not isinstance(words, str) or not words.strip():
            raise _ParamError(f"must say in words where {subject} belongs")
    return {k: " ".join(v.split()) for k, v in value.items()}


def _periods(value: Any) -> tuple[dict[str, Any], ...]:
    if not isinstance(value, list):
        raise _ParamError("must be a list of periods {from, to, reason, bodies}")
    periods = []
    for raw in value:
        line = raw.get("__line__") if isinstance(raw, dict) else None
        if not isinstance(raw, dict):
            raise _ParamError("each period must be a mapping {from, to, reason, bodies}")
        missing = [k for k in ("from", "to", "reason", "bodies") if k not in raw]
        if missing:
            raise _ParamError(f"a period needs {', '.join(missing)}", line)
        try:
            start, end = as_date(raw["from"]), as_date(raw["to"])
        except ValueError:
            raise _ParamError(
                "a period's `from` and `to` must be dates (YYYY-MM-DD)", line
            ) from None
        if end < start:
            raise _ParamError(f"a period must not end ({end}) before it starts ({start})", line)
        bodies = _strip(raw["bodies"])
        if bodies != "all" and not (
            isinstance(bodies, list) and bodies and all(isinstance(b, str) for b in bodies)
        ):
            raise _ParamError("a period's `bodies` must be `all` or a list of body codes", line)
        reason = raw["reason"]
        if not isinstance(reason, str) or not reason.strip():
            raise _ParamError("a period needs a `reason` in words", line)
        periods.append(
            {
                "from": start,
                "to": end,
                "reason": " ".join(reason.split()),
                "bodies": "all" if bodies == "all" else tuple(bodies),
            }
        )
    return tuple(periods)


# kind -> parameter -> checker; every listed parameter is required, no others are allowed.
PARAMETERS: dict[str, dict[str, Callable[[Any], Any]]] = {
    "scope": {"belongs": _belongs},
    "programme": {"grounds": _names(PROGRAMME_GROUNDS)},
    "autonomy": {"score": _int(1, 4), "routine_origins": _names(ORIGINS)},
    "peer_review": {
        "months": _int(1, 60),
        "outcome": _names(("deferred", "rejected")),
        "routine_origins": _names(ORIGINS),
    },
    "merge": {},
    "joint": {"lead_precedence": _names(tuple(INSPECTORATES))},
    "notice": {"working_days": _int(0), "unannounced_themes": _names(THEMES, empty=True)},
    "blackout": {"periods": _periods},
    "cap": {
        "max_on_site_days_12m": _int(1),
        "max_open_at_once": _int(1),
        "typical_on_site_days": _int(1),
    },
    "rest": {"min_gap_days": _int(0)},
    "urgent": {"concerns": _names(CONCERNS)},
    "approve": {},
}


TRIAGE_PARAMETERS: dict[str, Callable[[Any], Any]] = {
    "origins": _names(ORIGINS),
    "auto_confirm_working_days": _int(1),
    "straight_through_concerns": _names(CONCERNS, empty=True),
}


def _line(raw: Mapping[str, Any], default: Any = "?") -> Any:
    return raw.get("__line__", default) if isinstance(raw, Mapping) else default


def _parameters(raw: Mapping[str, Any], policy_id: str, kind: str) -> dict[str, Any]:
    where = f"{POLICY_FILE}:{_line(raw)}"
    params = raw.get("parameters")
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise RuleError(f"{where}: policy {policy_id}: `parameters` must be a mapping")
    at = f"{POLICY_FILE}:{_line(params, _line(raw))}"
    spec = PARAMETERS[kind]
    unknown = sorted(k for k in params if k != "__line__" and k not in spec)
    if unknown:
        known = ", ".join(spec) or "none"
        raise RuleError(
            f"{at}: policy {policy_id} (kind {kind}) has unknown parameter(s) "
            f"{', '.join(unknown)} (known: {known})"
        )
    values: dict[str, Any] = {}
    for name, check in spec.items():
        if name not in params:
            raise RuleError(
                f"{at}: policy {policy_id} (kind {kind}) needs parameter `{name}` "
                f"(a {kind} policy needs {', '.join(spec)})"
            )
        try:
            values[name] = check(params[name])
        except _ParamError as exc:
            line = exc.line if exc.line is not None else _line(params, _line(raw))
            raise RuleError(f"{POLICY_FILE}:{line}: policy {policy_id}: `{name}` {exc}") from None
    return values


def parse_policies(document: Any, version: str) -> PolicySet:
    """The policy set in a parsed `policies.yaml` (`version` its content hash); RuleError names
    file and line of the first thing wrong."""
    doc = document or {}
    if not isinstance(doc, dict) or not isinstance(doc.get("policies") or [], list):
        raise RuleError(f"{POLICY_FILE}:{_line(doc, 1)}: expected `policies:` with a list")
    policies: list[Policy] = []
    last_line: Any = _line(doc, 1)
    for raw in doc.get("policies") or []:
        if not isinstance(raw, dict):
            raise RuleError(f"{POLICY_FILE}:{last_line}: each policy must be a mapping")
        last_line = _line(raw)
        where = f"{POLICY_FILE}:{last_line}"
        kind = raw.get("kind")
        if kind not in KINDS:
            raise RuleError(f"{where}: unknown policy kind {kind!r} (one of {', '.join(KINDS)})")
        policy_id, rationale = raw.get("id"), raw.get("rationale")
        if not isinstance(policy_id, str) or not policy_id or not isinstance(rationale, str):
            raise RuleError(f"{where}: a policy needs `id` and `rationale`")
        if any(p.id == policy_id for p in policies):
            raise RuleError(f"{where}: policy id {policy_id} is used twice")
        if policies:
            before = policies[-1]
            if before.kind == "approve":
                raise RuleError(
                    f"{where}: the last policy must be of kind `approve`, so every request is "
                    f"decided; {policy_id} ({kind}) comes after {before.id}"
                )
            if kind == before.kind:
                raise RuleError(
                    f"{where}: kind `{kind}` is listed twice ({before.id} and {policy_id})"
                )
            if KINDS.index(kind) < KINDS.index(before.kind):
                raise RuleError(
                    f"{where}: policy {policy_id} (kind {kind}) is out of order: `{kind}` must "
                    f"come before `{before.kind}` ({before.id}); the kinds run in the fixed "
                    f"order {', '.join(KINDS)}"
                )
        params = _parameters(raw, policy_id, kind)
        sources = _sources(raw, f"policy {policy_id}", PARAMETERS[kind])
        policies.append(Policy(policy_id, kind, " ".join(rationale.split()), params, sources))
    if not policies or policies[-1].kind != "approve":
        raise RuleError(
            f"{POLICY_FILE}:{last_line}: the last policy must be of kind `approve`, "
            "so every request is decided"
        )
    return PolicySet(version, tuple(policies), _triage(doc.get("triage"), _line(doc, 1)))


def _sources(raw: Mapping[str, Any], what: str, spec: Mapping[str, Any]) -> dict[str, str]:
    """Where each parameter comes from, in words: every parameter needs one."""
    at = f"{POLICY_FILE}:{_line(raw)}"
    given = raw.get("sources") or {}
    if not isinstance(given, dict):
        raise RuleError(f"{at}: {what}: `sources` must map each parameter to its source")
    unknown = sorted(k for k in given if k != "__line__" and k not in spec)
    if unknown:
        raise RuleError(f"{at}: {what}: `sources` names unknown parameter(s) {', '.join(unknown)}")
    found: dict[str, str] = {}
    for name in spec:
        text = given.get(name)
        if text is None:
            continue  # `unsourced` lists it; `riskgate rules lint` refuses the file
        if not isinstance(text, str) or not text.strip():
            raise RuleError(f"{at}: {what}: `sources.{name}` must say in words where it comes from")
        found[name] = " ".join(text.split())
    return found


def unsourced(policies: PolicySet) -> list[str]:
    """Each parameter whose source the file does not state, as `<policy id>.<parameter>`."""
    missing = [
        f"{p.id}.{name}" for p in policies.policies for name in p.parameters if name not in p.sources
    ]
    if policies.triage is not None:
        missing += [f"triage.{n}" for n in TRIAGE_PARAMETERS if n not in policies.triage.sources]
    return missing


def _triage(raw: Any, line: Any) -> Triage | None:
    """The `triage` section, or None if the file has none."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise RuleError(f"{POLICY_FILE}:{line}: `triage` must be a mapping")
    at = f"{POLICY_FILE}:{_line(raw, line)}"
    unknown = sorted(k for k in raw if k not in ("__line__", "sources", *TRIAGE_PARAMETERS))
    if unknown:
        raise RuleError(
            f"{at}: `triage` has unknown key(s) {', '.join(unknown)} "
            f"(known: {', '.join(TRIAGE_PARAMETERS)}, sources)"
        )
    values: dict[str, Any] = {}
    for name, check in TRIAGE_PARAMETERS.items():
        if name not in raw:
            raise RuleError(f"{at}: `triage` needs `{name}`")
        try:
            values[name] = check(raw[name])
        except _ParamError as exc:
            raise RuleError(f"{at}: triage: `{name}` {exc}") from None
    return Triage(**values, sources=_sources(raw, "triage", TRIAGE_PARAMETERS))
