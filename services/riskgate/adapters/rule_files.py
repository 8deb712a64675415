"""Reading rule, policy and threshold files: YAML with the line each mapping starts on.

Every loader (the risk rules, the gatekeeper's policies, the citizens'
thresholds, the fixtures, the cycle) reads files through here, so an error
anywhere can name `file:line`. The domain receives the parsed documents,
with line numbers under `__line__`, and never opens a file itself.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import yaml

from riskgate.domain.rules import RuleError

LINE = "__line__"


class _LineLoader(yaml.SafeLoader):
    """A safe loader that remembers the line each mapping starts on."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict:
    mapping = loader.construct_mapping(node, deep=True)
    mapping[LINE] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_rule_file(path: Path) -> Any:
    """Parse a YAML file, keeping line numbers under `__line__`; RuleError names file:line."""
    try:
        return yaml.load(path.read_text(), Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 0
        raise RuleError(f"{path.name}:{line}: not valid YAML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleError(f"{path.name}:0: cannot be read: {exc}") from None


def without_lines(value: Any) -> Any:
    """The value without the loader's `__line__` keys, at any depth."""
    if isinstance(value, dict):
        return {k: without_lines(v) for k, v in value.items() if k != LINE}
    if isinstance(value, list):
        return [without_lines(v) for v in value]
    return value


def content_version(paths: list[Path]) -> str:
    """A content hash over the files, so a version names exactly what ran."""
    digest = hashlib.sha256()
    for path in sorted(paths, key=lambda p: p.name):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return "sha256:" + digest.hexdigest()[:16]


def yaml_files(directory: Path, excluding: tuple[str, ...] = ()) -> list[Path]:
    """The YAML files directly in `directory`, by name, leaving out the names in `excluding`."""
    return sorted(p for p in directory.glob("*.yaml") if p.name not in excluding)
