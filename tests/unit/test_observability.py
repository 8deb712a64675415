"""What an operator sees of a running riskgate, embedded (memory bus and store), through Flask's
test client: JSON log lines carrying the request id of `X-Request-ID`, one line per gatekeeper
decision and override, the libraries kept quiet, /metrics by route and status, decisions by
outcome, consumer lag, the ruleset version and the sample year's load, and /readyz's 503 with
the load's progress."""

from __future__ import annotations

import io
import json
import logging
import logging.config
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families

from riskgate import logs, topics
from riskgate.adapters.bus import MemoryBus
from riskgate.adapters.sqlite_bus import SqliteBus
from riskgate.bootstrap import System, bootstrap
from riskgate.config import ConfigError, Settings
from riskgate.domain.publishing import LOADER
from riskgate.entrypoints.http import create_app
from tests.conftest import ROOT

SANDWELL = "E08000028"
HAMPSHIRE = "E10000014"


class LogLines:
    """What riskgate's logging configuration writes, one parsed JSON object a line."""

    def __init__(self) -> None:
        self.stream = io.StringIO()

    def all(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stream.getvalue().splitlines() if line]

    def where(self, **fields: Any) -> list[dict[str, Any]]:
        return [line for line in self.all() if all(line.get(k) == v for k, v in fields.items())]


@pytest.fixture
def log_lines() -> Iterator[LogLines]:
    """riskgate's own logging configuration, writing to a buffer instead of stderr."""
    root = logging.getLogger()
    kept = (root.handlers[:], root.level)
    named = ("riskgate", "gunicorn.error", *logs.LIBRARY_LOGGERS)
    levels = {name: logging.getLogger(name).level for name in named}
    lines = LogLines()
    config = logs.dict_config("INFO", "WARNING")
    config["handlers"]["stderr"]["stream"] = lines.stream
    logging.config.dictConfig(config)
    yield lines
    root.handlers[:], _ = kept
    root.setLevel(kept[1])
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
        logging.getLogger(name).handlers.clear()


@dataclass
class Served:
    system: System
    client: FlaskClient

    def token(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.system.tokens.create(role)}"}

    def metric(self, name: str, **labels: str) -> float:
        """A sample's value on /metrics (0 if absent)."""
        text = self.client.get("/metrics").get_data(as_text=True)
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name == name and all(
                    sample.labels.get(k) == v for k, v in labels.items()
                ):
                    return float(sample.value)
        return 0.0


@pytest.fixture
def served(tmp_path: Path) -> Served:
    # the gatekeeper's "today" in the sample year's autumn, as in tests/unit/test_gatekeeper_api.py
    system = bootstrap(Settings(rules_dir=ROOT / "rules", home=tmp_path, today=date(2009, 10, 1)))
    app = create_app(system)
    app.config["TESTING"] = True
    return Served(system, app.test_client())


# --- the request id -------------------------------------------------------------------------


def test_a_callers_request_id_is_echoed_and_named_by_the_requests_log_line(
    served: Served, log_lines: LogLines
) -> None:
    response = served.client.get("/readyz", headers={"X-Request-ID": "trace-0001.a"})

    assert response.headers["X-Request-ID"] == "trace-0001.a"
    [line] = log_lines.where(request_id="trace-0001.a")
    assert line["logger"] == "riskgate.http"
    assert line["level"] == "INFO"
    assert (line["method"], line["route"], line["status"]) == ("GET", "/readyz", 200)
    assert isinstance(line["duration_ms"], float) and line["time"].endswith("+00:00")


@pytest.mark.parametrize("given", [None, "", "two words", "x" * 129, "é"])
def test_a_request_without_a_sensible_id_gets_a_new_one(
    served: Served, log_lines: LogLines, given: str | None
) -> None:
    headers = {} if given is None else {"X-Request-ID": given}

    response = served.client.get("/healthz", headers=headers)

    request_id = response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id), request_id
    assert log_lines.where(request_id=request_id, route="/healthz")


def test_a_refused_request_has_its_id_and_its_count_too(
    served: Served, log_lines: LogLines
) -> None:
    before = served.metric("riskgate_http_requests_total", route="/v1/decisions", status="401")

    response = served.client.get("/v1/decisions", headers={"X-Request-ID": "no-token-1"})

    assert response.status_code == 401
    assert response.headers["X-Request-ID"] == "no-token-1"
    assert log_lines.where(request_id="no-token-1", status=401, route="/v1/decisions")
    after = served.metric("riskgate_http_requests_total", route="/v1/decisions", status="401")
    assert after == before + 1


# --- decisions and overrides ----------------------------------------------------------------


def _proposal() -> dict[str, Any]:
    return {
        "body": SANDWELL,
        "inspectorate": "ofsted",
        "theme": "children_and_young_people",
        "origin": "department",
        "reason": "DCSF is concerned about the council's children's services",
        "window_start": "2009-10-05",
        "window_end": "2009-12-31",
        "on_site_days": 3,
    }


def test_each_decision_and_override_logs_one_line_with_ids_outcome_policies_and_actor(
    served: Served, log_lines: LogLines
) -> None:
    approved_before = served.metric("riskgate_gatekeeper_decisions_total", outcome="approved")
    proposed = served.client.post(
        "/v1/inspection-requests", json=_proposal(), headers=served.token("integrator")
    )
    assert proposed.status_code == 202, proposed.get_json()
    served.system.pump()

    [decided] = log_lines.where(action="decision")
    assert decided["logger"] == "riskgate.service_layer.gatekeeper"
    assert decided["outcome"] == "approved"
    assert decided["inspection_request_id"] == proposed.get_json()["request_id"]
    assert decided["policy_ids"] and all(p.startswith("GK-") for p in decided["policy_ids"])
    assert decided["policy_version"].startswith("sha256:")
    assert decided["actor"]["holder"] == "riskgate.gatekeeper"
    assert decided["inspection_id"] and decided["body"] == SANDWELL
    assert "request_id" not in decided  # decided by the consumer, in no HTTP request
    after = served.metric("riskgate_gatekeeper_decisions_total", outcome="approved")
    assert after == approved_before + 1

    overridden = served.client.post(
        f"/v1/decisions/{decided['decision_id']}/override",
        json={"outcome": "rejected", "justification": "The department withdrew its concern."},
        headers={**served.token("gatekeeper"), "X-Request-ID": "override-7"},
    )

    assert overridden.status_code == 201, overridden.get_json()
    [line] = log_lines.where(action="override")
    assert line["request_id"] == "override-7"
    assert line["decision_id"] == decided["decision_id"]
    assert (line["previous_outcome"], line["outcome"]) == ("approved", "rejected")
    assert line["actor"]["role"] == "gatekeeper"
    assert line["actor"]["id"].startswith("tk_")
    assert line["justification"] == "The department withdrew its concern."
    assert served.metric("riskgate_gatekeeper_overrides_total", outcome="rejected") >= 1


# --- the libraries' loggers ----------------------------------------------------------------


def test_library_loggers_log_warnings_only_unless_asked(log_lines: LogLines) -> None:
    logging.getLogger("kafka.conn").info("<BrokerConnection ...>: connecting")
    logging.getLogger("kafka.conn").warning("broker gone")
    logging.getLogger("riskgate.anything").info("ours")

    said = [(line["logger"], line["message"]) for line in log_lines.all()]
    assert said == [("kafka.conn", "broker gone"), ("riskgate.anything", "ours")]


def test_the_library_log_level_is_read_and_checked_with_the_others() -> None:
    assert Settings.from_env({}).library_log_level == "WARNING"
    assert Settings.from_env({"RISKGATE_LIBRARY_LOG_LEVEL": "info"}).library_log_level == "INFO"
    with pytest.raises(ConfigError, match="RISKGATE_LIBRARY_LOG_LEVEL"):
        Settings.from_env({"RISKGATE_LIBRARY_LOG_LEVEL": "chatty"})


# --- metrics --------------------------------------------------------------------------------


def test_requests_are_counted_and_timed_by_route_not_by_path(served: Served) -> None:
    route = "/v1/areas/<code>/assessment"
    before = served.metric("riskgate_http_requests_total", route=route, status="200", method="GET")
    timed = served.metric("riskgate_http_request_duration_seconds_count", route=route, status="200")
    unmatched = served.metric("riskgate_http_requests_total", route="unmatched", status="404")

    for area in (SANDWELL, HAMPSHIRE):
        assert served.client.get(f"/v1/areas/{area}/assessment?year=2009").status_code == 200
    assert served.client.get("/no/such/page/at/all").status_code == 404

    assert (
        served.metric("riskgate_http_requests_total", route=route, status="200", method="GET")
        == before + 2
    )
    assert (
        served.metric("riskgate_http_request_duration_seconds_count", route=route, status="200")
        == timed + 2
    )
    assert served.metric("riskgate_http_requests_total", route="unmatched", status="404") == (
        unmatched + 1
    )
    text = served.client.get("/metrics").get_data(as_text=True)
    assert SANDWELL not in text and "/no/such" not in text


def test_metrics_name_the_ruleset_and_policies_in_force(served: Served) -> None:
    version = served.system.rules.current().version
    policies = served.system.gatekeeper.policies.version

    assert served.metric("riskgate_ruleset_info", version=version, policy_version=policies) == 1


def test_consumer_lag_is_what_each_group_has_not_committed(served: Served) -> None:
    served.system.pump()  # every consumer loop exists, nothing is waiting
    events = [_indicator(n) for n in range(3)]
    result = served.system.ingest.submit(events, LOADER)
    assert not result.errors

    lag = {"group": "riskgate-risk", "topic": topics.EVENTS, "partition": "0"}
    assert served.metric("riskgate_consumer_lag", **lag) == 3
    served.system.pump()
    assert served.metric("riskgate_consumer_lag", **lag) == 0


def _indicator(n: int) -> dict[str, Any]:
    return {
        "event_id": f"00000000-0000-4000-8000-{n:012d}",
        "type": "indicator.reported",
        "occurred_at": "2009-06-30T12:00:00+00:00",
        "source": "riskgate.loader",
        "body": SANDWELL,
        "payload": {"indicator": "NI 1", "period": f"2009-Q{n + 1}", "value": 70.0 + n},
    }


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_the_in_process_buses_count_lag_from_their_positions(kind: str, tmp_path: Path) -> None:
    bus = MemoryBus() if kind == "memory" else SqliteBus(tmp_path / "bus.sqlite3")
    bus.ensure_topics(["t"])
    for n in range(5):
        bus.publisher().publish("t", "k", {"n": n})
    bus.publisher().flush()
    subscription = bus.subscribe("g", ["t"])
    assert bus.lag("g", ["t"]) == {("t", 0): 5}

    subscription.commit(subscription.poll(0.0, max_records=2))

    assert bus.lag("g", ["t"]) == {("t", 0): 3}
    assert bus.lag("another", ["t"]) == {("t", 0): 5}


# --- readiness while the sample year loads ---------------------------------------------------


def test_readyz_answers_503_with_the_progress_until_the_sample_year_is_loaded(
    served: Served,
) -> None:
    loading = served.system.loading
    loading.begin()
    preparing = served.client.get("/readyz")
    loading.expect(127_104)
    loading.advance(41_230)
    halfway = served.client.get("/readyz")
    assert served.metric("riskgate_sample_loading") == 1
    assert served.metric("riskgate_sample_events_loaded") == 41_230
    loading.advance(127_104 - 41_230)
    loading.finish()
    loaded = served.client.get("/readyz")

    assert preparing.status_code == 503
    assert preparing.get_json()["problems"] == {"sample year": "loading (preparing)"}
    assert halfway.status_code == 503
    assert halfway.get_json()["problems"] == {"sample year": "loading 41,230 / 127,104"}
    assert halfway.get_json()["sample_year"] == {
        "state": "loading", "loaded": 41_230, "total": 127_104
    }  # fmt: skip
    assert loaded.status_code == 200, loaded.get_json()
    assert loaded.get_json()["sample_year"] == {
        "state": "loaded", "loaded": 127_104, "total": 127_104
    }  # fmt: skip
    assert served.metric("riskgate_sample_loading") == 0
