"""A real `riskgate run` (gunicorn, embedded default) under hostile bodies: a petition whose
`neighbourhood` is a million letters, a chunked body over the limit and JSON nested 10,000
deep are each refused in the one error shape, and the server goes on answering /healthz."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, free_port, riskgate_command, wait_for_port

BURNLEY = "E07000117"
PROMPT_S = 60  # a generous socket timeout: the old scanner took minutes on this input


class Server:
    def __init__(self, port: int, token: str) -> None:
        self.port, self.token = port, token

    def request(
        self, method: str, path: str, body: bytes | None = None, chunked: bool = False
    ) -> tuple[int, dict[str, Any]]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=PROMPT_S)
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        try:
            if chunked and body is not None:
                chunks = (body[i : i + 65536] for i in range(0, len(body), 65536))
                connection.request(method, path, body=chunks, headers=headers, encode_chunked=True)
            else:
                connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, json.loads(response.read() or b"{}")
        finally:
            connection.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    port = free_port()
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("KAFKA_", "REDIS_", "RISKGATE_"))
    }
    env.update(RISKGATE_HOME=str(tmp_path / "home"), RISKGATE_RULES_DIR=str(ROOT / "rules"),
               PYTHONUNBUFFERED="1")  # fmt: skip
    proc = subprocess.Popen(
        riskgate_command("run", "--port", str(port), "--no-sample"),
        env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        token = next(
            line.split()[2] for line in proc.stdout if line.startswith("token integrator ")
        )
        # the access log goes to stdout: keep reading it, or the server blocks on a full pipe
        threading.Thread(target=proc.stdout.read, daemon=True).start()
        wait_for_port(port, timeout_s=60)
        yield Server(port, token)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _petition(neighbourhood: str) -> bytes:
    event = {
        "event_id": str(uuid.uuid4()), "type": "petition.submitted",
        "occurred_at": "2009-05-01T10:00:00+01:00", "source": "burnley-borough-council",
        "body": BURNLEY,
        "payload": {"petition_ref": "P-1", "topic": "Save the day centre", "signatures": 900,
                    "theme": "healthier_communities_and_older_people",
                    "neighbourhood": neighbourhood},
    }  # fmt: skip
    return json.dumps(event).encode()


def test_a_million_letter_neighbourhood_is_refused_and_health_still_answers(
    server: Server,
) -> None:
    status, body = server.request("POST", "/v1/events", _petition("a" * 1_000_000))
    assert status in (400, 413)
    assert set(body) == {"code", "status", "message", "errors"}
    assert server.request("GET", "/healthz") == (200, {"status": "ok"})
    # the server still takes a valid petition after it
    status, body = server.request("POST", "/v1/events", _petition("Daneshouse"))
    assert (status, len(body["accepted"])) == (202, 1)


def test_a_chunked_body_over_the_limit_is_413_in_the_error_shape(server: Server) -> None:
    status, body = server.request("POST", "/v1/events", b" " * 3_000_000, chunked=True)
    assert status == 413
    assert "RISKGATE_MAX_BODY_BYTES" in body["message"]
    assert server.request("GET", "/healthz")[0] == 200


def test_json_nested_10000_deep_is_400_naming_body(server: Server) -> None:
    status, body = server.request("POST", "/v1/events", b"[" * 10_000 + b"]" * 10_000)
    assert status == 400 and list(body["errors"]) == ["body"]
    assert server.request("GET", "/healthz")[0] == 200
