"""Against real Kafka (Tansu) and Redis: the running risk service compares the areas with their
peers by itself once the figures are quiet, and `riskgate assess` reads the same flags without
publishing anything."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from riskgate.adapters.redis_store import RedisStore
from riskgate.adapters.rule_files import read_rule_file, without_lines
from riskgate.service_layer.tokens import Tokens
from tests.conftest import RULES_DIR, riskgate_command, service_env
from tests.integration.cluster import Service, call, read_topic, running, wait_for

pytestmark = pytest.mark.integration
ECONOMY = "economic_development_and_environment"
SLIDING, RISING = "E10000006", "E10000007"  # the peers fixture's worst and best counties


@pytest.fixture
def cluster(kafka: str, redis_url: str, tmp_path: Path) -> Iterator[dict[str, Service]]:
    quiet = {"RISKGATE_PEERS_QUIET_SECONDS": "1"}
    with running(("ingest", "risk", "gatekeeper"), kafka, redis_url, tmp_path, **quiet) as found:
        yield found


def _fixture_events() -> list[dict[str, Any]]:
    doc = without_lines(read_rule_file(RULES_DIR / "fixtures" / "peers.yaml"))
    return [
        {**e, "event_id": f"00000000-0000-4000-8000-{n:012d}", "source": "fixture"}
        for n, e in enumerate(doc["events"])
    ]


def _flag(cluster: dict[str, Service], area: str) -> tuple[str, list[str]] | None:
    status, answer = call("GET", cluster["risk"].url + f"/v1/areas/{area}/assessment?year=2009")
    assert status == 200, answer
    judgement = answer["themes"].get(ECONOMY)
    return (judgement["flag"], judgement["rule_ids"]) if judgement else None


def test_the_risk_service_compares_peers_itself_and_assess_only_reads(
    cluster: dict[str, Service], kafka: str, redis_url: str, tmp_path: Path
) -> None:
    integrator = Tokens(RedisStore(redis_url)).create("integrator")
    status, reply = call(
        "POST", cluster["ingest"].url + "/v1/events", _fixture_events(), integrator
    )
    assert status == 202, reply

    red = ("red", ["PEER-WORST-QUARTILE-WORSENING"])
    wait_for(lambda: _flag(cluster, SLIDING) == red, timeout_s=90, what="the peer comparison")
    assert _flag(cluster, RISING) == ("green", ["PEER-BEST-DECILE-IMPROVING"])
    requests_before = len(read_topic(kafka, "inspection.requests.v1"))
    judgements_before = len(read_topic(kafka, "risk.judgements.v1"))
    assert requests_before == 1  # the peer rule's request, raised by the live service

    out = tmp_path / "assessment.json"
    result = subprocess.run(
        riskgate_command("assess", "--year", "2009", "--out", str(out)),
        env=service_env(kafka, redis_url), capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert "note:" not in result.stderr  # nothing waiting for a comparison
    areas = json.loads(out.read_text())["areas"]
    assert areas[SLIDING]["themes"][ECONOMY]["rule_ids"] == ["PEER-WORST-QUARTILE-WORSENING"]
    assert areas[RISING]["themes"][ECONOMY]["flag"] == "green"
    assert len(read_topic(kafka, "inspection.requests.v1")) == requests_before
    assert len(read_topic(kafka, "risk.judgements.v1")) == judgements_before
