"""What every command shares: the settings, read once and checked, and event files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from riskgate.adapters.event_files import EventFileError, read_events
from riskgate.config import ConfigError, Settings


def settings() -> Settings:
    """The settings from the environment; a bad variable stops the command, naming it."""
    try:
        return Settings.from_env()
    except ConfigError as exc:
        raise click.ClickException(f"configuration: {exc}") from None


def events_from(file: Path) -> list[dict[str, Any]]:
    """The validated events of a JSON-lines file; the command stops naming every bad line."""
    try:
        return read_events(file)
    except EventFileError as exc:
        raise click.ClickException(str(exc)) from None


def year_events(events_file: Path | None, year: int, current: Settings) -> list[dict[str, Any]]:
    """The events of `events_file`, or the bundled sample year when there is none (read back
    from the cache folder after the first time: service_layer/prepared_events.py)."""
    if events_file:
        return events_from(events_file)
    from riskgate.service_layer.prepared_events import sample_events

    prepared = sample_events(current, year)
    if prepared.source is not None:
        click.echo(f"the sample year {year}'s events from {prepared.source}", err=True)
    return prepared.events


def organisational_line(scored: int, by_label: dict[str, int]) -> str:
    """How many councils perform poorly, adequately, well or excellently."""
    parts = ", ".join(f"{label} {n}" for label, n in by_label.items())
    return (
        f"organisational assessment of {scored} councils "
        f"(lower of use of resources and managing performance): {parts}"
    )
