"""A failure a user can fix ends in one line naming what is wrong and how to fix it."""

from __future__ import annotations

from click.testing import CliRunner

from riskgate.entrypoints.cli import main
from tests.conftest import RULES_DIR, free_port


def test_redis_away_is_one_line_naming_the_variable_and_the_fix() -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    env = {"KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9", "REDIS_URL": url}
    result = CliRunner().invoke(main, ["tokens", "list"], env=env)
    assert result.exit_code == 1
    assert result.output.count("\n") == 1, result.output
    assert result.output.startswith(f"Error: Redis does not answer at REDIS_URL={url}")
    assert "start Redis or fix the address" in result.output


def test_the_version_is_the_installed_one() -> None:
    from importlib.metadata import version

    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0 and result.output == f"riskgate, version {version('riskgate')}\n"


def test_clock_advance_in_the_distributed_mode_is_refused_in_one_line() -> None:
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9",
        "REDIS_URL": "redis://127.0.0.1:9/0",
        "RISKGATE_RULES_DIR": str(RULES_DIR),
    }
    result = CliRunner().invoke(main, ["clock", "advance", "--to", "2010-01-01"], env=env)
    assert result.exit_code == 1
    assert result.output.startswith("Error: clock: riskgate runs against Kafka and Redis")
    assert result.output.count("\n") == 1


def test_assess_replay_streaming_against_kafka_is_refused_before_connecting() -> None:
    """`--replay streaming` names an embedded replay; against Kafka and Redis assess only
    reads, so it is a usage error, given before any server is asked (none answers here)."""
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9",
        "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",
        "RISKGATE_RULES_DIR": str(RULES_DIR),
    }
    args = ["assess", "--year", "2009", "--replay", "streaming"]
    result = CliRunner().invoke(main, args, env=env)
    assert result.exit_code == 2, result.output
    assert "--replay: against Kafka and Redis assess replays nothing" in result.output
    refused = CliRunner().invoke(main, [*args[:3], "--replay", "sideways"], env=env)
    assert refused.exit_code == 2 and "'sideways' is not one of 'batch', 'streaming'" in (
        refused.output
    )
