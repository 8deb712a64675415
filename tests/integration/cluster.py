"""Running riskgate services as real processes against the test broker and Redis."""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from kafka.admin import KafkaAdminClient

from riskgate.adapters.kafka_bus import KafkaBus
from tests.conftest import free_port, riskgate_command, service_env

GROUPS = {
    "riskgate-risk": "events.",
    "riskgate-gatekeeper": "inspection.requests.",
    "riskgate-work": "inspection.work.",
}


EVERY = "every"  # Service(EVERY, ...): `riskgate run` with no SERVICE


class Service:
    """One `riskgate run SERVICE` process (`riskgate run`, every service, for EVERY) with its
    own port and log file."""

    def __init__(self, name: str, kafka: str, redis_url: str, logs: Path, **env: str) -> None:
        self.name = name
        self.port = free_port()
        self.log_path = logs / f"{name}-{self.port}.log"
        self._log = self.log_path.open("w")
        self.proc = subprocess.Popen(
            riskgate_command(
                "run", *([] if name == EVERY else [name]), "--host", "127.0.0.1",
                "--port", str(self.port),
            ),  # fmt: skip
            env=service_env(kafka, redis_url, **env),
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout_s: float = 60.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(
                    f"{self.name} exited with {self.proc.returncode}:\n{self.output()}"
                )
            try:
                status, _ = call("GET", self.url + "/readyz")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"{self.name} not ready after {timeout_s}s:\n{self.output()}")

    def output(self, tail: int | None = 5000) -> str:
        """What the process wrote (stdout and stderr): the last `tail` characters, or all."""
        self._log.flush()
        text = self.log_path.read_text()
        return text if tail is None else text[-tail:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


@contextlib.contextmanager
def running(
    names: Iterable[str], kafka: str, redis_url: str, logs: Path, **env: str
) -> Iterator[dict[str, Service]]:
    """The named services as real processes, ready; stopped on leaving."""
    services = {name: Service(name, kafka, redis_url, logs, **env) for name in names}
    try:
        for service in services.values():
            service.wait_ready()
        yield services
    finally:
        for service in services.values():
            service.stop()


def call(method: str, url: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
    """An HTTP call with JSON in and out; returns (status, parsed body)."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def wait_for(predicate: Callable[[], Any], timeout_s: float = 60.0, what: str = "condition") -> Any:
    """Poll until predicate() returns something truthy; return it."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")


def _committed_to_end(
    admin: KafkaAdminClient,
    consumer: KafkaConsumer,
    group: str,
    partitions: list[TopicPartition],
) -> bool:
    """`group` has committed up to the end of every one of `partitions` that has messages."""
    ends = consumer.end_offsets(partitions)
    committed = admin.list_group_offsets({group: partitions}).get(group, {})
    for tp, end in ends.items():
        offset = committed.get(tp)
        if end and (offset is None or offset.offset is None or offset.offset < end):
            return False
    return True


def drained(kafka: str) -> bool:
    """Every consumer group has committed up to the end of every partition it reads."""
    admin = KafkaAdminClient(bootstrap_servers=kafka)
    consumer = KafkaConsumer(bootstrap_servers=kafka)
    try:
        topics = consumer.topics()
        return all(
            _committed_to_end(
                admin,
                consumer,
                group,
                [
                    TopicPartition(t, p)
                    for t in topics
                    if t.startswith(prefix)
                    for p in consumer.partitions_for_topic(t) or ()
                ],
            )
            for group, prefix in GROUPS.items()
        )
    finally:
        consumer.close()
        admin.close()


def read_topic(kafka: str, topic: str) -> list[bytes]:
    """Every message value on a topic, from the start."""
    return [record.value for record in KafkaBus(kafka).read_all(topic)]


def indicator_event(area: str, indicator: str, period: str, value: float) -> dict[str, Any]:
    """An indicator.reported event as an integrator would send it."""
    return {
        "event_id": str(uuid.uuid4()),
        "type": "indicator.reported",
        "occurred_at": f"{period[:4]}-{int(period[-1]) * 3:02d}-28T09:00:00+00:00",
        "source": "data-hub",
        "body": area,
        "payload": {"indicator": indicator, "period": period, "value": value},
    }


# --- helpers for the gatekeeper's fault tests ----------------------------------------------


def group_caught_up(kafka: str, group: str, topic: str) -> bool:
    """`group` has committed up to the end of every partition of `topic` (and it has messages)."""
    admin = KafkaAdminClient(bootstrap_servers=kafka)
    consumer = KafkaConsumer(bootstrap_servers=kafka)
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        if not any(consumer.end_offsets(partitions).values()):
            return False
        return _committed_to_end(admin, consumer, group, partitions)
    finally:
        consumer.close()
        admin.close()


def gatekeeper_state(redis_url: str, namespace: str = "riskgate:") -> dict[str, Any]:
    """Every `gk:*` key and the gatekeeper's done set, read by type (hash, set, string)."""
    import redis

    client = redis.Redis.from_url(redis_url, decode_responses=True)
    try:
        keys = [*client.scan_iter(match=namespace + "gk:*", count=1000)]
        keys.append(namespace + "done:gatekeeper")
        state: dict[str, Any] = {}
        for key in sorted(keys):
            kind = str(client.type(key))  # decode_responses: a str already
            if kind == "hash":
                state[key] = client.hgetall(key)
            elif kind == "set":
                state[key] = sorted(client.smembers(key))
            elif kind == "string":
                state[key] = client.get(key)
            elif kind != "none":
                state[key] = f"<{kind}>"
        return state
    finally:
        client.close()


def descendants(pid: int) -> list[int]:
    """pid and every process below it (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def tcp_ports_to(pid: int, remote_port: int) -> set[int]:
    """Local ports of the TCP connections that a process (or a child) has open to `remote_port`."""
    inodes: set[str] = set()
    for p in descendants(pid):
        try:
            fds = list(Path(f"/proc/{p}/fd").iterdir())
        except OSError:
            continue
        for fd in fds:
            try:
                target = fd.readlink().as_posix()
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    ports: set[int] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, remote, inode = fields[1], fields[2], fields[9]
            if inode in inodes and int(remote.rsplit(":", 1)[1], 16) == remote_port:
                ports.add(int(local.rsplit(":", 1)[1], 16))
    return ports
