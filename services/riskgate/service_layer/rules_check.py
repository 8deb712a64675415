"""`riskgate rules lint`: every rule, routing, policy, citizens', cycle and ladder file in a
directory loads, the floors name indicators that exist, and every policy and citizens'
parameter states its source."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from riskgate.adapters.policy_file import load_policies
from riskgate.adapters.rule_files import read_rule_file
from riskgate.domain.citizens import CitizensConfig
from riskgate.domain.gatekeeper import PolicySet
from riskgate.domain.gatekeeper.policies import unsourced
from riskgate.domain.reference import load_reference
from riskgate.domain.rules import RuleError, RuleSet, ruleset_problems
from riskgate.service_layer.citizens_config import load_citizens_config
from riskgate.service_layer.cycle import load_cycles
from riskgate.service_layer.ladder import load_ladder
from riskgate.service_layer.rules_source import load_ruleset, rule_files


@dataclass(frozen=True)
class RulesChecked:
    """What a clean directory holds."""

    ruleset: RuleSet
    policies: PolicySet
    citizens: CitizensConfig
    cycles: tuple[int, ...] = ()  # the years with a cycle file (rules/cycles/)
    rungs: int = 0  # the ladder's rungs (rules/ladder.yaml)


def check_rules(directory: Path) -> RulesChecked:
    """Load everything in `directory`; RuleError (naming file and line) at the first problem."""
    ruleset = load_ruleset(directory)
    policies = load_policies(directory)
    citizens = load_citizens_config(directory)
    unknown = sorted(set(ruleset.floors) - set(load_reference().indicators))
    if unknown:
        raise RuleError(f"indicators.yaml: unknown indicator id(s) in floors: {', '.join(unknown)}")
    for file, missing in (
        ("policies.yaml", unsourced(policies)),
        ("citizens.yaml", citizens.unsourced()),
    ):
        if missing:
            raise RuleError(
                f"{file}: no source stated for {', '.join(missing)}: say where each number comes "
                "from, the White Paper or statute paragraph, or \"a local setting: riskgate's "
                "default\""
            )
    cycles = tuple(load_cycles(directory))
    rungs = len(load_ladder(directory).rungs)
    return RulesChecked(ruleset, policies, citizens, cycles, rungs)


def lint_rules(directory: Path) -> list[str]:
    """Every problem in `directory`, each naming file:line: every bad rule, floor and routing
    entry of the rule files; in `policies.yaml` and `citizens.yaml` the first of each file
    (their entries are checked against each other, in order). Empty when all is well."""
    problems: list[str] = []
    documents = []
    for path in rule_files(directory):
        try:
            documents.append((path.name, read_rule_file(path)))
        except RuleError as exc:
            problems.append(str(exc))
    problems.extend(ruleset_problems(documents))
    for load in (load_policies, load_citizens_config, load_cycles, load_ladder):
        try:
            load(directory)
        except RuleError as exc:
            problems.append(str(exc))
    if not problems:
        try:
            check_rules(directory)
        except RuleError as exc:
            problems.append(str(exc))
    return problems
