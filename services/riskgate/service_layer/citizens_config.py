"""The citizens' thresholds from `citizens.yaml`: read through the rule-file adapter, kept live.

`CitizensConfigSource` looks for a changed file at most every `check_every_s`
seconds, as `RulesSource` does for the ruleset; a file that no longer loads is
logged and the last good configuration kept.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from riskgate.adapters.rule_files import content_version, read_rule_file
from riskgate.domain.citizens import CITIZENS_FILE, CitizensConfig, parse_citizens_config
from riskgate.domain.rules import RuleError

log = logging.getLogger(__name__)


def load_citizens_config(rules_dir: Path) -> CitizensConfig:
    """Read `citizens.yaml` from the rules directory; raise RuleError naming file and line."""
    path = rules_dir / CITIZENS_FILE
    if not path.is_file():
        raise RuleError(f"{CITIZENS_FILE}:0: missing from {rules_dir}")
    document = read_rule_file(path)
    # The parse names the line of a bad key, which the document's marks (one per mapping)
    # do not give; the text read here is the one just parsed.
    lines = path.read_text().splitlines()
    return parse_citizens_config(document, lines, content_version([path]))


class CitizensConfigSource:
    """The current citizens' configuration, reloaded when `citizens.yaml` changes."""

    def __init__(self, directory: Path, check_every_s: float = 2.0) -> None:
        self.directory = directory
        self._check_every_s = check_every_s
        self._lock = threading.Lock()
        self._config = load_citizens_config(directory)
        self._checked = time.monotonic()

    def current(self) -> CitizensConfig:
        """The configuration to decide by now (the last good one if the file broke)."""
        with self._lock:
            if time.monotonic() - self._checked >= self._check_every_s:
                self._checked = time.monotonic()
                self._reload_if_changed()
            return self._config

    def _reload_if_changed(self) -> None:
        path = self.directory / CITIZENS_FILE
        try:
            if content_version([path]) == self._config.version:
                return
            candidate = load_citizens_config(self.directory)
        except (OSError, RuleError) as exc:
            log.error(
                "%s changed but does not load; keeping %s: %s",
                CITIZENS_FILE,
                self._config.version,
                exc,
            )
            return
        log.info("citizens' configuration %s replaces %s", candidate.version, self._config.version)
        self._config = candidate
