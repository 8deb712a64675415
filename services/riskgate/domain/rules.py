"""Rules as data: the engine-neutral model of `rules/*.yaml`.

A rule names an observation kind (facts the domain derives, such as an
indicator's series against its floor) and conditions over that observation's
fields. Rule files say nothing about the engine that runs them; the
durable-rules adapter compiles this model, and `matches` is the reference
semantics every engine must agree with.
"""

from __future__ import annotations

import hashlib
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from riskgate.domain.vocabulary import FLAGS, INSPECTORATES, THEMES

OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
OBSERVATIONS = ("indicator", "complaints", "finding", "peers", "audit", "combined")
POLICY_FILE = "policies.yaml"
CITIZENS_FILE = "citizens.yaml"  # the citizens' triggers' thresholds, not risk rules
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


@dataclass(frozen=True)
class RuleSet:
    """A versioned set of rules with the parameters and routing they rely on."""

    version: str
    rules: tuple[Rule, ...]
    floors: Mapping[str, float] = field(default_factory=dict)
    routing: Mapping[str, str] = field(default_factory=dict)

    def rule(self, rule_id: str) -> Rule:
        return next(r for r in self.rules if r.id == rule_id)

    def inspectorate_for(self, theme: str) -> str:
        return self.routing[theme]


def matches(node: Condition | Group, observation: Mapping[str, Any]) -> bool:
    """The reference semantics: does the observation satisfy the condition tree?"""
    if isinstance(node, Group):
        results = (matches(m, observation) for m in node.members)
        return all(results) if node.mode == "all" else any(results)
    if observation.get(node.field) is None:
        return False  # a missing fact never satisfies a condition
    value = observation[node.field]
    if node.op == "in":
        return value in node.value
    if node.op == "contains":
        return isinstance(value, list | tuple) and node.value in value
    try:
        return OPERATORS[node.op](value, node.value)
    except TypeError:
        return False


def rule_fires(rule: Rule, observation: Mapping[str, Any]) -> bool:
    """Whether one rule fires on an observation, by the reference semantics."""
    if observation.get("observation") != rule.observation:
        return False
    if rule.themes and observation.get("theme") not in rule.themes:
        return False
    return matches(rule.when, observation)


# --- loading -----------------------------------------------------------------


class _LineLoader(yaml.SafeLoader):
    """A safe loader that remembers the line each mapping starts on."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict:
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_yaml(path: Path) -> Any:
    """Parse a YAML file, keeping line numbers under `__line__`."""
    try:
        return yaml.load(path.read_text(), Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 0
        raise RuleError(f"{path.name}:{line}: not valid YAML: {exc}") from None


def content_version(paths: list[Path]) -> str:
    """A content hash over the files, so a version names exactly what ran."""
    digest = hashlib.sha256()
    for path in sorted(paths, key=lambda p: p.name):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return "sha256:" + digest.hexdigest()[:16]


def rule_files(directory: Path) -> list[Path]:
    """The files that make up a risk ruleset: every YAML file but the policies and thresholds."""
    return sorted(p for p in directory.glob("*.yaml") if p.name not in (POLICY_FILE, CITIZENS_FILE))


def load_ruleset(directory: Path) -> RuleSet:
    """Load and check every rule file in a directory; raise RuleError at the first problem."""
    files = rule_files(directory)
    rules: list[Rule] = []
    floors: dict[str, float] = {}
    routing: dict[str, str] = {}
    seen: dict[str, str] = {}
    for path in files:
        doc = read_yaml(path) or {}
        where = f"{path.name}:{doc.get('__line__', 1)}"
        if not isinstance(doc, dict):
            raise RuleError(f"{where}: expected a mapping at the top level")
        if path.name == ROUTING_FILE:
            routing.update(_routing(doc, path.name))
            continue
        for key, value in (doc.get("parameters") or {}).get("floors", {}).items():
            if key == "__line__":
                continue
            floors[key] = _number(value, f"{path.name}: floors.{key}")
        for raw in doc.get("rules") or []:
            rule = _rule(raw, path.name)
            if rule.id in seen:
                raise RuleError(
                    f"{rule.source}: duplicate rule id {rule.id} (first at {seen[rule.id]})"
                )
            seen[rule.id] = rule.source
            rules.append(rule)
    missing = [t for t in THEMES if t not in routing]
    if missing:
        raise RuleError(f"{ROUTING_FILE}:1: no inspectorate for theme(s) {', '.join(missing)}")
    return RuleSet(content_version(files), tuple(rules), floors, routing)


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
