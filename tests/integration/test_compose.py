"""docker-compose.yml and docker/Dockerfile, checked without a Docker engine.

Docker does not run here, so the compose file is checked by parsing it, and each
riskgate container is checked by running the very command it runs (its compose
`command` after the image's `riskgate` entrypoint) with its compose environment,
the `kafka` and `redis` hostnames mapped onto the test broker and Redis.
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT, free_port, riskgate_command, service_env

pytestmark = pytest.mark.integration

COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "docker" / "Dockerfile"
SERVICES = ("ingest", "risk", "gatekeeper", "work", "citizens")
COMPOSE_KAFKA = "kafka:9092"
COMPOSE_REDIS_HOST = "redis://redis:6379"
COMPOSE_INGEST = "http://ingest:8000"
IMAGE = "riskgate:local"
READY_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 10.0  # `docker stop` sends SIGKILL 10 s after SIGTERM


def compose() -> dict[str, Any]:
    document = yaml.safe_load(COMPOSE_FILE.read_text())
    assert isinstance(document, dict), "docker-compose.yml is not a mapping"
    return document


def riskgate_services() -> dict[str, dict[str, Any]]:
    """The long-running services of the riskgate image (`riskgate run SERVICE`), by name."""
    return {
        name: spec
        for name, spec in compose()["services"].items()
        if spec.get("image") == IMAGE and "profiles" not in spec
    }


def jobs() -> dict[str, dict[str, Any]]:
    """The one-shot jobs of the riskgate image, each in a profile, by name."""
    return {
        name: spec
        for name, spec in compose()["services"].items()
        if spec.get("image") == IMAGE and "profiles" in spec
    }


def environment(spec: dict[str, Any]) -> dict[str, str]:
    """A compose `environment`, as a mapping or a list of KEY=VALUE, as strings."""
    env = spec.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) for item in env)
    return {key: "" if value is None else str(value) for key, value in env.items()}


# --- the compose file ----------------------------------------------------------------


def test_compose_has_no_obsolete_version_key() -> None:
    assert "version" not in compose()


def test_kafka_runs_kraft_with_a_volume_and_a_healthcheck() -> None:
    kafka = compose()["services"]["kafka"]
    assert kafka["image"].startswith("apache/kafka:")
    env = environment(kafka)
    roles = {role.strip() for role in env["KAFKA_PROCESS_ROLES"].split(",")}
    assert {"broker", "controller"} <= roles
    assert "ZOOKEEPER" not in " ".join(env)
    assert env["KAFKA_ADVERTISED_LISTENERS"] == f"PLAINTEXT://{COMPOSE_KAFKA}"
    assert env["KAFKA_CONTROLLER_LISTENER_NAMES"] in env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"]
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    assert env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == "1"
    # a KRaft cluster id is a base64url UUID: 22 characters
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", env.get("CLUSTER_ID", "")), (
        "CLUSTER_ID: not a Kafka Uuid"
    )
    assert any(str(v).endswith(":" + env["KAFKA_LOG_DIRS"]) for v in kafka["volumes"])
    assert "kafka-broker-api-versions" in " ".join(kafka["healthcheck"]["test"])


def test_redis_persists_with_aof_on_a_volume() -> None:
    redis = compose()["services"]["redis"]
    command = redis["command"]
    command = command if isinstance(command, list) else command.split()
    assert command[0] == "redis-server"
    assert "--appendonly" in command
    assert command[command.index("--appendonly") + 1] == "yes"
    assert any(str(v).endswith(":/data") for v in redis["volumes"])
    assert "ping" in " ".join(redis["healthcheck"]["test"])
    named = {str(v).split(":", 1)[0] for v in redis["volumes"]}
    assert named <= set(compose().get("volumes") or {})


def test_one_build_of_the_dockerfile_serves_every_service_and_job() -> None:
    built = {name: spec for name, spec in compose()["services"].items() if "build" in spec}
    assert list(built) == ["ingest"], f"the riskgate image is built by {list(built)}"
    build = built["ingest"]["build"]
    assert Path(build["context"]) == Path(".")
    assert (ROOT / build["context"] / build["dockerfile"]).resolve() == DOCKERFILE
    assert built["ingest"]["image"] == IMAGE
    assert set(riskgate_services()) == set(SERVICES)
    assert set(jobs()) == {"gatekeeper-token", "sample"}


def test_every_riskgate_service_runs_one_service_and_is_healthy_on_readyz() -> None:
    services = riskgate_services()
    host_ports = set()
    for name, spec in services.items():
        command = spec["command"]
        assert command[:2] == ["run", name], f"{name}: command {command}"
        assert command[1] in SERVICES
        assert command[command.index("--host") + 1] == "0.0.0.0"
        assert command[command.index("--port") + 1] == "8000"
        env = environment(spec)
        assert env["KAFKA_BOOTSTRAP_SERVERS"] == COMPOSE_KAFKA
        assert env["REDIS_URL"].startswith(COMPOSE_REDIS_HOST)
        for dependency in ("kafka", "redis"):
            assert spec["depends_on"][dependency]["condition"] == "service_healthy"
        assert spec["restart"] == "unless-stopped"
        check = spec["healthcheck"]["test"]
        assert check[0] == "CMD" and "http://127.0.0.1:8000/readyz" in " ".join(check)
        (port,) = spec["ports"]
        host, container = str(port).rsplit(":", 1)
        assert container == "8000"
        host_ports.add(host)
    assert len(host_ports) == len(SERVICES), "two services publish the same host port"
    assert services["risk"]["ports"] == ["8002:8000"]  # the public assessment API


def test_the_jobs_run_once_in_profiles_after_what_they_need() -> None:
    token, sample = jobs()["gatekeeper-token"], jobs()["sample"]
    assert token["profiles"] == ["setup"] and sample["profiles"] == ["sample"]
    for job in (token, sample):
        assert job["restart"] == "no"
        assert job["depends_on"]["redis"]["condition"] == "service_healthy"
        assert environment(job)["REDIS_URL"].startswith(COMPOSE_REDIS_HOST)
    assert token["command"][:4] == ["tokens", "create", "--role", "gatekeeper"]
    assert sample["depends_on"]["ingest"]["condition"] == "service_healthy"
    assert sample["command"] == ["sample", "--publish", COMPOSE_INGEST]


def shell_words(command: list[str]) -> str:
    """A command as a reader would type it: words with spaces quoted."""
    return " ".join(f'"{word}"' if " " in word else word for word in command)


def test_the_compose_header_and_docker_readme_say_what_runs() -> None:
    header = " ".join(COMPOSE_FILE.read_text().split("\nname:", 1)[0].replace("#", " ").split())
    said_ports = dict(re.findall(r"(\w+) (80\d\d)", header))
    run_ports = {
        name: str(spec["ports"][0]).split(":")[0] for name, spec in riskgate_services().items()
    }
    assert said_ports == run_ports, f"the header says {said_ports}; compose runs {run_ports}"
    assert "five riskgate services" in header and "four" not in header
    for name in jobs():
        assert name in header, f"the header does not show how to run {name}"
    readme = (ROOT / "docker" / "README.md").read_text()
    for name in compose()["services"]:
        assert f"| `{name}`" in readme, f"docker/README.md does not list {name}"
    for name in riskgate_services():
        assert f"`riskgate run {name}`" in readme
        assert f"| {run_ports[name]} |" in readme.split(f"| `{name}`", 1)[1].split("\n")[0]
    for name, spec in jobs().items():
        shown = f"riskgate {shell_words(spec['command'])}"
        assert shown in readme, f"docker/README.md does not show {name}'s command: {shown}"


# --- the Dockerfile --------------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) per instruction, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            out.append((keyword.upper(), rest.strip()))
    return out


def stages() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The builder stage's instructions (before the last FROM) and the runtime stage's."""
    instructions = dockerfile_instructions()
    last_from = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM")
    return instructions[:last_from], instructions[last_from:]


def shell_steps(stage: list[tuple[str, str]]) -> list[str]:
    """Each command of the stage's RUN instructions, split at `&&`, mount options dropped."""
    steps: list[str] = []
    for keyword, args in stage:
        if keyword == "RUN":
            args = re.sub(r"^(--mount=\S+\s+)+", "", args)
            steps.extend(" ".join(step.split()) for step in args.split("&&"))
    return steps


def test_dockerfile_is_multi_stage_pinned_non_root_with_the_rules() -> None:
    instructions = dockerfile_instructions()
    froms = [args for keyword, args in instructions if keyword == "FROM"]
    assert len(froms) >= 2, "expected a builder stage and a runtime stage"
    for image in froms:
        assert re.match(r"python:3\.11(\.\d+)?-slim-bookworm\b", image), (
            f"FROM {image}: pin python:3.11"
        )
    assert any("build-essential" in args for keyword, args in instructions if keyword == "RUN")
    _builder, runtime = stages()
    assert not any("build-essential" in args for keyword, args in runtime if keyword == "RUN")
    users = [args for keyword, args in runtime if keyword == "USER"]
    assert users and not users[-1].startswith(("root", "0")), "the image must not run as root"
    assert ("ENTRYPOINT", '["riskgate"]') in instructions
    assert ("CMD", '["run", "ingest", "--host", "0.0.0.0", "--port", "8000"]') in instructions
    healthchecks = [args for keyword, args in instructions if keyword == "HEALTHCHECK"]
    assert healthchecks and "urllib" in healthchecks[-1] and "/readyz" in healthchecks[-1]


def test_the_runtime_stage_installs_the_built_wheel_and_no_source_tree() -> None:
    _builder, runtime = stages()
    copied = [args for keyword, args in runtime if keyword == "COPY" and "--from=" not in args]
    assert copied == [], f"the runtime stage copies from the source tree: {copied}"
    installs = [step for step in shell_steps(runtime) if step.startswith("pip install")]
    assert len(installs) == 1, installs
    assert "--no-index" in installs[0].split()
    assert installs[0].split()[-1].endswith(".whl"), f"{installs[0]}: installs no wheel file"
    env = " ".join(args for keyword, args in runtime if keyword == "ENV")
    assert "RISKGATE_RULES_DIR" not in env, "the image must run with the rules in the wheel"


def test_the_builder_copies_every_folder_the_wheel_is_made_of() -> None:
    builder, _runtime = stages()
    copied = {s for keyword, args in builder if keyword == "COPY" for s in args.split()[:-1]}
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert set(setuptools["package-dir"].values()) <= copied | {""}, (
        f"pyproject.toml package-dir {setuptools['package-dir']}; the builder copies {copied}"
    )
    assert "pyproject.toml" in copied


def test_the_builders_wheel_command_makes_a_wheel_with_the_rules(tmp_path: Path) -> None:
    """Run the builder's `pip wheel --no-deps` on a context holding only what it copies."""
    builder, _runtime = stages()
    context = tmp_path / "src"
    context.mkdir()
    for keyword, args in builder:
        if keyword == "COPY":
            *sources, destination = args.split()
            for source in sources:
                for path in ROOT.glob(source):
                    target = (
                        context / destination / (path.name if destination.endswith("/") else "")
                    )
                    if path.is_dir():
                        shutil.copytree(
                            path, target, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
                        )
                    else:
                        shutil.copy(path, target)
    (step,) = [s for s in shell_steps(builder) if s.startswith("pip wheel --no-deps")]
    out = tmp_path / "dist"
    argv = [str(out) if arg == "/dist" else arg for arg in step.split()[1:]]
    result = subprocess.run(
        [sys.executable, "-m", "pip", *argv],
        cwd=context,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"`{step}` failed:\n{result.stderr[-4000:]}"
    (wheel,) = out.glob("riskgate-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {
        f"riskgate/rules/{p.relative_to(ROOT / 'rules')}" for p in (ROOT / "rules").rglob("*.yaml")
    }
    assert shipped and shipped <= names, f"missing from the wheel: {sorted(shipped - names)}"


def test_everything_the_dockerfile_copies_exists() -> None:
    for keyword, args in dockerfile_instructions():
        if keyword != "COPY" or "--from=" in args:
            continue
        *sources, _destination = args.split()
        for source in sources:
            if "*" not in source:  # a glob may match nothing on purpose
                assert (ROOT / source).exists(), f"COPY {source}: missing from the build context"


# --- each container's command, run for real ---------------------------------------------


def get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def container_command(spec: dict[str, Any], port: int) -> list[str]:
    """The compose command with --host and --port pointed at the loopback test port."""
    command = [str(part) for part in spec["command"]]
    command[command.index("--host") + 1] = "127.0.0.1"
    command[command.index("--port") + 1] = str(port)
    return command


def container_env(spec: dict[str, Any], kafka: str, redis_url: str) -> dict[str, str]:
    """The compose environment, with the compose hostnames mapped onto the test servers."""
    extra = environment(spec)
    assert extra.pop("KAFKA_BOOTSTRAP_SERVERS") == COMPOSE_KAFKA
    assert extra.pop("REDIS_URL").startswith(COMPOSE_REDIS_HOST)
    env = service_env(kafka, redis_url, **extra)
    env.pop("RISKGATE_RULES_DIR")  # the image runs with the rules shipped in the wheel
    return env


def stop(proc: subprocess.Popen[bytes]) -> bool:
    """SIGTERM (what `docker stop` sends), then SIGKILL if needed; True if SIGTERM was enough."""
    if proc.poll() is not None:
        return True
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=STOP_TIMEOUT_S)
        return True
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)
        return False


def run_healthcheck(spec: dict[str, Any], port: int) -> subprocess.CompletedProcess[str]:
    """The service's compose healthcheck (`CMD python -c …`), pointed at the test port."""
    kind, program, *args = spec["healthcheck"]["test"]
    assert (kind, program) == ("CMD", "python")
    args = [arg.replace("127.0.0.1:8000", f"127.0.0.1:{port}") for arg in args]
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, timeout=spec_seconds(spec)
    )


def spec_seconds(spec: dict[str, Any]) -> float:
    """The healthcheck's timeout (`5s`) in seconds."""
    return float(str(spec["healthcheck"]["timeout"]).removesuffix("s"))


@pytest.mark.parametrize("service", SERVICES)
def test_container_command_serves_healthz_and_readyz(
    service: str, kafka: str, redis_url: str, tmp_path: Path
) -> None:
    spec = riskgate_services()[service]
    port = free_port()
    log_path = tmp_path / f"{service}.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            riskgate_command(*container_command(spec, port)),
            env=container_env(spec, kafka, redis_url),
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
        )
        base = f"http://127.0.0.1:{port}"
        status = {"/healthz": 0, "/readyz": 0}
        try:
            deadline = time.monotonic() + READY_TIMEOUT_S
            while time.monotonic() < deadline and proc.poll() is None:
                for path in status:
                    try:
                        status[path] = get(base + path)
                    except OSError:
                        status[path] = 0
                if all(code == 200 for code in status.values()):
                    break
                time.sleep(0.25)
            healthcheck = run_healthcheck(spec, port)
        finally:
            stopped_by_sigterm = stop(proc)
    output = log_path.read_text(errors="replace")[-8000:]
    assert status == {"/healthz": 200, "/readyz": 200}, (
        f"`riskgate {' '.join(container_command(spec, port))}` not ready in {READY_TIMEOUT_S:.0f}s "
        f"(last answers {status}, exit code {proc.returncode}); output:\n{output}"
    )
    assert healthcheck.returncode == 0, f"the compose healthcheck failed: {healthcheck.stderr}"
    assert stopped_by_sigterm, (
        f"{service} still running {STOP_TIMEOUT_S:.0f}s after SIGTERM; killed. Output:\n{output}"
    )
    assert proc.returncode == 0, (
        f"{service} exited with {proc.returncode} on SIGTERM; output:\n{output}"
    )


# --- the one-shot jobs, run for real --------------------------------------------------------


def job_command(spec: dict[str, Any], ingest_url: str | None = None) -> list[str]:
    """The job's compose command, the `ingest` hostname mapped onto a test server."""
    return [
        ingest_url if (ingest_url and part == COMPOSE_INGEST) else str(part)
        for part in spec["command"]
    ]


def test_the_token_job_prints_a_gatekeeper_token_once(
    kafka: str, redis_url: str, tmp_path: Path
) -> None:
    from riskgate.adapters.redis_store import RedisStore
    from riskgate.service_layer.tokens import Tokens

    spec = jobs()["gatekeeper-token"]

    result = subprocess.run(
        riskgate_command(*job_command(spec)),
        env=container_env(spec, kafka, redis_url),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )

    assert result.returncode == 0, result.stderr[-3000:]
    (secret,) = result.stdout.split()
    assert secret.startswith("rg_")
    found = Tokens(RedisStore(redis_url)).record_of(secret)
    assert found is not None, "the printed token is not in Redis"
    record = found[1]
    assert (record.role, record.holder) == ("gatekeeper", "first gatekeeper")
    assert record.id in result.stderr  # its public id, for `tokens revoke`


def test_the_sample_job_publishes_to_ingest_with_a_token_per_role(
    kafka: str, redis_url: str, tmp_path: Path
) -> None:
    """The job's command runs against the ingest service's own command until ingest has
    accepted its first runs (registrations as admin, the rest as integrator). The whole year
    takes ingest about 2.7 s per 500 events here, 12 minutes in all, too long for a test: that
    every event of the year is published with the right token is held by
    tests/unit/test_sample_publishing.py."""
    from riskgate.adapters.redis_store import RedisStore
    from riskgate.service_layer.tokens import Tokens

    ingest = riskgate_services()["ingest"]
    port = free_port()
    log_path = tmp_path / "ingest.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            riskgate_command(*container_command(ingest, port)),
            env=container_env(ingest, kafka, redis_url),
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
        )
    spec = jobs()["sample"]
    job_log = tmp_path / "sample.log"
    accepted: list[dict[str, Any]] = []
    try:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline and run_healthcheck(ingest, port).returncode != 0:
            time.sleep(0.5)
        with job_log.open("wb") as out:
            job = subprocess.Popen(
                riskgate_command(*job_command(spec, f"http://127.0.0.1:{port}")),
                env=container_env(spec, kafka, redis_url),
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=tmp_path,
            )
        try:
            deadline = time.monotonic() + 180
            while len(accepted) < 3 and time.monotonic() < deadline and job.poll() is None:
                time.sleep(1.0)
                accepted = [
                    line
                    for line in (
                        json.loads(text)
                        for text in log_path.read_text().splitlines()
                        if text.startswith("{")  # the JSON log; the first line is the banner
                    )
                    if line.get("route") == "/v1/events" and line.get("status") == 202
                ]
        finally:
            still_running = stop(job) and job.returncode in (0, -signal.SIGTERM)
    finally:
        stop(proc)

    assert len(accepted) >= 3, job_log.read_text()[-3000:] + log_path.read_text()[-3000:]
    assert still_running, job_log.read_text()[-3000:]
    roles = {
        record.role
        for record in Tokens(RedisStore(redis_url)).records()
        if record.holder == "sample-loader"
    }
    assert {"admin", "integrator"} <= roles, roles
