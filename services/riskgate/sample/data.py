"""The sample's scripted data files (package data beside this module), read once."""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

import yaml


@functools.cache
def script(name: str) -> Any:
    """The parsed YAML file `name` shipped in this package."""
    text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    return yaml.safe_load(text)


def filled(value: Any, names: dict[str, Any]) -> Any:
    """`value` with every string's `{name}` placeholders filled in from `names`, at any depth."""
    if isinstance(value, str):
        return value.format_map(names)
    if isinstance(value, dict):
        return {k: filled(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [filled(v, names) for v in value]
    return value
