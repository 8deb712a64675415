"""Rules as data: the engine-neutral model of `rules/*.yaml`.

A rule names an observation kind (facts the domain derives, such as an
indicator's series against its floor) and conditions over that observation's
fields. Rule files say nothing about the engine that runs them; the
durable-rules adapter compiles this model, and `matches` is the reference
semantics every engine must agree with. The domain never opens a file: the
rule-file adapter reads them and `parse_ruleset` checks what it read.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from riskgate.domain.vocabulary import FLAGS, INSPECTORATES, THEMES

OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
OBSERVATIONS = (
    "indicator", "complaints", "finding", "peers", "audit", "combined", "laa_target",
)  # fmt: skip
POLICY_FILE = "policies.yaml"
ROUTING_FILE = "routing.yaml"


class RuleError(ValueError):
    """A rule file is malformed; the message starts with file:line."""


@dataclass(frozen=True)
class Condition:
    """`field op value`, or `field in [values]`."""

    field: str
    op: str
    value: Any


@dataclass(frozen=True)
class Group:
    """All (or any) of its members hold."""

    mode: str  # "all" | "any"
    members: tuple[Condition | Group, ...]


@dataclass(frozen=True)
class RequestSpec:
    """What inspection a rule asks for when it fires."""

    urgency: str = "normal"
    notice_days: int = 14
    window_days: int = 120
    on_site_days: int = 5


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    criterion: str
    observation: str
    when: Group
    flag: str | None
    request: RequestSpec | None
    themes: tuple[str, ...] = ()
    source: str = ""
    evidence: str = "evidence"  # the observation field holding this rule's evidence

    @functools.cached_property
    def holds(self) -> Predicate:
        """Its `when`, as one function of the observation (`predicate`)."""
        return predicate(self.when)


@dataclass(frozen=True)
class RuleSet:
    """A versioned set of rules with the parameters and routing they rely on."""

    version: str
    rules: tuple[Rule, ...]
    floors: Mapping[str, float] = field(default_factory=dict)
    routing: Mapping[str, str] = field(default_factory=dict)
    # Every other `parameters:` group, by name (e.g. `trajectory` in laa.yaml).
    parameters: Mapping[str, Mapping[str, float]] = field(default_factory=dict)

    def rule(self, rule_id: str) -> Rule:
        return next(r for r in self.rules if r.id == rule_id)

    @functools.cached_property
    def by_observation(self) -> Mapping[str, tuple[Rule, ...]]:
        """The rules that judge each kind of observation, in rule-file order."""
        kinds: dict[str, list[Rule]] = {}
        for rule in self.rules:
            kinds.setdefault(rule.observation, []).append(rule)
        return {kind: tuple(rules) for kind, rules in kinds.items()}

    @functools.cached_property
    def fields_read(self) -> Mapping[str, frozenset[str]]:
        """Every observation field the conditions of each kind's rules read (a kind no rule
        judges reads none): a field outside it cannot change whether a rule fires."""
        return {
            kind: frozenset(condition_fields(rule.when for rule in rules))
            for kind, rules in self.by_observation.items()
        }

    def inspectorate_for(self, theme: str) -> str:
        return self.routing[theme]


def condition_fields(nodes: Iterable[Condition | Group]) -> set[str]:
    """Every observation field the conditions read."""
    found: set[str] = set()
    for node in nodes:
        found |= {node.field} if isinstance(node, Condition) else condition_fields(node.members)
    return found


Predicate = Callable[[Mapping[str, Any]], bool]


def matches(node: Condition | Group, observation: Mapping[str, Any]) -> bool:
    """The reference semantics: does the observation satisfy the condition tree?"""
    return predicate(node)(observation)


def predicate(node: Condition | Group) -> Predicate:
    """The condition tree as one function of the observation, with the reference semantics:
    a group holds when all (or any) of its members do; a condition on a field the
    observation lacks, or holds as null, never holds; a comparison between values that do
    not compare (a number and a string) does not hold."""
    if isinstance(node, Group):
        members = tuple(predicate(m) for m in node.members)
        if len(members) == 1:
            return members[0]
        if node.mode == "all":
            return lambda observation: all(p(observation) for p in members)
        return lambda observation: any(p(observation) for p in members)
    name, expected = node.field, node.value
    if node.op == "in":
        return lambda observation: (v := observation.get(name)) is not None and v in expected
    if node.op == "contains":
        return lambda observation: (
            isinstance(observation.get(name), list | tuple) and (expected in observation[name])
        )
    compare = OPERATORS[node.op]

    def holds(observation: Mapping[str, Any]) -> bool:
        value = observation.get(name)
        if value is None:
            return False
        try:
            return compare(value, expected)
        except TypeError:
            return False

    return holds


def any_rule_fires(ruleset: RuleSet, observation: Mapping[str, Any]) -> bool:
    """Whether some rule of the set fires on the observation, by the reference semantics."""
    kind_rules = ruleset.by_observation.get(str(observation.get("observation")), ())
    return any(rule_fires(rule, observation) for rule in kind_rules)


def rule_fires(rule: Rule, observation: Mapping[str, Any]) -> bool:
    """Whether one rule fires on an observation, by the reference semantics."""
    if observation.get("observation") != rule.observation:
        return False
    if rule.themes and observation.get("theme") not in rule.themes:
        return False
    return rule.holds(observation)


def parse_ruleset(documents: Iterable[tuple[str, Any]], version: str) -> RuleSet:
    """Check parsed rule documents, as `(file name, document)` pairs, and build the ruleset.

    The documents carry the line each mapping starts on under `__line__` (the
    rule-file adapter reads them), so every RuleError names file:line.
    """
    rules: list[Rule] = []
    floors: dict[str, float] = {}
    routing: dict[str, str] = {}
    parameters: dict[str, dict[str, float]] = {}
    seen: dict[str, str] = {}
    for name, document in documents:
        doc = document or {}
        where = f"{name}:{doc.get('__line__', 1) if isinstance(doc, dict) else 1}"
        if not isinstance(doc, dict):
            raise RuleError(f"{where}: expected a mapping at the top level")
        if name == ROUTING_FILE:
            routing.update(_routing(doc, name))
            continue
        for key, value in (doc.get("parameters") or {}).get("floors", {}).items():
            if key == "__line__":
                continue
            floors[key] = _number(value, f"{name}: floors.{key}")
        for group, values in (doc.get("parameters") or {}).items():
            if group in ("floors", "__line__") or not isinstance(values, dict):
                continue
            parameters[group] = {
                key: _number(value, f"{name}: {group}.{key}")
                for key, value in values.items()
                if key != "__line__"
            }
        for raw in doc.get("rules") or []:
            rule = _rule(raw, name)
            if rule.id in seen:
                raise RuleError(
                    f"{rule.source}: duplicate rule id {rule.id} (first at {seen[rule.id]})"
                )
            seen[rule.id] = rule.source
            rules.append(rule)
    missing = [t for t in THEMES if t not in routing]
    if missing:
        raise RuleError(f"{ROUTING_FILE}:1: no inspectorate for theme(s) {', '.join(missing)}")
    return RuleSet(version, tuple(rules), floors, routing, parameters)


def ruleset_problems(documents: Iterable[tuple[str, Any]]) -> list[str]:
    """Every problem in the rule documents, each naming file:line: where `parse_ruleset` stops
    at the first, this goes on past a bad rule, floor or routing file to the next."""
    problems: list[str] = []
    routing: dict[str, str] = {}
    routing_failed = False
    seen: dict[str, str] = {}
    for name, document in documents:
        doc = document or {}
        if not isinstance(doc, dict):
            problems.append(f"{name}:1: expected a mapping at the top level")
            continue
        if name == ROUTING_FILE:
            table = _collect(problems, _routing, doc, name)
            routing_failed = table is None
            routing.update(table or {})
            continue
        for key, value in (doc.get("parameters") or {}).get("floors", {}).items():
            if key != "__line__":
                _collect(problems, _number, value, f"{name}: floors.{key}")
        for raw in doc.get("rules") or []:
            try:
                rule = _rule(raw, name)
            except RuleError as exc:
                problems.append(str(exc))
                continue
            if rule.id in seen:
                problems.append(
                    f"{rule.source}: duplicate rule id {rule.id} (first at {seen[rule.id]})"
                )
            seen.setdefault(rule.id, rule.source)
    missing = [t for t in THEMES if t not in routing]
    if missing and not routing_failed:  # a routing file that failed has said what is wrong
        problems.append(f"{ROUTING_FILE}:1: no inspectorate for theme(s) {', '.join(missing)}")
    return problems


def _collect(problems: list[str], check: Callable[..., Any], *args: Any) -> Any:
    """Run one check; keep its RuleError among the problems. Its result, None if it failed."""
    try:
        return check(*args)
    except RuleError as exc:
        problems.append(str(exc))
        return None


def _routing(doc: dict, name: str) -> dict[str, str]:
    table = doc.get("routing")
    if not isinstance(table, dict):
        raise RuleError(f"{name}:{doc.get('__line__', 1)}: expected a `routing:` mapping")
    out: dict[str, str] = {}
    for theme, inspectorate in table.items():
        if theme == "__line__":
            continue
        if theme not in THEMES:
            raise RuleError(f"{name}:{table['__line__']}: unknown theme {theme!r}")
        if inspectorate not in INSPECTORATES:
            raise RuleError(f"{name}:{table['__line__']}: unknown inspectorate {inspectorate!r}")
        out[theme] = inspectorate
    return out


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RuleError(f"{where}: expected a number, got {value!r}")
    return float(value)


def _rule(raw: Any, name: str) -> Rule:
    if not isinstance(raw, dict):
        raise RuleError(f"{name}: each rule must be a mapping, got {raw!r}")
    where = f"{name}:{raw['__line__']}"
    for key in ("id", "title", "criterion", "when"):
        if not raw.get(key):
            raise RuleError(f"{where}: rule is missing `{key}`")
    when = raw["when"]
    observation = when.get("observation")
    if observation not in OBSERVATIONS:
        raise RuleError(
            f"{where}: unknown observation {observation!r} (one of {', '.join(OBSERVATIONS)})"
        )
    themes = tuple(raw.get("themes") or ())
    for theme in themes:
        if theme not in THEMES:
            raise RuleError(f"{where}: unknown theme {theme!r}")
    then = raw.get("then") or {}
    flag = then.get("flag")
    if flag is not None and flag not in FLAGS:
        raise RuleError(f"{where}: flag must be one of {', '.join(FLAGS)}, got {flag!r}")
    request = None
    if then.get("request") is not None:
        spec = {k: v for k, v in then["request"].items() if k != "__line__"}
        try:
            request = RequestSpec(**spec)
        except TypeError as exc:
            raise RuleError(f"{where}: bad request: {exc}") from None
    evidence = str(raw.get("evidence") or "evidence")
    if not evidence.endswith("evidence"):
        raise RuleError(f"{where}: `evidence` names an observation field ending in 'evidence'")
    if flag is None and request is None:
        raise RuleError(f"{where}: rule {raw['id']} has no output (`then.flag` or `then.request`)")
    group = _group({k: v for k, v in when.items() if k in ("all", "any")}, where)
    return Rule(
        id=str(raw["id"]),
        title=str(raw["title"]),
        criterion=" ".join(str(raw["criterion"]).split()),
        observation=observation,
        when=group,
        flag=flag,
        request=request,
        themes=themes,
        source=where,
        evidence=evidence,
    )


def _group(node: dict, where: str) -> Group:
    modes = [m for m in ("all", "any") if m in node]
    if len(modes) != 1:
        raise RuleError(f"{where}: conditions need exactly one of `all:` or `any:`")
    mode = modes[0]
    members: list[Condition | Group] = []
    for item in node[mode] or []:
        line = (
            f"{where.split(':')[0]}:{item.get('__line__', '?')}"
            if isinstance(item, dict)
            else where
        )
        if isinstance(item, dict) and ("all" in item or "any" in item):
            members.append(_group(item, line))
        elif isinstance(item, dict) and {"field", "op", "value"} <= item.keys():
            op = item["op"]
            if op not in OPERATORS and op not in ("in", "contains"):
                raise RuleError(f"{line}: unknown operator {op!r}")
            value = tuple(item["value"]) if op == "in" else item["value"]
            members.append(Condition(str(item["field"]), op, value))
        else:
            raise RuleError(f"{line}: a condition needs `field`, `op` and `value`")
    if not members:
        raise RuleError(f"{where}: `{mode}:` has no conditions")
    return Group(mode, tuple(members))
