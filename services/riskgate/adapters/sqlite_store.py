"""The state store of the embedded default, in SQLite under RISKGATE_HOME.

The same strings, hashes and sets as the memory and Redis stores, one indexed
table each. A transaction is one SQLite transaction; a named lock is an
exclusive `flock` on a file beside the database, which the kernel releases
when its holder dies, so a killed process never leaves a body locked.
"""

from __future__ import annotations

import builtins  # `set` is also a method name here
import fcntl
import hashlib
import sqlite3
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from riskgate.adapters.sqlite_db import Database
from riskgate.adapters.store import READS, Read

SCHEMA = """
CREATE TABLE IF NOT EXISTS store_strings (
    key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS store_hashes (
    key TEXT NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (key, field)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS store_sets (
    key TEXT NOT NULL, member TEXT NOT NULL, PRIMARY KEY (key, member)) WITHOUT ROWID;
"""
LOCK_POLL_S = 0.005


class _SqliteBatch:
    """Writes collected in order, applied in one SQLite transaction."""

    def __init__(self) -> None:
        self.ops: list[tuple] = []

    def set(self, key: str, value: str) -> None:
        self.ops.append((_set, key, value))

    def hset(self, key: str, mapping: Mapping[str, str]) -> None:
        self.ops.append((_hset, key, dict(mapping)))

    def hdel(self, key: str, *fields: str) -> None:
        self.ops.append((_hdel, key, fields))

    def sadd(self, key: str, *members: str) -> None:
        self.ops.append((_sadd, key, members))

    def delete(self, key: str) -> None:
        self.ops.append((_delete, key))


def _set(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute("INSERT OR REPLACE INTO store_strings VALUES (?, ?)", (key, value))


def _hset(conn: sqlite3.Connection, key: str, mapping: Mapping[str, str]) -> None:
    conn.executemany(
        "INSERT OR REPLACE INTO store_hashes VALUES (?, ?, ?)",
        [(key, f, v) for f, v in mapping.items()],
    )


def _hdel(conn: sqlite3.Connection, key: str, fields: tuple[str, ...]) -> None:
    conn.executemany(
        "DELETE FROM store_hashes WHERE key = ? AND field = ?", [(key, f) for f in fields]
    )


def _sadd(conn: sqlite3.Connection, key: str, members: tuple[str, ...]) -> int:
    cursor = conn.executemany(
        "INSERT OR IGNORE INTO store_sets VALUES (?, ?)", [(key, m) for m in members]
    )
    return cursor.rowcount  # summed over the rows: how many were new


def _delete(conn: sqlite3.Connection, key: str) -> None:
    for table in ("store_strings", "store_hashes", "store_sets"):
        conn.execute(f"DELETE FROM {table} WHERE key = ?", (key,))  # noqa: S608 - fixed names


def _prefix_range(prefix: str) -> tuple[str, str | None]:
    """The half-open key range [prefix, after) that holds exactly the keys starting with prefix."""
    trimmed = prefix.rstrip(chr(0x10FFFF))
    if not trimmed:
        return prefix, None
    following = ord(trimmed[-1]) + 1
    if 0xD800 <= following <= 0xDFFF:  # surrogates cannot be stored: skip past them
        following = 0xE000
    return prefix, trimmed[:-1] + chr(following)


READ_CHUNK = 400  # pairs per statement: 800 parameters, far inside SQLite's limit


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _pairs_found(
    conn: sqlite3.Connection, table: str, column: str, reads: Sequence[Read], op: str
) -> dict[tuple[str, str], Any]:
    """The (key, `column`) pairs of the `op` reads that `table` holds -> the row's value (or
    True, for a set's member)."""
    pairs = list(dict.fromkeys((key, args[0]) for kind, key, *args in reads if kind == op))
    value = "s.value" if table == "store_hashes" else "1"
    found: dict[tuple[str, str], Any] = {}
    for chunk in _chunks(pairs, READ_CHUNK):
        rows = ",".join(["(?,?)"] * len(chunk))
        # A join on the listed pairs, so each is one primary-key search (`(key, field) IN
        # (VALUES …)` would scan the table).
        sql = (
            f"WITH q(k, n) AS (VALUES {rows}) SELECT s.key, s.{column}, {value} "  # noqa: S608
            f"FROM q CROSS JOIN {table} AS s ON s.key = q.k AND s.{column} = q.n"
        )
        flat = [part for pair in chunk for part in pair]
        for key, name, got in conn.execute(sql, flat):
            found[key, name] = True if table == "store_sets" else got
    return found


class SqliteStore:
    """Live state in one SQLite file; several processes may share it."""

    def __init__(self, path: Path) -> None:
        self._db = Database(path, SCHEMA)
        self._locks = self._db.path.parent / "locks"
        self._locks.mkdir(exist_ok=True)

    def _one(self, sql: str, args: tuple) -> str | None:
        row = self._db.connection().execute(sql, args).fetchone()
        return None if row is None else str(row[0])

    def get(self, key: str) -> str | None:
        return self._one("SELECT value FROM store_strings WHERE key = ?", (key,))

    def set(self, key: str, value: str) -> None:
        with self._db.writing() as conn:
            _set(conn, key, value)

    def hget(self, key: str, field: str) -> str | None:
        return self._one("SELECT value FROM store_hashes WHERE key = ? AND field = ?", (key, field))

    def hgetall(self, key: str) -> dict[str, str]:
        rows = self._db.connection().execute(
            "SELECT field, value FROM store_hashes WHERE key = ?", (key,)
        )
        return dict(rows.fetchall())

    def hset(self, key: str, mapping: Mapping[str, str]) -> None:
        if mapping:
            with self._db.writing() as conn:
                _hset(conn, key, mapping)

    def sadd(self, key: str, *members: str) -> int:
        if not members:
            return 0
        with self._db.writing() as conn:
            return _sadd(conn, key, members)

    def sismember(self, key: str, member: str) -> bool:
        return (
            self._one("SELECT 1 FROM store_sets WHERE key = ? AND member = ?", (key, member))
            is not None
        )

    def read_many(self, reads: Sequence[Read]) -> list[Any]:
        """The reads in a few statements, not one each: whole hashes by `key IN (…)`, fields
        and members by `(key, field) IN (VALUES …)`, each in chunks of `READ_CHUNK`."""
        for op, *_ in reads:
            if op not in READS:
                raise ValueError(f"read_many: {op!r} is not one of {', '.join(READS)}")
        conn = self._db.connection()
        hashes: dict[str, dict[str, str]] = {}
        wanted = list(dict.fromkeys(key for op, key, *_ in reads if op == "hgetall"))
        for chunk in _chunks(wanted, READ_CHUNK):
            marks = ",".join("?" * len(chunk))
            sql = (
                "SELECT key, field, value FROM store_hashes "  # noqa: S608 - placeholders only
                f"WHERE key IN ({marks}) ORDER BY key, field"
            )
            for key, name, value in conn.execute(sql, chunk):
                hashes.setdefault(key, {})[name] = value
        fields = _pairs_found(conn, "store_hashes", "field", reads, "hget")
        members = _pairs_found(conn, "store_sets", "member", reads, "sismember")
        results: list[Any] = []
        for op, key, *args in reads:
            if op == "hgetall":
                results.append(dict(hashes.get(key, {})))
            elif op == "hget":
                results.append(fields.get((key, args[0])))
            else:
                results.append((key, args[0]) in members)
        return results

    def smembers(self, key: str) -> builtins.set[str]:
        rows = self._db.connection().execute("SELECT member FROM store_sets WHERE key = ?", (key,))
        return {member for (member,) in rows}

    def keys(self, prefix: str) -> list[str]:
        start, after = _prefix_range(prefix)
        bound = "key >= ?" + ("" if after is None else " AND key < ?")
        args = (start,) if after is None else (start, after)
        found: builtins.set[str] = builtins.set()
        conn = self._db.connection()
        for table in ("store_strings", "store_hashes", "store_sets"):
            sql = f"SELECT DISTINCT key FROM {table} WHERE {bound}"  # noqa: S608 - fixed names
            found.update(key for (key,) in conn.execute(sql, args))
        return sorted(found)

    @contextmanager
    def transaction(self) -> Iterator[_SqliteBatch]:
        batch = _SqliteBatch()
        yield batch
        if batch.ops:
            with self._db.writing() as conn:
                for apply, *args in batch.ops:
                    apply(conn, *args)

    @contextmanager
    def lock(
        self, name: str, timeout_s: float = 30.0, wait_s: float | None = None
    ) -> Iterator[object]:
        # One file per name (hashed: names carry ':' and may be long); each acquisition opens
        # its own descriptor, so threads of one process exclude each other too.
        path = self._locks / (hashlib.sha256(name.encode()).hexdigest()[:32] + ".lock")
        with path.open("a") as handle:
            wait = timeout_s if wait_s is None else wait_s
            deadline = time.monotonic() + wait
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise TimeoutError(
                            f"could not take lock {name} within {wait}s"
                        ) from None
                    time.sleep(LOCK_POLL_S)
            try:
                yield handle
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def ping(self) -> bool:
        try:
            self._db.connection().execute("SELECT 1").fetchone()
        except sqlite3.Error:
            return False
        return True

    def flush_all(self) -> None:
        with self._db.writing() as conn:
            for table in ("store_strings", "store_hashes", "store_sets"):
                conn.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed names

    def close(self) -> None:
        """Close this store's connections."""
        self._db.close()
