"""What an operator sees of riskgate against real Kafka (Tansu) and Redis: /metrics counting the
requests of every gunicorn worker whichever worker answers, consumer lag from the broker, JSON
log lines naming the worker and the request, and Kafka-mode commands without kafka-python's
INFO chatter."""

from __future__ import annotations

import json
import signal
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from riskgate.adapters.kafka_bus import KafkaBus
from tests.conftest import free_port, riskgate_command, service_env

pytestmark = pytest.mark.integration

START_TIMEOUT_S = 60.0
MAX_REQUESTS = 400  # enough for both workers to have served some, whatever the kernel's choice


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
            return int(response.status), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def json_lines(text: str) -> list[dict[str, Any]]:
    """The log's lines, each of which must be one JSON object."""
    out = []
    for line in text.splitlines():
        if line.strip():
            parsed = json.loads(line)  # a line that is not JSON fails the test here
            assert isinstance(parsed, dict), line
            out.append(parsed)
    return out


def sample_value(text: str, name: str, **labels: str) -> float | None:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return float(sample.value)
    return None


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


def test_metrics_count_the_requests_of_both_gunicorn_workers(
    kafka: str, redis_url: str, tmp_path: Path
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    prefix = f"metrics-{uuid.uuid4().hex[:8]}"
    env = service_env(kafka, redis_url, RISKGATE_GROUP_PREFIX=prefix, TMPDIR=str(tmp_path))
    log_path = tmp_path / "run.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            riskgate_command("run", "risk", "--workers", "2", "--port", str(port)),
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
            cwd=tmp_path,
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if get(base + "/readyz")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.25)
        assert get(base + "/readyz")[0] == 200, log_path.read_text()[-4000:]
        made = list(tmp_path.glob("riskgate-metrics-*"))
        assert len(made) == 1, f"one multiprocess directory for the run: {made}"

        sent: list[str] = []
        served_by: set[int] = set()
        while len(served_by) < 2 and len(sent) < MAX_REQUESTS:
            request_id = f"spread-{len(sent)}"
            assert get(base + "/healthz", {"X-Request-ID": request_id})[0] == 200
            sent.append(request_id)
            if len(sent) % 20 == 0:
                served_by = {
                    line["process"]
                    for line in json_lines(log_path.read_text())
                    if str(line.get("request_id", "")).startswith("spread-")
                }
        assert len(served_by) == 2, f"one worker served all {len(sent)} requests"

        # whichever worker answers /metrics, it counts every worker's requests
        answers = [get(base + "/metrics")[1] for _ in range(12)]
        counted = {
            sample_value(text, "riskgate_http_requests_total", route="/healthz", status="200")
            for text in answers
        }
        assert counted == {float(len(sent))}, f"sent {len(sent)}, /metrics said {counted}"
        latency = sample_value(
            answers[-1], "riskgate_http_request_duration_seconds_count", route="/healthz"
        )
        assert latency == len(sent)
        lags = {
            sample.labels["partition"]: sample.value
            for family in text_string_to_metric_families(answers[-1])
            for sample in family.samples
            if sample.name == "riskgate_consumer_lag"
            and sample.labels["group"] == f"{prefix}-risk"
            and sample.labels["topic"] == "events.v1"
        }
        assert set(lags) == {"0", "1", "2"}  # RISKGATE_KAFKA_PARTITIONS=3 in the tests
        assert all(lag >= 0 for lag in lags.values())
    finally:
        stop(proc)
    assert list(tmp_path.glob("riskgate-metrics-*")) == [], "the run removes its directory"
    lines = json_lines(log_path.read_text())
    workers = {line["process"] for line in lines if line["logger"] == "riskgate.http"}
    assert len(workers) == 2
    chatter = [line for line in lines if line["logger"].startswith("kafka")]
    assert [line for line in chatter if line["level"] in ("DEBUG", "INFO")] == []
    assert not [line for line in chatter if "heartbeat_interval_ms" in line["message"]], (
        "riskgate's own consumer settings draw no warning"
    )


def test_kafka_lag_is_counted_per_partition_from_the_groups_commits(kafka: str) -> None:
    bus = KafkaBus(kafka, partitions=2)
    topic = f"lag-{uuid.uuid4().hex[:8]}"
    bus.ensure_topics([topic])
    publisher = bus.publisher()
    for n in range(6):
        publisher.publish(topic, f"key-{n}", {"n": n})
        # one record a batch: Tansu (memory storage) answers the latest offset as the last
        # batch's first offset + 1, so three records in one batch would read as one
        publisher.flush()
    group = f"g-{uuid.uuid4().hex[:8]}"
    try:
        assert sum(bus.lag(group, [topic]).values()) == 6  # never committed: from the start
        subscription = bus.subscribe(group, [topic])
        records: list[Any] = []
        deadline = time.monotonic() + 30
        while len(records) < 6 and time.monotonic() < deadline:
            records.extend(subscription.poll(1.0))
        committed = [r for r in records if r.partition == 0]
        subscription.commit(committed)

        lag = bus.lag(group, [topic])

        assert set(lag) == {(topic, 0), (topic, 1)}
        assert lag[(topic, 0)] == 0
        assert lag[(topic, 1)] == 6 - len(committed)
        subscription.close()
    finally:
        bus.close()


def test_readiness_sees_whether_a_kafka_broker_answers(kafka: str) -> None:
    assert KafkaBus(kafka).reachable()
    assert not KafkaBus(f"127.0.0.1:{free_port()}").reachable()


@pytest.mark.parametrize("command", [("gatekeeper", "rebuild"), ("citizens", "sweep")])
def test_kafka_mode_commands_print_no_kafka_python_info(
    command: tuple[str, ...], kafka: str, redis_url: str, tmp_path: Path
) -> None:
    result = subprocess.run(
        riskgate_command(*command),
        env=service_env(kafka, redis_url),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )

    assert result.returncode == 0, result.stderr[-3000:]
    lines = json_lines(result.stderr)
    assert [line for line in lines if line["logger"].startswith("kafka")] == []
    assert len(lines) <= 5, result.stderr
    assert result.stdout.strip(), "the command still says what it did"
