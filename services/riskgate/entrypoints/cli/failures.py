"""What a command says when it cannot go on: one line naming what is wrong and how to fix it,
not a traceback (`RISKGATE_LOG_LEVEL=DEBUG` shows the traceback as well)."""

from __future__ import annotations

import logging
import os

from riskgate.config import ConfigError
from riskgate.domain.errors import DomainError
from riskgate.domain.rules import RuleError

MODE_HINT = "or unset KAFKA_BOOTSTRAP_SERVERS and REDIS_URL for the embedded default"


def quiet_kafka_client(command: str | None) -> None:
    """A one-off command reports a broker that is away in its one line, so the Kafka client's
    own retry log is kept for `RISKGATE_LOG_LEVEL=DEBUG` (and for the services of `run`)."""
    if command != "run" and not logging.getLogger().isEnabledFor(logging.DEBUG):
        logging.getLogger("kafka").setLevel(logging.CRITICAL)


def in_one_line(exc: BaseException) -> str | None:
    """The one line for a failure a user can fix, or None for one that is a bug."""
    if isinstance(exc, ConfigError):
        return f"configuration: {exc}"
    if isinstance(exc, RuleError):
        return f"rules: {exc} (fix the file; `riskgate rules lint` lists every problem)"
    if isinstance(exc, DomainError):
        return exc.message
    return _server_away(exc)


def _server_away(exc: BaseException) -> str | None:
    from kafka.errors import KafkaConnectionError, KafkaError
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeout

    kafka = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "")
    redis_url = os.environ.get("REDIS_URL", "")
    if isinstance(exc, KafkaConnectionError) or (
        isinstance(exc, KafkaError) and "bootstrap" in str(exc).lower()
    ):
        return (
            f"no Kafka broker answers at KAFKA_BOOTSTRAP_SERVERS={kafka}: start Kafka or fix the "
            f"address, {MODE_HINT}"
        )
    if isinstance(exc, KafkaError):
        return f"Kafka at {kafka}: {type(exc).__name__}: {exc}; check that the brokers are up"
    if isinstance(exc, RedisConnectionError | RedisTimeout):
        return (
            f"Redis does not answer at REDIS_URL={redis_url} ({exc}): start Redis or fix the "
            f"address, {MODE_HINT}"
        )
    return None
