"""`riskgate publish` and `riskgate sample`: events to the ingest API, and the sample year
to a file."""

from __future__ import annotations

from pathlib import Path

import click

from riskgate.adapters.event_files import write_events
from riskgate.adapters.ingest_client import IngestUnavailable, post_events
from riskgate.domain.reference import load_reference
from riskgate.entrypoints.cli.common import events_from
from riskgate.service_layer.laa import agreement_warnings


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--url",
    envvar="RISKGATE_URL",
    default="http://127.0.0.1:8000",
    show_default=True,
    help="the ingest API (env RISKGATE_URL)",
)
@click.option(
    "--token",
    envvar="RISKGATE_TOKEN",
    required=True,
    help="an integrator token (env RISKGATE_TOKEN)",
)
@click.option("--batch", default=500, show_default=True, type=int)
def publish(file: Path, url: str, token: str, batch: int) -> None:
    """Validate the events in FILE.jsonl (one per line) and publish them to the ingest API."""
    events = events_from(file)
    for line, warning in agreement_warnings(events, load_reference()):
        click.echo(f"warning: {file}:{line}: {warning}", err=True)
    accepted = duplicates = 0
    for start in range(0, len(events), batch):
        try:
            reply = post_events(
                f"{url.rstrip('/')}/v1/events", events[start : start + batch], token
            )
        except IngestUnavailable as exc:
            raise click.ClickException(str(exc)) from None
        accepted += len(reply["accepted"])
        duplicates += len(reply["duplicates"])
    click.echo(f"published {accepted} events ({duplicates} duplicates already accepted) to {url}")


@click.command()
@click.option("--year", default=2009, show_default=True, type=int)
@click.option("--seed", default=2009, show_default=True, type=int)
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
def sample(year: int, seed: int, out: Path) -> None:
    """Write the bundled sample year (deterministic, synthetic) as JSON lines."""
    from riskgate.sample import generate_year

    click.echo(f"wrote {write_events(generate_year(year, seed), out)} events to {out}")
