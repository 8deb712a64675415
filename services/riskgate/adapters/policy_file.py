"""Reading the gatekeeper's policy file, `policies.yaml`, from a rules directory."""

from __future__ import annotations

from pathlib import Path

from riskgate.adapters.rule_files import content_version, read_rule_file
from riskgate.domain.gatekeeper.policies import PolicySet, parse_policies
from riskgate.domain.rules import POLICY_FILE
from riskgate.service_layer.live_files import LiveFiles


def load_policies(directory: Path) -> PolicySet:
    """The gatekeeper's policies in `directory`; RuleError names file and line."""
    path = directory / POLICY_FILE
    return parse_policies(read_rule_file(path), content_version([path]))


def live_policies(directory: Path, check_every_s: float = 2.0) -> LiveFiles[PolicySet]:
    """The policies, reloaded within `check_every_s` when `policies.yaml` changes (a broken
    file keeps the last good version)."""
    return LiveFiles(
        "the gatekeeper's policies",
        directory,
        load_policies,
        lambda d: [d / POLICY_FILE],
        check_every_s,
    )
