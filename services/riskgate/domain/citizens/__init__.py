"""Citizens' triggers: petitions, neighbourhood forums and the Community Call for Action.

A pure, deterministic state machine over plain JSON-able states, one concept a module:

| module | holds |
|---|---|
| `terms` | matters, stages, statuses, rule ids, `CitizensError`, dates |
| `config` | the thresholds (`CitizensConfig`) and the check of a parsed `citizens.yaml` |
| `state` | what a step takes (`Facts`) and gives (`Outcome`); shared moves on a case |
| `petitions` | petitions and forums, and the area-wide cases they open |
| `calls` | the call for action's stages and the committee's filters |
| `deadlines` | statutory deadlines: met, overdue, the end of the local stages |
| `escalation` | conclusion, the partner gate and the inspection request |
| `views` | a case as the public list shows it |
| `desk` | `CitizensDesk`: one event applied under a configuration and a routing |
"""

from __future__ import annotations

from riskgate.domain.citizens.config import (
    CITIZENS_FILE,
    CitizensConfig,
    CouncilSettings,
    parse_citizens_config,
)
from riskgate.domain.citizens.desk import CitizensDesk
from riskgate.domain.citizens.escalation import partner_complaint
from riskgate.domain.citizens.state import Facts, Outcome
from riskgate.domain.citizens.terms import (
    COMMITTEE_FINDINGS,
    CRIME_AND_DISORDER,
    DEADLINE_KINDS,
    EVENT_TYPES,
    MATTERS,
    OVERVIEW_AND_SCRUTINY,
    PETITION_STATUSES,
    RULE_AREA_FORUMS,
    RULE_AREA_PETITION,
    RULE_BYPASS,
    RULE_CAP,
    RULE_CRIME,
    RULE_DEBATE,
    RULE_FRIVOLOUS,
    RULE_PARTNERS,
    RULE_REPEATED,
    RULE_STATUTORY,
    RULE_VEXATIOUS,
    STAGES,
    STATUSES,
    SUSPICIONS,
    TRANSITION_KINDS,
    Case,
    CitizensError,
    ForumIssue,
    Petition,
    Transition,
    council_year,
    issue_key,
)
from riskgate.domain.citizens.views import summarise

__all__ = [
    "CITIZENS_FILE", "COMMITTEE_FINDINGS", "CRIME_AND_DISORDER", "DEADLINE_KINDS",
    "EVENT_TYPES", "MATTERS", "OVERVIEW_AND_SCRUTINY", "PETITION_STATUSES",
    "RULE_AREA_FORUMS", "RULE_AREA_PETITION", "RULE_BYPASS", "RULE_CAP", "RULE_CRIME",
    "RULE_DEBATE", "RULE_FRIVOLOUS", "RULE_PARTNERS", "RULE_REPEATED", "RULE_STATUTORY",
    "RULE_VEXATIOUS", "STAGES", "STATUSES", "SUSPICIONS", "TRANSITION_KINDS",
    "Case", "CitizensConfig", "CitizensDesk", "CitizensError", "CouncilSettings", "Facts",
    "ForumIssue", "Outcome", "Petition", "Transition",
    "council_year", "issue_key", "parse_citizens_config", "partner_complaint", "summarise",
]  # fmt: skip
