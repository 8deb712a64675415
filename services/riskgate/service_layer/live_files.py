"""A loaded configuration kept live: reloaded when its files change, the last good one kept.

The risk ruleset and the citizens' thresholds are both read from files that
staff edit while the services run. `LiveFiles` looks for a change at most every
`check_every_s` seconds (by content hash, so a touched but unchanged file costs
nothing), and a file that no longer loads is logged and the last good version
kept: a typo never stops a service.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Generic, Protocol, TypeVar

from riskgate.adapters.rule_files import content_version
from riskgate.domain.rules import RuleError

log = logging.getLogger(__name__)


class Versioned(Protocol):
    @property
    def version(self) -> str: ...


T = TypeVar("T", bound=Versioned)


class LiveFiles(Generic[T]):
    """The current `T` loaded from `directory`, reloaded when `files(directory)` change."""

    def __init__(
        self,
        what: str,
        directory: Path,
        load: Callable[[Path], T],
        files: Callable[[Path], list[Path]],
        check_every_s: float = 2.0,
    ) -> None:
        self.what = what
        self.directory = directory
        self._load = load
        self._files = files
        self._check_every_s = check_every_s
        self._lock = threading.Lock()
        self._current = load(directory)
        self._checked = time.monotonic()

    def current(self) -> T:
        """What is in force now, looking for changed files at most every `check_every_s`."""
        with self._lock:
            if time.monotonic() - self._checked >= self._check_every_s:
                self._checked = time.monotonic()
                self._reload_if_changed()
            return self._current

    def _reload_if_changed(self) -> None:
        try:
            if content_version(self._files(self.directory)) == self._current.version:
                return
            candidate = self._load(self.directory)
        except (OSError, RuleError) as exc:
            log.error(
                "%s changed but does not load; keeping %s: %s",
                self.what,
                self._current.version,
                exc,
            )
            return
        log.info("%s %s replaces %s", self.what, candidate.version, self._current.version)
        self._current = candidate
