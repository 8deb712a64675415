"""One SQLite file in WAL mode, shared by the embedded bus and store.

The bus and the store live in the same file on purpose: SQLite commits to one
write-ahead log in order, so a store transaction that survives a crash implies
that everything flushed to the bus before it survived too.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BUSY_TIMEOUT_S = 30.0  # how long a writer waits for another process's transaction

# Writers in one process queue on a Python lock rather than on SQLite's busy sleeps.
_writer_locks: dict[Path, threading.Lock] = {}
_registry_lock = threading.Lock()


def _writer_lock(path: Path) -> threading.Lock:
    with _registry_lock:
        return _writer_locks.setdefault(path, threading.Lock())


class Database:
    """Per-thread connections to one SQLite file; reads run alone, writes in one transaction."""

    def __init__(self, path: Path, schema: str) -> None:
        self.path = Path(path).resolve()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._opened: list[sqlite3.Connection] = []
        self._opened_lock = threading.Lock()
        self._writer = _writer_lock(self.path)
        with self.writing() as conn:  # executescript would commit first: one statement each
            for statement in _statements(schema):
                conn.execute(statement)

    def connection(self) -> sqlite3.Connection:
        """This thread's connection (SQLite connections must not be shared mid-statement)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(
                self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA journal_mode=WAL")
            # NORMAL in WAL mode: a commit survives the process being killed; only a power
            # cut can lose the last commits, and then always a suffix of them.
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
            with self._opened_lock:
                self._opened.append(conn)
        return conn

    @contextmanager
    def writing(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: committed when the block ends, rolled back if it raises."""
        conn = self.connection()
        with self._writer:
            conn.execute("BEGIN IMMEDIATE")  # take the write lock now, not halfway through
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def close(self) -> None:
        """Close every connection this object opened (tests; a process exit does it anyway)."""
        with self._opened_lock:
            for conn in self._opened:
                conn.close()
            self._opened.clear()
        self._local = threading.local()


def _statements(schema: str) -> list[str]:
    return [s.strip() for s in schema.split(";") if s.strip()]
