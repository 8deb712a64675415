"""The citizens' thresholds from `citizens.yaml`: read through the rule-file adapter, kept live.

`CitizensConfigSource` keeps it live as `RulesSource` keeps the ruleset
(`live_files.LiveFiles`).
"""

from __future__ import annotations

from pathlib import Path

from riskgate.adapters.rule_files import content_version, read_rule_file
from riskgate.domain.citizens import CITIZENS_FILE, CitizensConfig, parse_citizens_config
from riskgate.domain.rules import RuleError
from riskgate.service_layer.live_files import LiveFiles


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


class CitizensConfigSource(LiveFiles[CitizensConfig]):
    """The current citizens' configuration, reloaded when `citizens.yaml` changes."""

    def __init__(self, directory: Path, check_every_s: float = 2.0) -> None:
        super().__init__(
            "the citizens' configuration",
            directory,
            load_citizens_config,
            lambda d: [d / CITIZENS_FILE],
            check_every_s,
        )
