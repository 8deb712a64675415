"""The embedded default keeps what it accepted: `riskgate run` on a RISKGATE_HOME, killed with
SIGKILL mid-stream and started again, has every event, judgement, decision and case, once."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from riskgate.domain.reference import load_reference
from tests.conftest import ROOT, free_port, riskgate_command
from tests.integration.cluster import call, indicator_event, wait_for

pytestmark = pytest.mark.integration
NEET = "NI 117"  # lower is better; two quarters above the 10% floor flag children's services red
CYP = "children_and_young_people"
AREAS = sorted(load_reference().areas)[:40]


def _env(home: Path) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("KAFKA_", "REDIS_", "RISKGATE_"))
    }
    env.update(
        RISKGATE_HOME=str(home),
        RISKGATE_RULES_DIR=str(ROOT / "rules"),
        RISKGATE_TODAY="2009-11-02",
        # Risk rules' requests wait in Ofsted's triage; nobody triages here, so the scheduler's
        # sweep confirms them automatically (their due days are past by 2 November).
        RISKGATE_SWEEP_SECONDS="1",
        PYTHONUNBUFFERED="1",
    )
    return env


class Embedded:
    """One `riskgate run` process group (gunicorn's master and its worker) on a home."""

    def __init__(self, home: Path, log: Path, *flags: str) -> None:
        self.home = home
        self.port = free_port()
        self.log_path = log
        self._log = log.open("w")
        self.proc = subprocess.Popen(
            riskgate_command("run", "--host", "127.0.0.1", "--port", str(self.port), *flags),
            env=_env(home),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # so that SIGKILL reaches the worker as well as the master
        )
        self.tokens = self._printed_tokens()
        wait_for(self._ready, timeout_s=60, what=f"readyz on :{self.port}\n{self.output()}")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log_path.read_text()

    def _printed_tokens(self) -> dict[str, str]:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            lines = self.output().splitlines()
            tokens = {p[1]: p[2] for p in (line.split() for line in lines) if p[:1] == ["token"]}
            if "gatekeeper" in tokens and "inspectorate:ofsted" in tokens:
                return tokens
            assert self.proc.poll() is None, self.output()
            time.sleep(0.05)
        raise AssertionError(f"no tokens printed:\n{self.output()}")

    def _ready(self) -> bool:
        assert self.proc.poll() is None, self.output()
        try:
            return call("GET", self.url + "/readyz")[0] == 200
        except OSError:
            return False

    def get(self, path: str, token: str | None = None) -> Any:
        status, body = call("GET", self.url + path, token=token)
        assert status == 200, (path, status, body)
        return body

    def kill(self) -> None:
        """SIGKILL the whole process group: no shutdown handler runs, nothing is flushed."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        self._log.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.kill()


@pytest.fixture
def started(tmp_path: Path) -> Iterator[list[Embedded]]:
    """Every `riskgate run` a test starts, killed at the end whatever happened."""
    runs: list[Embedded] = []
    yield runs
    for run in runs:
        run.stop()


def _petition(area: str) -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid4()),
        "type": "petition.submitted",
        "occurred_at": "2009-07-21T18:30:00+01:00",
        "source": "petitions-desk",
        "body": area,
        "payload": {
            "petition_ref": f"PET-{area}",
            "topic": "Keep the youth centre open",
            "theme": CYP,
            "signatures": 40,
            "neighbourhood": "Town centre",
        },
    }


def _year(areas: list[str]) -> list[dict[str, Any]]:
    """Per area: NEET above the floor two quarters running (a red flag, a request to Ofsted, a
    decision) and a petition (a citizens' case)."""
    return [
        event
        for area in areas
        for event in (
            indicator_event(area, NEET, "2009-Q2", 11.6),
            indicator_event(area, NEET, "2009-Q3", 11.8),
            _petition(area),
        )
    ]


def _pending(home: Path) -> int:
    """Records the risk and gatekeeper groups have not committed, read from the home's file."""
    with sqlite3.connect(home / "riskgate.sqlite3") as db:
        return sum(
            db.execute(
                "SELECT count(*) FROM bus_records WHERE topic = ? AND offset >= coalesce("
                "(SELECT next_offset FROM bus_positions WHERE grp = ? AND topic = ?), 0)",
                (topic, group, topic),
            ).fetchone()[0]
            for group, topic in (
                ("riskgate-risk", "events.v1"),
                ("riskgate-gatekeeper", "inspection.requests.v1"),
            )
        )


def _decided(run: Embedded, token: str) -> list[dict[str, Any]]:
    decisions = run.get("/v1/decisions", token)
    return decisions if len(decisions) >= len(AREAS) else []


def _listed(run: Embedded, token: str, expected: int) -> list[dict[str, Any]]:
    work = run.get("/v1/inspectorates/ofsted/work", token)
    return work if len(work) >= expected else []


def test_everything_accepted_before_a_kill_is_there_once_after_the_restart(
    tmp_path: Path, started: list[Embedded]
) -> None:
    home = tmp_path / "home"
    first = Embedded(home, tmp_path / "first.log", "--no-sample")
    started.append(first)
    integrator = first.tokens["integrator"]
    events = _year(AREAS)
    half = len(events) // 2 // 3 * 3
    for batch in (events[:half], events[half:]):
        status, reply = call("POST", first.url + "/v1/events", batch, integrator)
        assert status == 202, reply
        assert len(reply["accepted"]) == len(batch)
    first.kill()  # right after the second 202, while the pipeline works through the batches
    assert _pending(home) > 0, "the pipeline had finished: the kill did not interrupt it"

    # Started again on the same home, without --no-sample: the home is not empty, so no sample.
    second = Embedded(home, tmp_path / "second.log")
    started.append(second)
    gatekeeper = first.tokens["gatekeeper"]  # tokens printed at the first start stay valid
    decisions = wait_for(lambda: _decided(second, gatekeeper), what="a decision for every area")

    assert "not loaded again" in second.output()
    requests = second.get("/v1/inspection-requests", gatekeeper)
    assert sorted(r["body"] for r in requests) == AREAS  # one request per area, none doubled
    assert len(decisions) == len(AREAS)
    assert sorted(d["request_id"] for d in decisions) == sorted(r["request_id"] for r in requests)
    approved = sorted({d["inspection_id"] for d in decisions if d["inspection_id"]})
    ofsted = first.tokens["inspectorate:ofsted"]
    work = wait_for(
        lambda: _listed(second, ofsted, len(approved)), what="ofsted's work for every inspection"
    )
    assert approved and sorted(w["inspection_id"] for w in work) == approved  # each once
    for area in AREAS:
        judgement = second.get(f"/v1/areas/{area}/assessment?year=2009", gatekeeper)["themes"][
            CYP
        ]  # a draft until 9 December
        sent = sorted(
            e["event_id"] for e in events if e["body"] == area and e["payload"].get("indicator")
        )
        evidence = sorted(e["event_id"] for e in judgement["evidence"])
        assert judgement["flag"] == "red" and evidence == sent, area
        [petition] = second.get(f"/v1/petitions?council={area}")
        assert petition["petition_ref"] == f"PET-{area}"

    status, reply = call("POST", second.url + "/v1/events", events, integrator)
    assert status == 202, reply
    assert reply["accepted"] == [] and sorted(reply["duplicates"]) == sorted(
        e["event_id"] for e in events
    )
    assert second.get("/v1/decisions", second.tokens["gatekeeper"]) == decisions


def test_a_token_created_or_revoked_beside_a_running_server_counts_at_once(
    tmp_path: Path, started: list[Embedded]
) -> None:
    home = tmp_path / "home"
    run = Embedded(home, tmp_path / "run.log", "--no-sample")
    started.append(run)

    def tokens(*args: str) -> subprocess.CompletedProcess[str]:
        command = riskgate_command("tokens", *args)
        return subprocess.run(command, env=_env(home), capture_output=True, text=True, timeout=60)

    created = tokens("create", "--role", "integrator", "--holder", "Lancashire data hub")
    secret, token_id = created.stdout.strip(), created.stderr.split()[1]
    accepted, reply = call("POST", run.url + "/v1/events", _year(AREAS[:1]), secret)
    revoked = tokens("revoke", token_id)
    refused, refusal = call("POST", run.url + "/v1/events", _year(AREAS[:1]), secret)
    listed = tokens("list").stdout

    assert created.returncode == 0, created.stderr
    assert secret.startswith("rg_") and accepted == 202, reply
    assert revoked.returncode == 0, revoked.stderr
    assert refused == 401, refusal
    assert "admin" in run.tokens and "embedded:gatekeeper" in listed and secret not in listed
    assert not (home / "tokens.json").exists()


def test_a_second_run_on_the_same_home_is_refused_and_ephemeral_writes_nothing(
    tmp_path: Path, started: list[Embedded]
) -> None:
    home = tmp_path / "home"
    started.append(Embedded(home, tmp_path / "first.log", "--no-sample"))

    refused = subprocess.run(
        riskgate_command("run", "--no-sample", "--port", str(free_port())),
        env=_env(home),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode != 0
    assert "another `riskgate run` is using it" in refused.stderr

    elsewhere = tmp_path / "ephemeral-home"
    ephemeral = Embedded(elsewhere, tmp_path / "ephemeral.log", "--no-sample", "--ephemeral")
    started.append(ephemeral)
    status, _ = call(
        "POST", ephemeral.url + "/v1/events", _year(AREAS[:1]), ephemeral.tokens["integrator"]
    )
    assert status == 202
    assert not elsewhere.exists()
