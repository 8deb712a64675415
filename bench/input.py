"""Benchmark: the cost of hostile input to a real server, and what other callers see meanwhile.

Starts `riskgate run --no-sample` (gunicorn, embedded default) on a free loopback port with
RISKGATE_HOME in a temporary directory, reads the printed integrator token, and prints:
- the seconds per POST /v1/events (median of interleaved rounds) for a plain valid petition
  and for petitions whose `neighbourhood` is 10 KB, 100 KB and 1 MB of letters (the input the
  old e-mail pattern backtracked on quadratically), with the status each got;
- the /healthz latency (median and worst) measured from another thread meanwhile.
It stops the server by itself.

Usage: .venv/bin/python bench/input.py [--rounds N]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import IO

RULES = Path(__file__).resolve().parents[1] / "rules"
SERVICES = RULES.parent / "services"
SIZES = {"plain": 0, "10 KB": 10_000, "100 KB": 100_000, "1 MB": 1_000_000}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _petition(letters: int) -> bytes:
    event = {
        "event_id": str(uuid.uuid4()), "type": "petition.submitted",
        "occurred_at": "2009-05-01T10:00:00+01:00", "source": "bench", "body": "E07000117",
        "payload": {"petition_ref": f"P-{uuid.uuid4().hex[:8]}", "topic": "Save the day centre",
                    "theme": "healthier_communities_and_older_people", "signatures": 900,
                    "neighbourhood": "a" * letters if letters else "Daneshouse"},
    }  # fmt: skip
    return json.dumps(event).encode()


def _timed(port: int, method: str, path: str, body: bytes | None, token: str) -> tuple[float, int]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    start = time.perf_counter()
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    response.read()
    elapsed = time.perf_counter() - start
    connection.close()
    return elapsed, response.status


def _log(home: str) -> IO[str]:
    return open(os.path.join(home, "server.log"), "w")  # noqa: SIM115 - lives as long as the server


def _start(home: str, port: int) -> tuple[subprocess.Popen[str], str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KAFKA_", "REDIS_"))}
    env.update(RISKGATE_HOME=home, RISKGATE_RULES_DIR=str(RULES), PYTHONUNBUFFERED="1")
    # the server runs this checkout's code, wherever the benchmark is started from
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SERVICES), env.get("PYTHONPATH")]))
    proc = subprocess.Popen(
        [sys.executable, "-m", "riskgate", "run", "--port", str(port), "--no-sample"],
        env=env, cwd=home, stdout=subprocess.PIPE, stderr=_log(home), text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    token = next(line.split()[2] for line in proc.stdout if line.startswith("token integrator "))
    # the access log goes to stdout: keep reading it, or the server blocks on a full pipe
    threading.Thread(target=proc.stdout.read, daemon=True).start()
    for _ in range(600):
        try:
            if _timed(port, "GET", "/healthz", None, token)[1] == 200:
                return proc, token
        except OSError:  # the worker is still booting
            time.sleep(0.1)
    raise TimeoutError("the server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        port = _free_port()
        proc, token = _start(home, port)
        health: list[float] = []
        done = threading.Event()

        def watch_health() -> None:
            while not done.is_set():
                health.append(_timed(port, "GET", "/healthz", None, token)[0])
                time.sleep(0.02)

        try:
            watcher = threading.Thread(target=watch_health, daemon=True)
            watcher.start()
            seconds: dict[str, list[float]] = {name: [] for name in SIZES}
            statuses: dict[str, set[int]] = {name: set() for name in SIZES}
            for _ in range(args.rounds):  # interleaved, so drift hits every size alike
                for name, letters in SIZES.items():
                    elapsed, status = _timed(port, "POST", "/v1/events", _petition(letters), token)
                    seconds[name].append(elapsed)
                    statuses[name].add(status)
            done.set()
            watcher.join()
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    print(f"POST /v1/events, seconds per request (median of {args.rounds} interleaved rounds):")
    for name in SIZES:
        codes = ",".join(str(s) for s in sorted(statuses[name]))
        print(f"  {name:>7} neighbourhood  {statistics.median(seconds[name]):.4f} s  ({codes})")
    print(
        f"GET /healthz meanwhile: median {statistics.median(health):.4f} s, "
        f"worst {max(health):.4f} s over {len(health)} requests"
    )


if __name__ == "__main__":
    main()
