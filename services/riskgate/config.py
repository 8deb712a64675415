"""Settings, read from the environment in one place and validated at start."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

from riskgate import limits
from riskgate.adapters.shipped_rules import RulesNotShipped, shipped_rules_dir

SERVICES = ("ingest", "risk", "gatekeeper", "work", "citizens")


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


def _int(env: dict[str, str], key: str, default: int, minimum: int = 0) -> int:
    raw = env.get(key)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{key}: expected a whole number, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{key}: must be at least {minimum}, got {value}")
    return value


def _level(env: dict[str, str], key: str, default: str) -> str:
    level = (env.get(key) or default).upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise ConfigError(f"{key}: one of DEBUG, INFO, WARNING, ERROR, got {level!r}")
    return level


def _optional_path(env: dict[str, str], key: str) -> Path | None:
    raw = env.get(key)
    return Path(raw) if raw else None


def _cache_dir(env: dict[str, str]) -> Path | None:
    """RISKGATE_CACHE_DIR; `off` for none; unset, the user's cache folder (XDG_CACHE_HOME, or
    ~/.cache), or none when there is no home to put it in."""
    raw = env.get("RISKGATE_CACHE_DIR")
    if raw == "off":
        return None
    if raw:
        return Path(raw)
    if env.get("XDG_CACHE_HOME"):
        return Path(env["XDG_CACHE_HOME"]) / "riskgate"
    try:
        return Path(env.get("HOME") or Path.home()) / ".cache" / "riskgate"
    except RuntimeError:  # no HOME, and no entry for this user
        return None


def _shipped_rules() -> Path:
    """The default rules directory: the rules that ship inside the package."""
    try:
        return shipped_rules_dir()
    except RulesNotShipped as exc:
        raise ConfigError(f"RISKGATE_RULES_DIR: unset, and {exc}") from None


def _secret_key(env: dict[str, str]) -> str | None:
    raw = env.get("RISKGATE_SECRET_KEY") or None
    if raw is not None and len(raw) < 32:
        raise ConfigError(f"RISKGATE_SECRET_KEY: at least 32 characters, got {len(raw)}")
    return raw


@dataclass(frozen=True)
class Settings:
    """Everything riskgate reads from its environment."""

    kafka_bootstrap_servers: str | None = None
    redis_url: str | None = None
    rules_dir: Path = field(default_factory=_shipped_rules)
    home: Path = Path(".riskgate")
    # where prepared snapshots of the sample year are kept; None: `home/snapshots`
    snapshot_dir: Path | None = None
    # where the sample year's prepared events are cached (RISKGATE_CACHE_DIR); None: nowhere
    cache_dir: Path | None = None
    kafka_partitions: int = 6
    kafka_replication: int = 1
    consumer_group_prefix: str = "riskgate"
    log_level: str = "INFO"
    library_log_level: str = "WARNING"  # kafka-python, urllib3, werkzeug, redis…
    rules_reload_s: float = 2.0
    failpoints: frozenset[str] = field(default_factory=frozenset)
    today: dt.date | None = None  # pinned "today" (RISKGATE_TODAY); None: the real date
    sweep_s: float = 300.0  # how often the citizens service looks for missed deadlines
    # how long a year's indicator values must stay unchanged before the peer comparison
    peers_quiet_s: float = 30.0
    max_body_bytes: int = limits.MAX_BODY_BYTES  # one HTTP request body (413 beyond)
    max_events_per_post: int = limits.MAX_EVENTS_PER_POST  # one POST /v1/events list (413)
    # failed authentications one client address may make in a minute before it gets 429
    auth_failures_per_minute: int = 20
    # signs the staff console's session cookie; None: a random key per process (one worker)
    secret_key: str | None = None

    @property
    def snapshots(self) -> Path:
        """The folder of prepared sample-year snapshots (RISKGATE_SNAPSHOT_DIR)."""
        return self.snapshot_dir or self.home / "snapshots"

    def clock(self) -> dt.date:
        """Today, as the gatekeeper and the citizens' deadlines see it."""
        return self.today or dt.datetime.now(dt.UTC).date()

    @property
    def embedded(self) -> bool:
        """True when neither Kafka nor Redis is configured: one process, no servers."""
        return not self.kafka_bootstrap_servers and not self.redis_url

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        """Read and validate the settings; raise ConfigError naming the bad key."""
        env = dict(os.environ if env is None else env)
        kafka = env.get("KAFKA_BOOTSTRAP_SERVERS") or None
        redis_url = env.get("REDIS_URL") or None
        if bool(kafka) != bool(redis_url):
            missing = "REDIS_URL" if kafka else "KAFKA_BOOTSTRAP_SERVERS"
            raise ConfigError(
                f"{missing}: must be set together with "
                f"{'KAFKA_BOOTSTRAP_SERVERS' if kafka else 'REDIS_URL'} "
                "(set both for the distributed mode, or neither for the embedded default)"
            )
        if redis_url and not redis_url.startswith(("redis://", "rediss://", "unix://")):
            raise ConfigError(f"REDIS_URL: expected redis://host:port/db, got {redis_url!r}")
        rules_dir = Path(env.get("RISKGATE_RULES_DIR") or _shipped_rules())
        if not rules_dir.is_dir():
            raise ConfigError(f"RISKGATE_RULES_DIR: {rules_dir} is not a directory")
        level = _level(env, "RISKGATE_LOG_LEVEL", "INFO")
        library_level = _level(env, "RISKGATE_LIBRARY_LOG_LEVEL", "WARNING")
        failpoints = frozenset(p for p in env.get("RISKGATE_FAILPOINTS", "").split(",") if p)
        today = None
        if env.get("RISKGATE_TODAY"):
            try:
                today = dt.date.fromisoformat(env["RISKGATE_TODAY"])
            except ValueError:
                raise ConfigError(
                    f"RISKGATE_TODAY: expected a date YYYY-MM-DD, got {env['RISKGATE_TODAY']!r}"
                ) from None
        return cls(
            kafka_bootstrap_servers=kafka,
            redis_url=redis_url,
            rules_dir=rules_dir,
            home=Path(env.get("RISKGATE_HOME") or ".riskgate"),
            snapshot_dir=_optional_path(env, "RISKGATE_SNAPSHOT_DIR"),
            cache_dir=_cache_dir(env),
            kafka_partitions=_int(env, "RISKGATE_KAFKA_PARTITIONS", 6, minimum=1),
            kafka_replication=_int(env, "RISKGATE_KAFKA_REPLICATION", 1, minimum=1),
            consumer_group_prefix=env.get("RISKGATE_GROUP_PREFIX") or "riskgate",
            log_level=level,
            library_log_level=library_level,
            rules_reload_s=_int(env, "RISKGATE_RULES_RELOAD_SECONDS", 2),
            failpoints=failpoints,
            today=today,
            sweep_s=_int(env, "RISKGATE_SWEEP_SECONDS", 300, minimum=1),
            peers_quiet_s=_int(env, "RISKGATE_PEERS_QUIET_SECONDS", 30),
            # a body must hold at least one event of the biggest valid size
            max_body_bytes=_int(
                env,
                "RISKGATE_MAX_BODY_BYTES",
                limits.MAX_BODY_BYTES,
                minimum=limits.MAX_EVENT_BYTES,
            ),
            max_events_per_post=_int(
                env, "RISKGATE_MAX_EVENTS_PER_POST", limits.MAX_EVENTS_PER_POST, minimum=1
            ),
            auth_failures_per_minute=_int(env, "RISKGATE_AUTH_FAILURES_PER_MINUTE", 20, minimum=1),
            secret_key=_secret_key(env),
        )
