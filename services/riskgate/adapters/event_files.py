"""Events as JSON lines on disk: what `riskgate publish`, `assess --events`, `rules simulate
--events` read and `riskgate sample` writes."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

SHOWN_PROBLEMS = 50  # a file refused for its lines names at most this many


class EventFileError(ValueError):
    """A file with lines that are not valid events; `problems` names each line and reason."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("nothing done; fix these first:\n" + "\n".join(problems[:SHOWN_PROBLEMS]))
        self.problems = problems


def read_events(file: Path) -> list[dict[str, Any]]:
    """The events in a JSON-lines file, each validated; EventFileError naming every bad line."""
    from riskgate.schemas import validate_event

    events, problems = [], []
    # Lines end at "\n" only: a JSON string may hold U+2028 and the other breaks that
    # `str.splitlines` would cut at (`write_events` writes them as they are).
    for number, data in enumerate(file.read_bytes().split(b"\n"), start=1):
        try:
            line = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            problems.append(f"line {number}: not UTF-8: byte {exc.start + 1} of the line")
            continue
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"line {number}: not JSON: {exc}")
            continue
        event, errors = validate_event(raw)
        if errors or event is None:
            problems.append(f"line {number}: {json.dumps(errors, sort_keys=True)}")
        else:
            events.append(event)
    if problems:
        raise EventFileError(problems)
    return events


def write_events(events: Iterable[dict[str, Any]], path: str | os.PathLike[str]) -> int:
    """Write events to ``path`` as JSON Lines (sorted keys); return how many were written."""
    count = 0
    with open(path, "w", encoding="utf-8") as out:
        for event in events:
            out.write(json.dumps(event, sort_keys=True, ensure_ascii=False))
            out.write("\n")
            count += 1
    return count
