"""The embedded default as an operator meets it: `riskgate run` into an empty home answers
/readyz with 503 and the sample year's progress until the year is loaded, then 200; /metrics
says the same; and its log is JSON lines naming each request's id."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import free_port, riskgate_command

# The sample year took 2.5 minutes alone on a shared 2-core machine, 13 among other work.
LOADED_TIMEOUT_S = 1200.0
PROGRESS = re.compile(r"loading (?:\(preparing\)|(?P<done>[\d,]+) / (?P<total>[\d,]+))")


def ask(url: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
            return int(response.status), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def sample_loading(base: str) -> float | None:
    text = ask(base + "/metrics")[1]
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "riskgate_sample_loading":
                return float(sample.value)
    return None


def test_readyz_says_503_with_the_progress_until_the_sample_year_is_loaded(
    tmp_path: Path, sample_year: list[dict[str, Any]]
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KAFKA_", "REDIS_"))}
    env["RISKGATE_HOME"] = str(tmp_path / "home")  # an empty home: the sample year loads
    env["RISKGATE_SNAPSHOT_DIR"] = str(tmp_path / "no-snapshots")  # loaded, never restored
    err_path = tmp_path / "run.err"
    with err_path.open("wb") as err:
        proc = subprocess.Popen(
            # in memory (a third faster); the same load and the same /readyz as with a home
            riskgate_command("run", "--ephemeral", "--port", str(port)),
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
            cwd=tmp_path,
        )
    answers: list[tuple[int, dict[str, Any]]] = []
    loading_metric: set[float | None] = set()
    try:
        deadline = time.monotonic() + LOADED_TIMEOUT_S
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                status, text = ask(base + "/readyz", {"X-Request-ID": f"ready-{len(answers)}"})
            except OSError:
                time.sleep(0.5)
                continue
            answers.append((status, json.loads(text)))
            if status == 200:
                break
            if len(answers) % 10 == 1:
                loading_metric.add(sample_loading(base))
            time.sleep(1.0)
        after = sample_loading(base)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
    log = err_path.read_text(errors="replace")

    assert answers and answers[-1][0] == 200, f"not ready in time: {answers[-3:]}\n{log[-3000:]}"
    waiting = [body for status, body in answers if status == 503]
    assert waiting, "the first answer came after the whole year had loaded"
    said = [PROGRESS.fullmatch(body["problems"]["sample year"]) for body in waiting]
    assert all(said), [body["problems"] for body in waiting]
    counted = [int(m["done"].replace(",", "")) for m in said if m and m["done"]]
    assert counted == sorted(counted), f"the progress went backwards: {counted}"
    totals = {m["total"] for m in said if m and m["total"]}
    assert totals == {f"{len(sample_year):,}"}
    assert 1.0 in loading_metric
    final = answers[-1][1]
    assert final["sample_year"] == {
        "state": "loaded", "loaded": len(sample_year), "total": len(sample_year)
    }  # fmt: skip
    assert after == 0.0

    lines = [json.loads(line) for line in log.splitlines() if line.strip()]  # all JSON
    first = [line for line in lines if line.get("request_id") == "ready-0"]
    assert [line["route"] for line in first] == ["/readyz"]
    assert not [line for line in lines if line["logger"].startswith(("kafka", "werkzeug"))]
