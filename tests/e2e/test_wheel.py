"""riskgate as a user installs it: the wheel in a fresh venv, run from a folder outside the checkout.

The wheel is built from a clean copy of the checkout's files (as a fresh clone has them), and
installed with its dependencies from the package index; no command here sees the checkout:
each runs in a temporary folder with PYTHONPATH and every RISKGATE_* setting stripped.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, free_port
from tests.e2e.demo_summary import check_demo_summary

INSTALL_TIMEOUT_S = 1800  # durable-rules compiles from source on a cold pip cache
START_TIMEOUT_S = 60.0
JUDGED_TIMEOUT_S = 300.0  # the embedded run loads the sample year before it pumps new events
# An inadequate finding (1) for Shropshire in 2011: FND-INADEQUATE flags red. The sample year
# the embedded run loads is 2009, so nothing else speaks about Shropshire's 2011.
AREA, YEAR, THEME = "E06000051", 2011, "children_and_young_people"


@dataclass(frozen=True)
class Installed:
    """A fresh venv with the riskgate wheel installed, and a folder outside the checkout."""

    venv: Path
    wheel: Path
    elsewhere: Path
    install_seconds: float

    def env(self, **extra: str) -> dict[str, str]:
        """A user's environment: the venv first on PATH, no PYTHONPATH, no riskgate settings."""
        env = {
            "PATH": f"{self.venv / 'bin'}:/usr/bin:/bin",
            "HOME": str(self.elsewhere),
            "LANG": "C.UTF-8",
            "PYTHONUNBUFFERED": "1",
        }
        env.update(extra)
        return env

    def riskgate(
        self, *args: str, timeout: float = 600, **env: str
    ) -> subprocess.CompletedProcess[str]:
        """Run the installed `riskgate` command in the folder outside the checkout."""
        return subprocess.run(
            [str(self.venv / "bin" / "riskgate"), *args],
            cwd=self.elsewhere,
            env=self.env(**env),
            capture_output=True,
            text=True,
            timeout=timeout,
        )


def _user_env() -> dict[str, str]:
    """This environment (pip's settings included) without anything pointing at the checkout."""
    return {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "VIRTUAL_ENV") and not k.startswith("RISKGATE_")
    }


def _clean_copy(target: Path) -> Path:
    """The checkout's files as a fresh clone has them: tracked or new, never ignored."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`pip wheel --no-deps` of a clean copy of the checkout."""
    source = _clean_copy(tmp_path_factory.mktemp("clone"))
    dist = tmp_path_factory.mktemp("dist")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", str(dist), str(source)],
        env=_user_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    (built,) = dist.glob("riskgate-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """A fresh venv holding the wheel and its dependencies from the index, as `pip install` does."""
    venv = tmp_path_factory.mktemp("venv")
    env = _user_env()
    subprocess.run([sys.executable, "-m", "venv", str(venv)], env=env, check=True, timeout=300)
    started = time.monotonic()
    result = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheel)],
        env=env,
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT_S,
    )
    seconds = time.monotonic() - started
    assert result.returncode == 0, result.stderr[-4000:]
    print(f"\npip install of {wheel.name} into a fresh venv: {seconds:.1f} s")
    return Installed(venv, wheel, tmp_path_factory.mktemp("elsewhere"), seconds)


# --- the wheel ---------------------------------------------------------------------------


def test_the_wheel_holds_every_module_every_rule_file_the_reference_data_and_the_sample_scripts(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    services = ROOT / "services"
    modules = {str(p.relative_to(services)) for p in (services / "riskgate").rglob("*.py")}
    data = {str(p.relative_to(services)) for p in (services / "riskgate" / "data").iterdir()}
    scripts = {str(p.relative_to(services)) for p in (services / "riskgate").rglob("*.yaml")}
    # Swagger UI for /docs, vendored so that the installed API reference needs no network
    static = services / "riskgate" / "entrypoints" / "http" / "static"
    assets = {str(p.relative_to(services)) for p in static.rglob("*") if p.is_file()}
    assert "riskgate/entrypoints/http/static/swagger-ui/swagger-ui-bundle.js" in assets
    assert "riskgate/sample/stories.yaml" in scripts
    rules = {
        f"riskgate/rules/{p.relative_to(ROOT / 'rules')}"
        for p in (ROOT / "rules").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert {"riskgate/rules/policies.yaml", "riskgate/rules/fixtures/findings.yaml"} <= rules
    missing = sorted((modules | data | scripts | rules | assets) - names)
    assert missing == [], f"not in {wheel.name}: {missing}"


def test_the_wheel_holds_the_pages_templates_and_the_vendored_govuk_frontend(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    web = ROOT / "services" / "riskgate" / "entrypoints" / "web"
    pages = {
        str(p.relative_to(ROOT / "services"))
        for folder in ("templates", "static")
        for p in (web / folder).rglob("*")
        if p.is_file()
    }
    assert "riskgate/entrypoints/web/static/govuk/govuk-frontend.min.css" in pages
    assert sorted(pages - names) == [], f"not in {wheel.name}"


def test_riskgate_runs_from_the_venv_with_the_rules_inside_it(installed: Installed) -> None:
    result = subprocess.run(
        [
            str(installed.venv / "bin" / "python"),
            "-c",
            "import riskgate; from riskgate.config import Settings; "
            "print(riskgate.__file__); print(Settings.from_env().rules_dir)",
        ],
        cwd=installed.elsewhere,
        env=installed.env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    package, rules_dir = (Path(line) for line in result.stdout.split())
    site_packages = next((installed.venv / "lib").glob("python3.*/site-packages"))
    assert package.is_relative_to(site_packages), package
    assert rules_dir == site_packages / "riskgate" / "rules"
    assert not package.is_relative_to(ROOT) and not rules_dir.is_relative_to(ROOT)


# --- the commands ------------------------------------------------------------------------


def test_rules_lint_passes_on_the_shipped_rules(installed: Installed) -> None:
    result = installed.riskgate("rules", "lint")

    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.startswith("ok: ")


def test_assess_writes_every_areas_assessment_as_json(installed: Installed) -> None:
    result = installed.riskgate("assess", "--year", "2009", "--out", "assessment.json")

    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.startswith("assessment 2009: 152 areas")
    document = json.loads((installed.elsewhere / "assessment.json").read_text())
    assert document["year"] == 2009
    assert len(document["areas"]) == 152
    assert any(
        theme["flag"] == "red"
        for area in document["areas"].values()
        for theme in area["themes"].values()
    ), "the sample year's planted problems are flagged"
    # the year's events kept in the user's cache folder for the next run, none in the folder
    kept = list((installed.elsewhere / ".cache" / "riskgate").glob("events-2009-*.json"))
    assert len(kept) == 1 and kept[0].stat().st_size > 10_000_000
    assert not list(installed.elsewhere.glob("events-*"))


def test_demo_flags_exactly_the_planted_problems_and_routes_them_to_work(
    installed: Installed, sample_year: list[dict[str, Any]]
) -> None:
    result = installed.riskgate("demo")

    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert out.startswith("riskgate demo: sample year 2009\n")
    assert re.search(r"^areas judged: 152; flags: red [1-9]\d*, green \d+$", out, re.M), out[:2000]
    assert re.search(r"^gatekeeper decisions: [1-9]\d* ", out, re.M), out[:2000]
    assert "dead letters: 0" in out
    check_demo_summary(out, sample_year)


def test_rules_export_writes_a_copy_that_riskgate_rules_dir_points_at(
    installed: Installed,
) -> None:
    copy = installed.elsewhere / "my-rules"

    exported = installed.riskgate("rules", "export", str(copy))

    assert exported.returncode == 0, exported.stderr[-3000:]
    assert f"export RISKGATE_RULES_DIR={copy}" in exported.stdout
    assert (copy / "policies.yaml").is_file() and (copy / "fixtures" / "findings.yaml").is_file()
    assert not (copy / "__init__.py").exists()
    linted = installed.riskgate("rules", "lint", RISKGATE_RULES_DIR=str(copy))
    assert linted.returncode == 0, linted.stderr[-3000:]
    # The copy is what riskgate reads: break it, and lint names the broken file.
    (copy / "routing.yaml").write_text("routing: {}\n")
    broken = installed.riskgate("rules", "lint", RISKGATE_RULES_DIR=str(copy))
    assert broken.returncode == 1
    assert "routing.yaml" in broken.stderr
    # Exporting again over the edited copy is refused, unless forced.
    again = installed.riskgate("rules", "export", str(copy))
    assert again.returncode == 1
    assert f"{copy}: not empty" in again.stderr and "--force" in again.stderr
    forced = installed.riskgate("rules", "export", "--force", str(copy))
    assert forced.returncode == 0, forced.stderr[-3000:]
    assert installed.riskgate("rules", "lint", RISKGATE_RULES_DIR=str(copy)).returncode == 0


# --- riskgate run --------------------------------------------------------------------------


def _request(url: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
            return int(response.status), json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


@dataclass
class Running:
    base: str
    log: Path
    proc: subprocess.Popen[bytes]

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def tokens(self) -> dict[str, str]:
        return dict(re.findall(r"^token (\S+) (rg_\S+)$", self.output(), re.M))


@contextlib.contextmanager
def _run(installed: Installed, **settings: str) -> Iterator[Running]:
    """`riskgate run --port P` from the folder outside the checkout (with `settings` in its
    environment), stopped by SIGTERM afterwards."""
    port = free_port()
    log = installed.elsewhere / f"run-{port}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(installed.venv / "bin" / "riskgate"), "run", "--port", str(port)],
            cwd=installed.elsewhere,
            env=installed.env(**settings),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield Running(f"http://127.0.0.1:{port}", log, proc)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@pytest.fixture
def running(installed: Installed) -> Iterator[Running]:
    """`riskgate run` embedded, from the folder outside the checkout."""
    with _run(installed) as server:
        yield server


def _healthy(server: Running) -> bool:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline and server.proc.poll() is None:
        try:
            if _request(f"{server.base}/healthz")[0] == 200:
                return True
        except OSError:
            pass
        time.sleep(0.25)
    return False


def _inadequate_finding() -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid4()),
        "type": "inspection.finding",
        "occurred_at": f"{YEAR}-06-15T10:00:00+00:00",
        "source": "ofsted",
        "body": AREA,
        "payload": {
            "inspection_id": f"OFSTED-{YEAR}-{AREA}-APA",
            "inspectorate": "ofsted",
            "theme": THEME,
            "finding": 1,
            "summary": "Inadequate safeguarding",
        },
    }


def test_run_answers_health_prints_tokens_and_judges_a_posted_event(running: Running) -> None:
    assert _healthy(running), f"no /healthz in {START_TIMEOUT_S:.0f}s:\n{running.output()[-4000:]}"
    tokens = running.tokens()
    assert {"integrator", "gatekeeper", "inspectorate:ofsted"} <= set(tokens), running.output()
    event = _inadequate_finding()

    # Only the inspectorate that inspected may publish its finding (issue 10).
    status, reply = _request(f"{running.base}/v1/events", event, tokens["inspectorate:ofsted"])

    assert status == 202, reply
    _assert_flagged_red_by(running, event)


def _assert_flagged_red_by(server: Running, event: dict[str, Any]) -> None:
    """The area's theme is flagged red by FND-INADEQUATE on `event` (waiting for it)."""
    url = f"{server.base}/v1/areas/{AREA}/assessment?year={YEAR}"
    deadline = time.monotonic() + JUDGED_TIMEOUT_S
    judgement: dict[str, Any] = {}
    while time.monotonic() < deadline and server.proc.poll() is None:
        status, body = _request(url)
        assert status == 200, body
        judgement = body["themes"][THEME]
        if judgement["flag"]:
            break
        time.sleep(0.5)
    assert judgement.get("flag") == "red", (
        f"no flag in {JUDGED_TIMEOUT_S:.0f}s: {judgement}\n{server.output()[-4000:]}"
    )
    assert judgement["rule_ids"] == ["FND-INADEQUATE"]
    assert [e["event_id"] for e in judgement["evidence"]] == [event["event_id"]]


def test_the_installed_api_reference_at_docs_loads_its_files_from_the_wheel(
    running: Running,
) -> None:
    assert _healthy(running), running.output()[-4000:]
    with urllib.request.urlopen(f"{running.base}/docs", timeout=10) as page:  # noqa: S310 - loopback
        html = page.read().decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and all(a.startswith("/docs/assets/") for a in assets), assets
    for asset in assets:
        with urllib.request.urlopen(f"{running.base}{asset}", timeout=10) as served:  # noqa: S310
            assert served.status == 200 and len(served.read()) > 10_000, asset


def test_run_against_kafka_and_redis_judges_a_posted_event_in_its_own_consumer_process(
    installed: Installed, kafka: str, redis_url: str
) -> None:
    """The installed `riskgate run` against a Kafka-protocol broker (Tansu) and Redis, from the
    folder outside the checkout: its consumers run as `riskgate consume` processes started
    from the venv's own interpreter, and a finding posted to its ingest is judged by them."""
    made = installed.riskgate(
        "tokens", "create", "--role", "inspectorate:ofsted", "--holder", "the wheel test",
        KAFKA_BOOTSTRAP_SERVERS=kafka, REDIS_URL=redis_url,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    with _run(installed, KAFKA_BOOTSTRAP_SERVERS=kafka, REDIS_URL=redis_url) as server:
        # Ready only once every consumer process has reported that it polls (/readyz reads
        # their state from the run's shared metrics folder).
        deadline = time.monotonic() + START_TIMEOUT_S
        ready: tuple[int, Any] = (0, None)
        while time.monotonic() < deadline and server.proc.poll() is None:
            with contextlib.suppress(OSError):
                ready = _request(f"{server.base}/readyz")
                if ready[0] == 200:
                    break
            time.sleep(0.5)
        assert ready[0] == 200, f"{ready}\n{server.output()[-4000:]}"
        consumers = re.findall(r"started the (\w+) consumer process", server.output())
        assert sorted(consumers) == ["citizens", "gatekeeper", "risk", "work"], server.output()

        event = _inadequate_finding()
        status, reply = _request(f"{server.base}/v1/events", event, token)
        assert status == 202, reply
        _assert_flagged_red_by(server, event)
    assert server.proc.returncode == 0, server.output()[-4000:]
