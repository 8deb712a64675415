"""`riskgate run` into an empty home loads the sample year and leaves its snapshot; a second
empty home sharing the snapshot directory starts from it, without loading, and answers every
read as the first does, then handles a new event as the first does."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from riskgate.domain.reference import load_reference
from tests.conftest import ROOT, free_port, riskgate_command
from tests.integration.cluster import call, indicator_event, wait_for

LOADED_TIMEOUT_S = 1200.0  # the slow load, on a machine shared with other work
RESTORED_TIMEOUT_S = 120.0  # a start; not a speed claim (bench/start.py measures that)
SANDWELL = "E08000028"


class Run:
    """One `riskgate run` (gunicorn's master and its worker) on a home, with its tokens."""

    def __init__(self, home: Path, snapshots: Path) -> None:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("KAFKA_", "REDIS_", "RISKGATE_"))
        }
        env.update(
            RISKGATE_HOME=str(home),
            RISKGATE_RULES_DIR=str(ROOT / "rules"),
            RISKGATE_SNAPSHOT_DIR=str(snapshots),
            PYTHONUNBUFFERED="1",
        )
        self.home = home
        self.log = home.parent / f"{home.name}.log"
        self.url = f"http://127.0.0.1:{free_port()}"
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                riskgate_command("run", "--port", self.url.rsplit(":", 1)[1]),
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def tokens(self) -> dict[str, str]:
        return {
            p[1]: p[2]
            for p in (line.split() for line in self.output().splitlines())
            if p[:1] == ["token"]
        }

    def ready(self) -> dict[str, Any] | None:
        assert self.proc.poll() is None, self.output()[-3000:]
        try:
            status, body = call("GET", self.url + "/readyz")
        except OSError:
            return None
        return body if status == 200 else None

    def caught_up(self) -> bool:
        """Every event on the log is committed by the risk and citizens consumers."""
        with sqlite3.connect(self.home / "riskgate.sqlite3") as db:
            (events,) = db.execute(
                "SELECT count(*) FROM bus_records WHERE topic = 'events.v1'"
            ).fetchone()
            positions = db.execute(
                "SELECT grp, next_offset FROM bus_positions WHERE topic = 'events.v1'"
            ).fetchall()
        return {grp: n for grp, n in positions} == {
            "riskgate-risk": events,
            "riskgate-citizens": events,
        }

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)


@pytest.fixture
def runs() -> Iterator[list[Run]]:
    started: list[Run] = []
    yield started
    for run in started:
        run.stop()


def _answers(run: Run) -> dict[str, Any]:
    """Every read a user makes of the loaded year: (status, body) per path."""
    tokens = run.tokens()
    gatekeeper, ofsted = tokens["gatekeeper"], tokens["inspectorate:ofsted"]
    paths: list[tuple[str, str | None]] = [
        ("/v1/clock", None),
        (f"/v1/areas/{SANDWELL}/indicators?year=2009", None),
        ("/v1/cycles/2009", None),
        ("/v1/calls-for-action", None),
        ("/v1/petitions", None),
        ("/v1/ladder/cases", gatekeeper),
        ("/v1/inspection-requests", gatekeeper),
        ("/v1/decisions", gatekeeper),
        ("/v1/inspections", gatekeeper),
        ("/v1/programme?from=2009-01-01&to=2010-12-31", gatekeeper),
        ("/v1/audit?since=2009-01-01", gatekeeper),
        ("/v1/inspectorates/ofsted/work", ofsted),
        ("/v1/inspectorates/ofsted/triage", ofsted),
    ]
    for code in sorted(load_reference().areas):
        paths += [
            (f"/v1/areas/{code}/assessment?year=2009", None),
            (f"/v1/areas/{code}/ladder", None),
            (f"/v1/bodies/{code}/burden", gatekeeper),
        ]
    return {path: call("GET", run.url + path, token=token) for path, token in paths}


def test_a_second_empty_home_starts_from_the_snapshot_and_answers_as_the_loaded_one(
    tmp_path: Path, runs: list[Run], shared_snapshots: Path
) -> None:
    snapshots = tmp_path / "snapshots"
    runs.append(loaded := Run(tmp_path / "loaded", snapshots))
    first = wait_for(loaded.ready, LOADED_TIMEOUT_S, "the sample year loaded")
    wait_for(lambda: list(snapshots.glob("*.json")), 120, "the snapshot written after the load")

    runs.append(restored := Run(tmp_path / "restored", snapshots))
    second = wait_for(restored.ready, RESTORED_TIMEOUT_S, "the restored home ready")

    assert "loading the bundled sample year" in loaded.output()
    assert "loading the bundled sample year" not in restored.output()
    assert "restored from the snapshot" in restored.output()
    assert second["sample_year"] == first["sample_year"]
    assert second["sample_year"]["state"] == "loaded" and second["sample_year"]["total"] > 100_000
    wait_for(lambda: loaded.caught_up() and restored.caught_up(), 120, "both caught up")
    before = _answers(loaded)
    assert _answers(restored) == before
    assert all(status == 200 for status, _ in before.values()), {
        p: s for p, (s, _) in before.items() if s != 200
    }

    # The same new event into each: handled once, from where the load left off, alike.
    event = indicator_event(SANDWELL, "NI 117", "2009-Q4", 13.5)
    for run in (loaded, restored):
        status, body = call("POST", run.url + "/v1/events", [event], run.tokens()["integrator"])
        assert status == 202, body
    wait_for(lambda: loaded.caught_up() and restored.caught_up(), 120, "the new event handled")
    after = _answers(restored)
    assert after == _answers(loaded)
    sandwell = f"/v1/areas/{SANDWELL}/indicators?year=2009"
    assert after[sandwell] != before[sandwell]  # the new quarter is in the picture

    for made in snapshots.iterdir():  # for the session's later tests (conftest.py)
        shutil.copy2(made, shared_snapshots / made.name)
