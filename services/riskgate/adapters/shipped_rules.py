"""The rules that ship inside riskgate (the package ``riskgate.rules``), and editable copies of them.

The repository's ``rules/`` folder is installed as ``riskgate.rules`` (pyproject.toml maps
one onto the other), so a wheel, an editable install and a source checkout all read the
same files. ``RISKGATE_RULES_DIR`` points a deployment at its own copy instead.
"""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

RULES_PACKAGE = "riskgate.rules"
# Only the rule files are the user's to edit; the package marker and bytecode stay behind.
NOT_RULES = ("__init__.py", "__pycache__", "*.pyc")


class RulesNotShipped(LookupError):
    """The shipped rules cannot be found as a folder on disk."""


class ExportRefused(ValueError):
    """The export target already holds files and --force was not given."""


def shipped_rules_dir() -> Path:
    """The folder holding the shipped rule, routing, policy and citizens' files, and fixtures."""
    try:
        root = resources.files(RULES_PACKAGE)
    except ModuleNotFoundError:
        # Run from a checkout on PYTHONPATH without installing: the package is the checkout's rules/.
        checkout = Path(__file__).resolve().parents[3] / "rules"
        if (checkout / "__init__.py").is_file():
            return checkout
        raise RulesNotShipped(
            f"the package {RULES_PACKAGE} is not installed; reinstall riskgate "
            "(`pip install riskgate`, or `make` in a checkout) or set RISKGATE_RULES_DIR"
        ) from None
    if not isinstance(root, Path) or not root.is_dir():
        raise RulesNotShipped(
            f"the shipped rules ({root}) are not a folder on disk; set RISKGATE_RULES_DIR "
            "to a copy of them"
        )
    return root


def export_rules(target: Path, *, force: bool = False) -> list[Path]:
    """Copy the shipped rules into `target` and return the files written, sorted.

    Refuses a `target` that already holds anything unless `force`, which overwrites the
    shipped files' namesakes and leaves any other file there alone.
    """
    if target.exists() and not target.is_dir():
        raise ExportRefused(f"{target}: exists and is not a folder")
    if target.is_dir() and any(target.iterdir()) and not force:
        raise ExportRefused(
            f"{target}: not empty; choose an empty or new folder, or pass --force to overwrite "
            "the rule files there"
        )
    written: list[Path] = []

    def copy(source: str, destination: str) -> None:
        shutil.copyfile(source, destination)  # contents only: the shipped copy may be read-only
        written.append(Path(destination))

    shutil.copytree(
        shipped_rules_dir(),
        target,
        ignore=shutil.ignore_patterns(*NOT_RULES),
        copy_function=copy,
        dirs_exist_ok=True,
    )
    return sorted(written)
