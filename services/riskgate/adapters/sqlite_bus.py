"""The message bus of the embedded default: a log per topic in SQLite under RISKGATE_HOME.

One partition per topic, as on the memory bus. Publishing buffers records
until `flush()`, which appends them all in one transaction (the sample year
would otherwise cost one commit per event). A consumer group's committed
position is a row beside the log, so a restarted process resumes where the
last commit left it and redelivers only what was never committed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from pathlib import Path

from riskgate.adapters.bus import Record, encode
from riskgate.adapters.sqlite_db import Database

SCHEMA = """
CREATE TABLE IF NOT EXISTS bus_topics (topic TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS bus_records (
    seq INTEGER PRIMARY KEY, topic TEXT NOT NULL, offset INTEGER NOT NULL,
    key TEXT, value BLOB NOT NULL, UNIQUE (topic, offset));
CREATE TABLE IF NOT EXISTS bus_positions (
    grp TEXT NOT NULL, topic TEXT NOT NULL, next_offset INTEGER NOT NULL,
    PRIMARY KEY (grp, topic)) WITHOUT ROWID;
"""
POLL_WAIT_S = 0.05


class SqliteBus:
    """Topics, consumer groups and a buffering publisher over one SQLite file."""

    def __init__(self, path: Path) -> None:
        self._db = Database(path, SCHEMA)
        self._publisher = SqlitePublisher(self._db)

    def publisher(self) -> SqlitePublisher:
        return self._publisher

    def ensure_topics(self, topics: Iterable[str]) -> None:
        with self._db.writing() as conn:
            conn.executemany("INSERT OR IGNORE INTO bus_topics VALUES (?)", [(t,) for t in topics])

    def subscribe(self, group: str, topics: Iterable[str]) -> SqliteSubscription:
        return SqliteSubscription(self._db, group, tuple(topics))

    def read_all(self, topic: str) -> list[Record]:
        rows = self._db.connection().execute(
            "SELECT offset, key, value FROM bus_records WHERE topic = ? ORDER BY offset", (topic,)
        )
        return [Record(topic, 0, offset, key, bytes(value)) for offset, key, value in rows]

    def is_empty(self) -> bool:
        """True when nothing was ever published here (a new home)."""
        return self._db.connection().execute("SELECT 1 FROM bus_records LIMIT 1").fetchone() is None

    def backlog(self, group: str, topics: Iterable[str]) -> int:
        """How many records the group has not yet committed."""
        conn = self._db.connection()
        total = 0
        for topic in topics:
            (count,) = conn.execute(
                "SELECT count(*) FROM bus_records WHERE topic = ? AND offset >= ?",
                (topic, _committed(self._db, group, topic)),
            ).fetchone()
            total += count
        return int(total)

    def reachable(self) -> bool:
        """The file is this process's own."""
        return True

    def lag(self, group: str, topics: Iterable[str]) -> dict[tuple[str, int], int]:
        """Records not yet committed by the group, per (topic, partition): one partition here."""
        conn = self._db.connection()
        out = {}
        for topic in topics:
            (last,) = conn.execute(
                "SELECT max(offset) FROM bus_records WHERE topic = ?", (topic,)
            ).fetchone()
            end = 0 if last is None else int(last) + 1
            out[(topic, 0)] = max(0, end - _committed(self._db, group, topic))
        return out

    def close(self) -> None:
        """Close the file's connections (unflushed records stay unpublished, as on Kafka)."""
        self._db.close()


def _committed(db: Database, group: str, topic: str) -> int:
    row = (
        db.connection()
        .execute(
            "SELECT next_offset FROM bus_positions WHERE grp = ? AND topic = ?", (group, topic)
        )
        .fetchone()
    )
    return 0 if row is None else int(row[0])


class SqlitePublisher:
    """Collects records in memory; `flush()` appends them to their topics in one transaction."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._pending: list[tuple[str, str | None, bytes]] = []
        # Held through the write, so a flush returns only once every record published before
        # it, by any thread, is committed.
        self._lock = threading.Lock()

    def publish(self, topic: str, key: str, value: dict) -> None:
        self.publish_raw(topic, key, encode(value))

    def publish_raw(self, topic: str, key: str | None, value: bytes) -> None:
        with self._lock:
            self._pending.append((topic, key, value))

    def flush(self) -> None:
        with self._lock:
            if not self._pending:
                return
            with self._db.writing() as conn:
                next_offset: dict[str, int] = {}
                rows = []
                for topic, key, value in self._pending:
                    if topic not in next_offset:
                        (last,) = conn.execute(
                            "SELECT max(offset) FROM bus_records WHERE topic = ?", (topic,)
                        ).fetchone()
                        next_offset[topic] = 0 if last is None else last + 1
                    rows.append((topic, next_offset[topic], key, value))
                    next_offset[topic] += 1
                conn.executemany(
                    "INSERT INTO bus_records (topic, offset, key, value) VALUES (?, ?, ?, ?)", rows
                )
            self._pending.clear()


class SqliteSubscription:
    """A consumer group member: its fetch position is private, its commits are in the file."""

    def __init__(self, db: Database, group: str, topics: tuple[str, ...]) -> None:
        self._db = db
        self._group = group
        self._topics = topics
        self._fetch = {t: _committed(db, group, t) for t in topics}

    def poll(self, timeout_s: float = 0.0, max_records: int = 500) -> list[Record]:
        """Up to max_records new records; waits up to timeout_s for the first to arrive."""
        deadline = time.monotonic() + timeout_s
        while True:
            out = self._fetch_new(max_records)
            remaining = deadline - time.monotonic()
            if out or remaining <= 0:
                return out
            time.sleep(min(POLL_WAIT_S, remaining))  # another thread or process may publish

    def _fetch_new(self, max_records: int) -> list[Record]:
        out: list[Record] = []
        conn = self._db.connection()
        for topic in self._topics:
            rows = conn.execute(
                "SELECT offset, key, value FROM bus_records WHERE topic = ? AND offset >= ? "
                "ORDER BY offset LIMIT ?",
                (topic, self._fetch[topic], max_records - len(out)),
            ).fetchall()
            out.extend(Record(topic, 0, offset, key, bytes(value)) for offset, key, value in rows)
            if rows:
                self._fetch[topic] = rows[-1][0] + 1
            if len(out) >= max_records:
                break
        return out

    def commit(self, records: Iterable[Record]) -> None:
        ends: dict[str, int] = {}
        for r in records:
            ends[r.topic] = max(ends.get(r.topic, 0), r.offset + 1)
        if not ends:
            return
        with self._db.writing() as conn:
            conn.executemany(
                "INSERT INTO bus_positions VALUES (?, ?, ?) ON CONFLICT (grp, topic) "
                "DO UPDATE SET next_offset = max(next_offset, excluded.next_offset)",
                [(self._group, topic, end) for topic, end in ends.items()],
            )

    def rewind(self, record: Record) -> None:
        self._fetch[record.topic] = min(self._fetch[record.topic], record.offset)

    def close(self) -> None:
        """Nothing to release: the connections belong to the bus."""
