"""A prepared snapshot of an embedded home with the sample year loaded, so that a new home
starts in a second instead of re-validating and re-deciding 127,000 events.

A snapshot is the home's SQLite file (the bus's log, the consumer groups' positions and the
store) taken right after the sample year's load, without the tokens, beside a manifest naming
its key and the SHA-256 of its bytes. The key is everything that decides what a load leaves
behind: riskgate's version and a digest of its code and data, a digest of the rules directory
in use, the sample year, a pinned RISKGATE_TODAY, the consumer groups' prefix, and FORMAT.

Snapshots are kept in RISKGATE_SNAPSHOT_DIR (default `$RISKGATE_HOME/snapshots`). A file that
is missing, truncated, edited or made for another key is passed over with a log line; the
sample year is then loaded as before and a fresh snapshot written after it.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import os
import shutil
import sqlite3
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import riskgate
from riskgate import topics
from riskgate.adapters.bus import MemoryBus, Record
from riskgate.adapters.store import MemoryStore
from riskgate.config import Settings
from riskgate.service_layer.gc_pause import collections_paused
from riskgate.service_layer.sample_year import SAMPLE_MARK, Progress, mark_sample, run_year
from riskgate.service_layer.tokens import Tokens

if TYPE_CHECKING:
    from riskgate.bootstrap import System

log = logging.getLogger("riskgate")

FORMAT = 1  # raise it when the meaning of a snapshot's tables or manifest changes
MAX_MANIFEST_BYTES = 64 * 1024  # a manifest is a few hundred bytes; a larger one is not ours
KEPT = 3  # snapshots of a year kept in a folder: each change of code or rules makes another
_CODE_SUFFIXES = {".py", ".yaml", ".yml", ".csv", ".json"}  # what a load reads or runs


class SnapshotRefused(Exception):
    """A prepared file (a snapshot, or kept events) cannot be used; the message says why, for
    the log line."""


@dataclass(frozen=True)
class SnapshotKey:
    """Everything that decides the home a sample year's load leaves behind."""

    version: str
    code: str  # digest of riskgate's own modules and data files
    rules: str  # digest of the rules directory in use
    year: int
    today: str | None  # RISKGATE_TODAY, which the gatekeeper decides by during the load
    group_prefix: str  # the consumer groups' positions are stored under their names
    format: int = FORMAT

    def name(self) -> str:
        """The file name both halves of the snapshot share, e.g. `sample-2009-1a2b…`."""
        digest = hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()
        return f"sample-{self.year}-{digest[:20]}"


@dataclass(frozen=True)
class Restored:
    """A home restored from a snapshot: the file it came from, the sample's events and what
    ingest accepted of them by type (as the load's `run_year` returns it)."""

    source: Path
    events: int
    accepted: Counter[str] = field(default_factory=Counter)


def snapshot_key(settings: Settings, year: int) -> SnapshotKey:
    """The key of the sample `year`'s snapshot under these settings."""
    return SnapshotKey(
        version=riskgate_version(),
        code=code_digest(),
        rules=_tree_digest(settings.rules_dir, None),
        year=year,
        today=None if settings.today is None else settings.today.isoformat(),
        group_prefix=settings.consumer_group_prefix,
    )


def snapshots_usable(settings: Settings) -> bool:
    """Snapshots serve the embedded home only, and never a crash test (armed failpoints)."""
    return settings.embedded and not settings.failpoints


def snapshot_paths(settings: Settings, key: SnapshotKey) -> tuple[Path, Path]:
    """(the SQLite file, its manifest) of `key` in the snapshot directory."""
    base = settings.snapshots / key.name()
    return base.with_suffix(".sqlite3"), base.with_suffix(".json")


def find_snapshot(settings: Settings, year: int) -> tuple[Path, dict] | None:
    """The matching snapshot's file and manifest, if one was prepared; a manifest that does
    not match its key is logged and passed over."""
    key = snapshot_key(settings, year)
    data, manifest_path = snapshot_paths(settings, key)
    if not manifest_path.exists():
        return None
    try:
        manifest = read_manifest(manifest_path, asdict(key))
        _restored(data, manifest)  # its counts are readable
        if not data.exists():
            raise SnapshotRefused("its database file is missing")
    except (OSError, ValueError, TypeError, AttributeError, RecursionError, SnapshotRefused) as exc:
        log.warning("snapshot %s passed over: %s", manifest_path, exc)
        return None
    return data, manifest


def save_snapshot(
    settings: Settings, year: int, database: Path, accepted: Counter[str]
) -> Path | None:
    """Write the snapshot of a home database that holds the sample `year` just loaded and
    nothing else (`accepted`: what the load accepted, by type); None, with a log line, when
    it cannot (or when events came in through the API during the load)."""
    key = snapshot_key(settings, year)
    data, manifest_path = snapshot_paths(settings, key)
    settings.snapshots.mkdir(parents=True, exist_ok=True)
    partial = data.with_name(f".{data.name}.{os.getpid()}.partial")
    partial.unlink(missing_ok=True)
    try:
        with contextlib.closing(sqlite3.connect(database)) as source:
            # a consistent copy of a live file, by SQLite itself
            source.execute("VACUUM INTO ?", (str(partial),))
        with contextlib.closing(sqlite3.connect(partial, isolation_level=None)) as copy:
            _check_only_the_sample(copy, accepted.total())
            copy.execute("DELETE FROM store_hashes WHERE key = ?", (Tokens.KEY,))
            copy.execute("VACUUM")
        manifest = {
            "key": asdict(key),
            "events": accepted.total(),
            "accepted": dict(sorted(accepted.items())),
            "bytes": partial.stat().st_size,
            "sha256": _file_digest(partial),
        }
        _fsync(partial)
        os.replace(partial, data)
        write_atomically(manifest_path, json.dumps(manifest, indent=2) + "\n")
    except (OSError, sqlite3.Error, SnapshotRefused) as exc:
        log.warning("no snapshot of the sample year written: %s", exc)
        partial.unlink(missing_ok=True)
        return None
    log.info("snapshot of the sample year %d written to %s", year, data)
    prune(settings.snapshots.glob(f"sample-{year}-*.json"), manifest_path, ".sqlite3")
    return data


def read_manifest(path: Path, key: dict[str, Any]) -> dict[str, Any]:
    """The manifest at `path`, when it is one for `key`; SnapshotRefused says why not (and
    OSError, ValueError or RecursionError come from a file that cannot be read as one)."""
    if path.stat().st_size > MAX_MANIFEST_BYTES:
        raise SnapshotRefused(f"its manifest is larger than {MAX_MANIFEST_BYTES} bytes")
    manifest = json.loads(path.read_bytes())
    if not isinstance(manifest, dict) or manifest.get("key") != key:
        raise SnapshotRefused("its manifest names another key")
    return manifest


def prune(manifests: Iterable[Path], kept: Path, data_suffix: str) -> None:
    """Keep the KEPT newest of `manifests` (`kept` among them) and their data files (the same
    name with `data_suffix`), so that a developer's edits, each making a new key, do not pile
    up large files."""
    newest_first = sorted(manifests, key=lambda p: p.stat().st_mtime, reverse=True)
    for manifest in [m for m in newest_first if m != kept][KEPT - 1 :]:
        manifest.unlink(missing_ok=True)
        manifest.with_suffix(data_suffix).unlink(missing_ok=True)


def build_snapshot(settings: Settings, year: int, progress: Progress | None = None) -> Path | None:
    """Load the sample `year` into a throwaway home beside the snapshots and keep its snapshot
    (`riskgate snapshot build`); the snapshot's path, or None with a log line."""
    from riskgate.adapters.sqlite_bus import SqliteBus
    from riskgate.adapters.sqlite_store import SqliteStore
    from riskgate.bootstrap import bootstrap, home_database

    settings.snapshots.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".build-", dir=settings.snapshots))
    try:
        home = replace(settings, home=scratch, snapshot_dir=settings.snapshots)
        bus, store = SqliteBus(home_database(home)), SqliteStore(home_database(home))
        system = bootstrap(home, bus=bus, store=store, keep_home=True)
        mark_sample(system, "loading")
        accepted = run_year(system, year, progress)
        mark_sample(system, "loaded")
        bus.close()
        store.close()
        return save_snapshot(home, year, home_database(home), accepted)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def restore_snapshot(settings: Settings, year: int, database: Path) -> Restored | None:
    """Fill an empty home `database` from the sample `year`'s snapshot, all at once (the file
    is made beside it and renamed into place); None, leaving the home as it was, when there is
    no usable snapshot or the home is not empty. Tokens already in the home stay."""
    if not snapshots_usable(settings):
        return None
    found = find_snapshot(settings, year)
    if found is None:
        return None
    data, manifest = found
    try:
        tokens = _tokens_of_empty_home(database)
    except sqlite3.Error as exc:
        log.warning("the home %s could not be read (%s): the sample year is loaded", database, exc)
        return None
    if tokens is None:
        return None  # the home holds events: nothing is restored into it
    partial = database.with_name(f".{database.name}.{os.getpid()}.restoring")
    try:
        database.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(data, partial)
        check_digest(_file_digest(partial), manifest)
        with contextlib.closing(sqlite3.connect(partial, isolation_level=None)) as conn:
            if _sample_mark(conn) != "loaded":
                raise SnapshotRefused("it does not hold a loaded sample year")
            conn.executemany(
                "INSERT OR REPLACE INTO store_hashes VALUES (?, ?, ?)",
                [(Tokens.KEY, digest, record) for digest, record in tokens],
            )
            conn.execute("PRAGMA journal_mode=WAL")
        _fsync(partial)
        if any(Path(f"{database}{suffix}").exists() for suffix in ("-wal", "-journal")):
            raise SnapshotRefused(f"{database} is open elsewhere")
        os.replace(partial, database)
    except (OSError, ValueError, sqlite3.Error, SnapshotRefused) as exc:
        log.warning("snapshot %s passed over: %s; the sample year is loaded instead", data, exc)
        partial.unlink(missing_ok=True)
        return None
    log.info("sample year %d restored from the snapshot %s", year, data)
    return _restored(data, manifest)


def fill_from_snapshot(system: System, year: int) -> Restored | None:
    """Fill an empty in-memory system (`demo`, `report`, `export`, `run --ephemeral`) from the
    sample `year`'s snapshot, through its store's and bus's own interfaces; None when there is
    no usable snapshot, or the system is not an empty memory one (a SQLite home is restored
    whole by `restore_snapshot`, never filled piecemeal)."""
    settings = system.settings
    store, bus = system.store, system.bus
    if not (
        snapshots_usable(settings)
        and isinstance(store, MemoryStore)
        and isinstance(bus, MemoryBus)
        and set(store.keys("")) <= {Tokens.KEY, SAMPLE_MARK}
        and not any(bus.read_all(topic) for topic in topics.ALL_TOPICS)
    ):
        return None
    found = find_snapshot(settings, year)
    if found is None:
        return None
    data, manifest = found
    with collections_paused():  # half a million objects made, all of them kept
        try:
            check_digest(_file_digest(data), manifest)
            content = _SnapshotContent.read(data)
        except (OSError, ValueError, sqlite3.Error, SnapshotRefused) as exc:
            log.warning("snapshot %s passed over: %s; the sample year is loaded instead", data, exc)
            return None
        content.fill(store, bus)
    log.info("sample year %d filled from the snapshot %s", year, data)
    return _restored(data, manifest)


@dataclass
class _SnapshotContent:
    """Every row of a snapshot, read before any is written (a bad file changes nothing)."""

    strings: list[tuple[str, str]]
    hashes: dict[str, dict[str, str]]
    sets: dict[str, list[str]]
    records: list[tuple[str, str | None, bytes]]  # in topic and offset order
    positions: list[tuple[str, str, int]]

    @classmethod
    def read(cls, data: Path) -> _SnapshotContent:
        uri = f"file:{data}?mode=ro&immutable=1"  # nothing written beside a shared snapshot
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as conn:
            if _sample_mark(conn) != "loaded":
                raise SnapshotRefused("it does not hold a loaded sample year")
            strings = conn.execute(
                "SELECT key, value FROM store_strings WHERE key != ?", (SAMPLE_MARK,)
            ).fetchall()
            hashes: dict[str, dict[str, str]] = defaultdict(dict)
            for key, name, value in conn.execute("SELECT key, field, value FROM store_hashes"):
                hashes[key][name] = value
            sets: dict[str, list[str]] = defaultdict(list)
            for key, member in conn.execute("SELECT key, member FROM store_sets"):
                sets[key].append(member)
            records = [
                (topic, record_key, bytes(value))
                for topic, _, record_key, value in conn.execute(
                    "SELECT topic, offset, key, value FROM bus_records ORDER BY topic, offset"
                )
            ]
            positions = conn.execute("SELECT grp, topic, next_offset FROM bus_positions").fetchall()
        return cls(strings, dict(hashes), dict(sets), records, positions)

    def fill(self, store: MemoryStore, bus: MemoryBus) -> None:
        with store.transaction() as batch:
            for key, value in self.strings:
                batch.set(key, value)
            for key, mapping in self.hashes.items():
                batch.hset(key, mapping)
            for key, members in self.sets.items():
                batch.sadd(key, *members)
        publisher = bus.publisher()
        for topic, record_key, record in self.records:
            publisher.publish_raw(topic, record_key, record)
        publisher.flush()
        for group, topic, next_offset in self.positions:
            subscription = bus.subscribe(group, (topic,))
            subscription.commit([Record(topic, 0, next_offset - 1, None, b"")])


def _restored(data: Path, manifest: dict) -> Restored:
    accepted = Counter({str(k): int(v) for k, v in dict(manifest.get("accepted", {})).items()})
    return Restored(data, int(manifest.get("events", 0)), accepted)


def _check_only_the_sample(conn: sqlite3.Connection, events: int) -> None:
    """The copy holds the loaded sample year and no event that came in beside it."""
    if _sample_mark(conn) != "loaded":
        raise SnapshotRefused("the home's sample year is not marked loaded")
    (held,) = conn.execute(
        "SELECT count(*) FROM bus_records WHERE topic = ?", (topics.EVENTS,)
    ).fetchone()
    if held != events:
        raise SnapshotRefused(
            f"the home holds {held} events, the sample year {events}: others came in beside it"
        )


def _tokens_of_empty_home(database: Path) -> list[tuple[str, str]] | None:
    """The token rows of a home that holds nothing else (none if it has no file yet), or None
    when the home holds anything more: events, state, or a sample load cut short."""
    if not database.exists():
        return []
    with contextlib.closing(sqlite3.connect(database)) as conn:
        tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
        if "bus_records" in tables and conn.execute("SELECT 1 FROM bus_records LIMIT 1").fetchone():
            return None
        for table in ("store_strings", "store_sets"):
            if table in tables and conn.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone():  # noqa: S608
                return None
        if "store_hashes" not in tables:
            return []
        if conn.execute(
            "SELECT 1 FROM store_hashes WHERE key != ? LIMIT 1", (Tokens.KEY,)
        ).fetchone():
            return None
        rows = conn.execute(
            "SELECT field, value FROM store_hashes WHERE key = ?", (Tokens.KEY,)
        ).fetchall()
    return [(str(field), str(value)) for field, value in rows]


def _sample_mark(conn: sqlite3.Connection) -> str | None:
    row = conn.execute("SELECT value FROM store_strings WHERE key = ?", (SAMPLE_MARK,)).fetchone()
    return None if row is None else str(row[0])


def riskgate_version() -> str:
    try:
        return metadata.version("riskgate")
    except metadata.PackageNotFoundError:
        return "unknown"


@functools.cache
def code_digest() -> str:
    """A digest of riskgate's own modules and data files, the shipped rules left out (they
    count as rules): read once per process, so it names the code this process runs (a file
    edited since does not change what this process makes)."""
    return _tree_digest(Path(riskgate.__file__).parent, _CODE_SUFFIXES, skip="rules")


def _tree_digest(root: Path, suffixes: set[str] | None, skip: str | None = None) -> str:
    """SHA-256 over the relative paths and bytes of the files under `root` (those with one of
    `suffixes`, or all; not below the folder `skip`), in path order; caches and hidden files
    left out."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if (
            not path.is_file()
            or relative.parts[0] == skip
            or any(part.startswith(".") or part == "__pycache__" for part in relative.parts)
        ):
            continue
        if suffixes is not None and path.suffix not in suffixes:
            continue
        digest.update(relative.as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def check_digest(digest: str, manifest: dict) -> None:
    """SnapshotRefused unless `digest` (a file's SHA-256, hex) is the one its manifest names."""
    if digest != manifest.get("sha256"):
        raise SnapshotRefused("its bytes do not match the digest in its manifest")


def _file_digest(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _fsync(path: Path) -> None:
    with path.open("rb+") as handle:
        os.fsync(handle.fileno())


def write_atomically(path: Path, text: str) -> None:
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    partial.write_text(text)
    _fsync(partial)
    os.replace(partial, path)
