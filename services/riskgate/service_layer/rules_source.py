"""The risk ruleset from a rules directory, and the live source that reloads it when files change."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from riskgate.adapters.rule_files import content_version, read_rule_file, yaml_files
from riskgate.domain.rules import CITIZENS_FILE, POLICY_FILE, RuleError, RuleSet, parse_ruleset

log = logging.getLogger(__name__)


def rule_files(directory: Path) -> list[Path]:
    """The files that make up a risk ruleset: every YAML file but the policies and thresholds."""
    return yaml_files(directory, excluding=(POLICY_FILE, CITIZENS_FILE))


def load_ruleset(directory: Path) -> RuleSet:
    """Load and check every rule file in a directory; raise RuleError at the first problem."""
    files = rule_files(directory)
    # Read as parsed, file by file, so the first problem in file order is the one reported.
    documents = ((path.name, read_rule_file(path)) for path in files)
    return parse_ruleset(documents, content_version(files))


class RulesSource:
    """The current ruleset, reloaded when the rule files change (no restart needed)."""

    def __init__(self, directory: Path, check_every_s: float = 2.0) -> None:
        self.directory = directory
        self._check_every_s = check_every_s
        self._lock = threading.Lock()
        self._ruleset = load_ruleset(directory)
        self._checked = time.monotonic()

    def current(self) -> RuleSet:
        """The ruleset now in force, looking for changed files at most every `check_every_s`."""
        with self._lock:
            if time.monotonic() - self._checked >= self._check_every_s:
                self._checked = time.monotonic()
                self._reload_if_changed()
            return self._ruleset

    def _reload_if_changed(self) -> None:
        if content_version(rule_files(self.directory)) == self._ruleset.version:
            return
        try:
            candidate = load_ruleset(self.directory)
        except RuleError as exc:
            log.error("rules changed but do not load; keeping %s: %s", self._ruleset.version, exc)
            return
        log.info("ruleset %s replaces %s", candidate.version, self._ruleset.version)
        self._ruleset = candidate
