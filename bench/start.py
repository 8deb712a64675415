"""Benchmark: `make run` until the sample year is loaded, i.e. the seconds from starting
`riskgate run` on an empty RISKGATE_HOME to its first `/readyz` 200, with and without a
prepared snapshot of the sample year (service_layer/snapshot.py).

Each round starts one run with an empty snapshot directory (the slow load, which then writes
the snapshot: the reference, measured in the same run) and one on another empty home that
starts from that snapshot; medians of the rounds, with the spread (min–max).

Usage: .venv/bin/python bench/start.py [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RISKGATE = Path(sys.executable).with_name("riskgate")  # the venv's console script
TIMEOUT_S = 1800.0


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ready(url: str) -> dict | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback
            return dict(json.loads(response.read()))
    except (urllib.error.URLError, OSError, ValueError):
        return None


def _snapshot_written(snapshots: Path) -> None:
    deadline = time.monotonic() + 300
    while not list(snapshots.glob("*.json")):
        if time.monotonic() > deadline:
            raise SystemExit(f"no snapshot written in {snapshots}")
        time.sleep(0.2)


def seconds_to_ready(home: Path, snapshots: Path) -> tuple[float, dict]:
    """Start `riskgate run` on the empty `home`; seconds until /readyz says 200, its answer."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("KAFKA_", "REDIS_", "RISKGATE_"))
    }
    env.update(
        RISKGATE_HOME=str(home),
        RISKGATE_SNAPSHOT_DIR=str(snapshots),
        RISKGATE_RULES_DIR=str(ROOT / "rules"),
    )
    port = _free_port()
    start = time.perf_counter()
    proc = subprocess.Popen(
        [str(RISKGATE), "run", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        while time.perf_counter() - start < TIMEOUT_S:
            if proc.poll() is not None:
                raise SystemExit(f"riskgate run exited with {proc.returncode}")
            answer = _ready(f"http://127.0.0.1:{port}/readyz")
            if answer is not None and answer.get("status") == "ready":
                elapsed = time.perf_counter() - start
                _snapshot_written(snapshots)  # a load writes it just after: not timed
                return elapsed, answer
            time.sleep(0.1)
        raise SystemExit(f"not ready within {TIMEOUT_S:.0f} s")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def spread(values: list[float]) -> str:
    return f"{min(values):.1f}–{max(values):.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    loading: list[float] = []
    restoring: list[float] = []
    for _ in range(args.rounds):  # interleaved: this machine's speed drifts minute to minute
        with tempfile.TemporaryDirectory() as tmp:
            snapshots = Path(tmp) / "snapshots"
            slow, loaded = seconds_to_ready(Path(tmp) / "loads", snapshots)
            fast, restored = seconds_to_ready(Path(tmp) / "restores", snapshots)
            assert restored["sample_year"] == loaded["sample_year"], (restored, loaded)
            loading.append(slow)
            restoring.append(fast)
    events = loaded["sample_year"]["total"]
    print(f"`riskgate run` on an empty home until /readyz 200, the sample year's {events:,} events")
    print(f"(seconds; median of {args.rounds} interleaved rounds, min–max)")
    print(f"{'loaded through ingest':>24}  {'from a prepared snapshot':>24}  {'speed-up':>8}")
    print(
        f"{statistics.median(loading):>11.1f} ({spread(loading):>10})  "
        f"{statistics.median(restoring):>11.1f} ({spread(restoring):>10})  "
        f"{statistics.median(loading) / statistics.median(restoring):>7.1f}x"
    )


if __name__ == "__main__":
    main()
