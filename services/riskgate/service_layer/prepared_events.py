"""The bundled sample year's events, generated once and then read back: `assess` and `rules
simulate` replay the year each time they run, and generating its 127,000 events takes about
0.8 s where reading them back takes about 0.2 s.

The first run that wants a year generates it as before and keeps it in the cache folder
(RISKGATE_CACHE_DIR; by default the user's cache, `~/.cache/riskgate`): the events as one JSON
array, `events-<year>-<key>.json`, beside a manifest `events-<year>-<key>.manifest` naming its
key, the number of events and the SHA-256 of its bytes. The key is what makes the events:
riskgate's version, a digest of its code and data, the year, the seed and FORMAT. The rules
play no part; they judge the events and do not make them. A file that is missing, truncated,
edited, too large or made for another key is passed over (with a log line, unless it is
missing) and the year generated and kept again; a folder that cannot be written costs only
the time. The three newest files of a year are kept.

What is read back is what was generated, value for value and in order
(tests/unit/test_prepared_events.py), so a replay of it leaves what a replay of the generated
year leaves (tests/e2e/test_assess.py).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from riskgate.config import Settings
from riskgate.sample.ids import SAMPLE_SEED
from riskgate.service_layer.snapshot import (
    SnapshotRefused,
    check_digest,
    code_digest,
    prune,
    read_manifest,
    riskgate_version,
    write_atomically,
)

log = logging.getLogger("riskgate")

FORMAT = 1  # raise it when the meaning of the file or its manifest changes
MAX_BYTES = 512 * 1024 * 1024  # the sample year is about 31 MB; a larger file is not ours
Events = list[dict[str, Any]]
Generate = Callable[[int, int], Events]  # (year, seed) -> the year's events


@dataclass(frozen=True)
class SampleEvents:
    """A sample year's events, and the prepared file they were read from (None: generated)."""

    events: Events
    source: Path | None


def sample_events(
    settings: Settings, year: int, seed: int = SAMPLE_SEED, generate: Generate | None = None
) -> SampleEvents:
    """The sample `year`'s events (`generate`: riskgate.sample.generate_year), read from the
    cache folder when a matching file is there, else generated and kept there."""
    if generate is None:
        from riskgate.sample import generate_year

        generate = generate_year
    folder = settings.cache_dir
    if folder is None:
        return SampleEvents(generate(year, seed), None)
    key = {
        "version": riskgate_version(),
        "code": code_digest(),
        "year": year,
        "seed": seed,
        "format": FORMAT,
    }
    name = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:20]
    data = folder / f"events-{year}-{name}.json"
    manifest = folder / f"events-{year}-{name}.manifest"
    events = _read(data, manifest, key)
    if events is not None:
        return SampleEvents(events, data)
    events = generate(year, seed)
    _keep(events, data, manifest, key)
    return SampleEvents(events, None)


def _read(data: Path, manifest: Path, key: dict[str, Any]) -> Events | None:
    if not manifest.exists():
        return None
    try:
        stated = read_manifest(manifest, key)
        if data.stat().st_size > MAX_BYTES:
            raise SnapshotRefused(f"it is larger than {MAX_BYTES} bytes")
        raw = data.read_bytes()
        check_digest(hashlib.sha256(raw).hexdigest(), stated)  # of the bytes read, read once
        events = orjson.loads(raw)
        if not (
            isinstance(events, list)
            and len(events) == stated.get("events")
            and all(isinstance(event, dict) for event in events)
        ):
            raise SnapshotRefused("it does not hold the number of events its manifest names")
    except (OSError, ValueError, RecursionError, SnapshotRefused) as exc:
        log.warning("prepared events %s passed over: %s; the year is generated instead", data, exc)
        return None
    return events


def _keep(events: Events, data: Path, manifest: Path, key: dict[str, Any]) -> None:
    """Write the events, then their manifest, each whole or not at all."""
    partial = data.with_name(f".{data.name}.{os.getpid()}.partial")
    try:
        data.parent.mkdir(parents=True, exist_ok=True)
        raw = orjson.dumps(events)
        partial.write_bytes(raw)  # not synced: a file lost or torn in a crash fails its digest
        os.replace(partial, data)
        stated = {
            "key": key,
            "events": len(events),
            "bytes": len(raw),
            "sha256": hashlib.sha256(raw).hexdigest(),
        }
        write_atomically(manifest, json.dumps(stated, indent=2) + "\n")
    except (OSError, TypeError) as exc:  # TypeError: a value JSON cannot hold
        log.warning("the sample year's events not kept in %s: %s", data.parent, exc)
        with contextlib.suppress(OSError):  # not there, or its folder is not one
            partial.unlink(missing_ok=True)
        return
    prune(data.parent.glob(f"events-{key['year']}-*.manifest"), manifest, ".json")
