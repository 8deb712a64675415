"""`riskgate rules lint`: every rule, routing, policy and citizens' file in a directory loads,
the floors name indicators that exist, and every policy and citizens' parameter states its
source."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from riskgate.adapters.policy_file import load_policies
from riskgate.domain.citizens import CitizensConfig
from riskgate.domain.gatekeeper import PolicySet
from riskgate.domain.gatekeeper.policies import unsourced
from riskgate.domain.reference import load_reference
from riskgate.domain.rules import RuleError, RuleSet
from riskgate.service_layer.citizens_config import load_citizens_config
from riskgate.service_layer.rules_source import load_ruleset


@dataclass(frozen=True)
class RulesChecked:
    """What a clean directory holds."""

    ruleset: RuleSet
    policies: PolicySet
    citizens: CitizensConfig


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
    return RulesChecked(ruleset, policies, citizens)
