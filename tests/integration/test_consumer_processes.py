"""`riskgate run` against Kafka (Tansu) and Redis runs each service's consumers in a process of
its own beside the HTTP worker: started with the run, started again when killed (and /readyz
says so meanwhile; later each time when it dies young), replaced on a reload, and never
outliving the run, however it ends."""

from __future__ import annotations

import json
import logging
import os
import signal
import time
from pathlib import Path

import pytest

from riskgate.adapters.redis_store import RedisStore
from riskgate.bootstrap import CONSUMING
from riskgate.entrypoints.consumer_processes import ConsumerProcesses
from riskgate.service_layer.tokens import Tokens
from tests.integration.cluster import (
    EVERY,
    Service,
    call,
    drained,
    indicator_event,
    read_topic,
    wait_for,
)

pytestmark = pytest.mark.integration
AREAS = ["E08000028", "E08000019", "E06000004"]  # Sandwell, Sheffield, Stockton-on-Tees
NEET = "NI 117"  # lower is better; the shipped floor is 10%, so 14% is a red flag


def consumer_processes(master: int) -> dict[str, int]:
    """The `riskgate consume SERVICE` children of a `riskgate run`: service -> pid."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except (OSError, IndexError, ValueError):
            continue  # it ended while being read
        if parent == master and b"consume" in argv:
            found[argv[argv.index(b"consume") + 1].decode()] = int(entry.name)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has ended; only its parent's wait is missing


def readiness(run: Service) -> tuple[int, dict[str, str]]:
    status, body = call("GET", run.url + "/readyz")
    return status, body["problems"]


def test_a_killed_consumer_process_is_started_again_and_nothing_is_lost_or_doubled(
    kafka: str, redis_url: str, tmp_path: Path
) -> None:
    registry = Tokens(RedisStore(redis_url))
    integrator, gatekeeper = registry.create("integrator"), registry.create("gatekeeper")
    # A risk rule's request waits for Ofsted's triage; the sweep (every second) confirms it.
    run = Service(EVERY, kafka, redis_url, tmp_path, RISKGATE_SWEEP_SECONDS="1")
    try:
        run.wait_ready()
        first = consumer_processes(run.proc.pid)
        assert sorted(first) == sorted(CONSUMING), run.output()

        events = [indicator_event(a, NEET, "2009-Q2", 14.0) for a in AREAS]
        assert call("POST", run.url + "/v1/events", events, integrator)[0] == 202
        os.kill(first["risk"], signal.SIGKILL)
        # Until the master starts it again, /readyz names the consumer that is not running.
        seen = wait_for(
            lambda: (answer := readiness(run))[0] == 503 and answer[1],
            timeout_s=10,
            what="/readyz to say the risk consumer is not running",
        )
        assert seen == {"consumer risk": "not running"}
        later = [indicator_event(a, NEET, "2009-Q3", 14.0) for a in AREAS]
        assert call("POST", run.url + "/v1/events", later, integrator)[0] == 202  # meanwhile

        wait_for(lambda: readiness(run)[0] == 200, timeout_s=60, what="ready again")
        second = consumer_processes(run.proc.pid)
        assert second["risk"] != first["risk"]
        assert {s: p for s, p in second.items() if s != "risk"} == {
            s: p for s, p in first.items() if s != "risk"
        }
        assert f"the risk consumer process (pid {first['risk']}) ended with signal 9" in (
            run.output(tail=None)
        )

        wait_for(lambda: drained(kafka), timeout_s=90, what="every consumer group to catch up")
        status, requests = call("GET", run.url + "/v1/inspection-requests", token=gatekeeper)
        assert status == 200, requests
        assert sorted(r["body"] for r in requests) == sorted(AREAS)  # one each: none lost
        published = [json.loads(v)["event_id"] for v in read_topic(kafka, "inspection.requests.v1")]
        assert len(set(published)) == len(AREAS)  # a redelivery re-publishes the same request
    finally:
        run.stop()
    assert run.proc.returncode == 0, run.output()
    assert [pid for pid in second.values() if alive(pid)] == []  # SIGTERM stopped them too


def test_a_consumer_process_ends_with_its_riskgate_run_even_when_that_is_killed(
    kafka: str, redis_url: str, tmp_path: Path
) -> None:
    run = Service("risk", kafka, redis_url, tmp_path)
    try:
        run.wait_ready()
        consumers = consumer_processes(run.proc.pid)
        assert list(consumers) == ["risk"], run.output()
        run.proc.kill()  # SIGKILL: the master runs no code of its own to stop its children
        run.proc.wait()
        wait_for(
            lambda: not alive(consumers["risk"]),
            timeout_s=10,
            what="the consumer process to end with its master",
        )
    finally:
        run.stop()


def test_a_reload_replaces_every_consumer_process_after_it_has_committed(
    kafka: str, redis_url: str, tmp_path: Path
) -> None:
    integrator = Tokens(RedisStore(redis_url)).create("integrator")
    run = Service(EVERY, kafka, redis_url, tmp_path)
    try:
        run.wait_ready()
        first = consumer_processes(run.proc.pid)
        events = [indicator_event(a, NEET, "2009-Q2", 14.0) for a in AREAS]
        assert call("POST", run.url + "/v1/events", events, integrator)[0] == 202
        wait_for(lambda: drained(kafka), timeout_s=90, what="the first values to be taken in")

        run.proc.send_signal(signal.SIGHUP)  # as gunicorn replaces its workers
        wait_for(
            lambda: (now := consumer_processes(run.proc.pid)).keys() == first.keys()
            and not set(now.values()) & set(first.values()),
            timeout_s=60,
            what="a new consumer process for every service",
        )
        assert [pid for pid in first.values() if alive(pid)] == []
        log = run.output(tail=None)
        for service, pid in first.items():  # each stopped by SIGTERM, after its last commit
            assert (
                f"the {service} consumer process (pid {pid}) stopped for the reload with code 0"
            ) in log
        assert "ended with" not in log  # none counted as a death, so none waited
        wait_for(lambda: readiness(run)[0] == 200, timeout_s=60, what="ready after the reload")

        # The second value in a row below the floor flags each area: the new risk consumer
        # reads what the old one stored, and starts from where it committed.
        later = [indicator_event(a, NEET, "2009-Q3", 14.0) for a in AREAS]
        assert call("POST", run.url + "/v1/events", later, integrator)[0] == 202
        wait_for(lambda: drained(kafka), timeout_s=90, what="every consumer group to catch up")
        published = [json.loads(v)["event_id"] for v in read_topic(kafka, "inspection.requests.v1")]
        assert len(published) == len(set(published)) == len(AREAS)
    finally:
        run.stop()
    assert run.proc.returncode == 0, run.output()


def test_a_consumer_process_that_dies_young_is_started_again_later_each_time(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    # Without Kafka, `riskgate consume risk` ends at once (code 1): a consumer that cannot start.
    for name in ("KAFKA_BOOTSTRAP_SERVERS", "REDIS_URL", "RISKGATE_SUPERVISOR_PID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    caplog.set_level(logging.INFO, logger="riskgate")
    now = [1000.0]
    processes = ConsumerProcesses(("risk",), monotonic=lambda: now[0])

    def said(words: str) -> list[str]:
        return [r.getMessage() for r in caplog.records if words in r.getMessage()]

    def reaped(count: int) -> bool:
        processes.reap()
        return len(said("ended with")) == count

    def ends(count: int) -> str:
        wait_for(lambda: reaped(count), timeout_s=30, what=f"the process's death number {count}")
        return said("ended with")[-1]

    try:
        processes.keep()
        assert ends(1).endswith("ended with code 1 after 0 s; starting it again in 1 s")
        now[0] += 0.9
        processes.keep()
        assert len(said("started the risk consumer process")) == 1  # not yet
        now[0] += 0.2
        processes.keep()
        assert ends(2).endswith("starting it again in 2 s")
        now[0] += 1.9
        processes.keep()
        assert len(said("started the risk consumer process")) == 2
        now[0] += 0.2
        processes.keep()
        assert len(said("started the risk consumer process")) == 3
        now[0] += 31  # this one lived past YOUNG_S: no longer a run of early deaths
        assert ends(3).endswith("after 31 s; starting it again in 0 s")
        processes.keep()
        assert len(said("started the risk consumer process")) == 4
    finally:
        processes.stop()
        processes.wait(time.monotonic() + 10)
