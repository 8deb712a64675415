"""The risk ruleset from a rules directory, and the live source that reloads it when files change."""

from __future__ import annotations

from pathlib import Path

from riskgate.adapters.rule_files import content_version, read_rule_file, yaml_files
from riskgate.domain.citizens import CITIZENS_FILE
from riskgate.domain.rules import POLICY_FILE, RuleSet, parse_ruleset
from riskgate.service_layer.live_files import LiveFiles


def rule_files(directory: Path) -> list[Path]:
    """The files that make up a risk ruleset: every YAML file but the policies and thresholds."""
    return yaml_files(directory, excluding=(POLICY_FILE, CITIZENS_FILE))


def load_ruleset(directory: Path) -> RuleSet:
    """Load and check every rule file in a directory; raise RuleError at the first problem."""
    files = rule_files(directory)
    # Read as parsed, file by file, so the first problem in file order is the one reported.
    documents = ((path.name, read_rule_file(path)) for path in files)
    return parse_ruleset(documents, content_version(files))


class RulesSource(LiveFiles[RuleSet]):
    """The current ruleset, reloaded when the rule files change (no restart needed)."""

    def __init__(self, directory: Path, check_every_s: float = 2.0) -> None:
        super().__init__("the ruleset", directory, load_ruleset, rule_files, check_every_s)
