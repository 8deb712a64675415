"""`riskgate clock`: see or move the embedded default's clock (service_layer/clock.py)."""

from __future__ import annotations

import datetime as dt
import getpass

import click

from riskgate.adapters.sqlite_store import SqliteStore
from riskgate.bootstrap import home_database
from riskgate.domain.errors import DomainError
from riskgate.entrypoints.cli.common import settings
from riskgate.service_layer.clock import Clock


def _home_clock() -> Clock:
    current = settings()
    if not current.embedded:
        raise click.ClickException(
            "clock: riskgate runs against Kafka and Redis here, where the clock is the real "
            "date (or RISKGATE_TODAY); only the embedded default's clock can be moved"
        )
    return Clock(SqliteStore(home_database(current)), embedded=True, pinned=current.today)


def _line(state: dict[str, object]) -> str:
    by = f" by {state['by']}" if state["by"] else ""
    return f"today {state['today']} (set by {state['set_by']}{by})"


@click.group("clock")
def clock_group() -> None:
    """The embedded default's clock: today as the gatekeeper and the citizens' deadlines see it."""


@clock_group.command("show")
def clock_show() -> None:
    """Print today as the embedded home's services see it."""
    click.echo(_line(_home_clock().state()))


@clock_group.command("advance")
@click.option(
    "--to",
    "to",
    required=True,
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="the new today, YYYY-MM-DD; never before the current one",
)
def clock_advance(to: dt.datetime) -> None:
    """Move the embedded home's clock forward to TO; a running `riskgate run` on the same
    RISKGATE_HOME sees it at once."""
    try:
        state = _home_clock().advance(to.date(), by=f"cli:{getpass.getuser()}")
    except DomainError as refusal:
        raise click.ClickException(f"clock: {refusal.message}") from None
    click.echo(_line(state))
