"""Runs a RuleSet on durable-rules.

Each observation is asserted as a fact (so every matching rule fires, not
just the first), the fired rule ids are collected, and the fact is retracted.
durable-rules keeps its rulesets per process and never lets a registered
ruleset change, so each ruleset version is registered once under a name that
carries the version.
"""

from __future__ import annotations

import functools
import itertools
import threading
from collections.abc import Callable, Mapping
from typing import Any

from durable import lang
from durable.engine import MessageNotHandledException

from riskgate.domain.rules import (
    Condition,
    Group,
    Rule,
    RuleSet,
    any_rule_fires,
    condition_fields,
)

_registry_lock = threading.Lock()
_registered: dict[str, DurableRulesEngine] = {}


def engine_for(ruleset: RuleSet) -> DurableRulesEngine:
    """The process-wide engine for this ruleset version, compiled on first use."""
    with _registry_lock:
        engine = _registered.get(ruleset.version)
        if engine is None:
            engine = DurableRulesEngine(ruleset)
            _registered[ruleset.version] = engine
        return engine


def _leaf(condition: Condition) -> Any:
    term = getattr(lang.m, condition.field)
    if condition.op == "in":
        return functools.reduce(lambda a, b: a | b, [term == v for v in condition.value])
    if condition.op == "contains":
        return term.anyItem(lang.item == condition.value)
    return {
        "==": term.__eq__,
        "!=": term.__ne__,
        "<": term.__lt__,
        "<=": term.__le__,
        ">": term.__gt__,
        ">=": term.__ge__,
    }[condition.op](condition.value)


def _expression(node: Condition | Group) -> Any:
    if isinstance(node, Condition):
        return _leaf(node)
    parts = [_expression(m) for m in node.members]
    join = (lambda a, b: a & b) if node.mode == "all" else (lambda a, b: a | b)
    return functools.reduce(join, parts)


def _antecedent(rule: Rule) -> Any:
    expression = (lang.m.observation == rule.observation) & _expression(rule.when)
    if rule.themes:
        themes = functools.reduce(lambda a, b: a | b, [lang.m.theme == t for t in rule.themes])
        expression = expression & themes
    return expression


class DurableRulesEngine:
    """One compiled ruleset; `fired` is safe to call from several threads."""

    def __init__(self, ruleset: RuleSet) -> None:
        self.ruleset = ruleset
        self.name = "riskgate_" + ruleset.version.replace(":", "_")
        self._lock = threading.Lock()
        self._hits: list[str] = []
        self._ids = itertools.count()
        # Only the fields some rule reads go to the engine: less to encode on every call.
        self._fields = (
            "observation",
            "theme",
            *sorted(condition_fields(r.when for r in ruleset.rules)),
        )
        with lang.ruleset(self.name):
            for rule in ruleset.rules:
                lang.when_all(_antecedent(rule))(self._action(rule.id))
        self._host = lang.get_host()  # registers the ruleset just defined

    def _action(self, rule_id: str) -> Callable[[Any], None]:
        def fired(_context: Any) -> None:
            self._hits.append(rule_id)

        fired.__name__ = "rule_" + "".join(c if c.isalnum() else "_" for c in rule_id)
        return fired

    def fired(self, observation: Mapping[str, Any]) -> list[str]:
        """The ids of the rules that fire on this observation, in rule-file order.

        Nearly every observation matches no rule, and durable-rules answers that with an
        exception that encodes the fact again; the reference semantics (which the tests hold
        equal to the engine) let those through without a call.
        """
        if not any_rule_fires(self.ruleset, observation):
            return []
        return self.fired_by_engine(observation)

    def fired_by_engine(self, observation: Mapping[str, Any]) -> list[str]:
        """What durable-rules itself fires on this observation, with no pre-filter."""
        fact = {k: observation[k] for k in self._fields if observation.get(k) is not None}
        with self._lock:
            fact["id"] = f"o{next(self._ids)}"  # durable-rules refuses a fact it has seen
            self._hits = []
            try:
                self._host.assert_fact(self.name, fact)
            except MessageNotHandledException:
                return []  # no rule matched
            self._host.retract_fact(self.name, fact)
            hits = set(self._hits)
        return [r.id for r in self.ruleset.rules if r.id in hits]
