"""`riskgate publish` and `riskgate sample`: events to the ingest API, and the sample year
to a file."""

from __future__ import annotations

from pathlib import Path

import click

from riskgate.adapters.event_files import write_events
from riskgate.adapters.ingest_client import IngestUnavailable, bounded_batches, post_events
from riskgate.bootstrap import token_registry
from riskgate.domain.reference import load_reference
from riskgate.entrypoints.cli.common import events_from, settings
from riskgate.entrypoints.cli.progress import bar
from riskgate.service_layer.laa import agreement_warnings
from riskgate.service_layer.sample_publishing import SAMPLE_HOLDER, publish_sample


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
@click.option(
    "--batch",
    default=500,
    show_default=True,
    type=click.IntRange(1, 1000),
    help="events per request at most (fewer when they are large: a request stays under 768 KiB)",
)
def publish(file: Path, url: str, token: str, batch: int) -> None:
    """Validate the events in FILE.jsonl (one per line) and publish them to the ingest API."""
    events = events_from(file)
    for line, warning in agreement_warnings(events, load_reference()):
        click.echo(f"warning: {file}:{line}: {warning}", err=True)
    accepted = duplicates = 0
    with bar(len(events), f"publishing {file.name}") as shown:
        for chunk in bounded_batches(events, batch):
            try:
                reply = post_events(f"{url.rstrip('/')}/v1/events", chunk, token)
            except IngestUnavailable as exc:
                raise click.ClickException(str(exc)) from None
            accepted += len(reply["accepted"])
            duplicates += len(reply["duplicates"])
            shown.update(len(chunk))
    click.echo(f"published {accepted} events ({duplicates} duplicates already accepted) to {url}")


@click.command()
@click.option("--year", default=2009, show_default=True, type=int)
@click.option("--seed", default=2009, show_default=True, type=int)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="write it here")
@click.option(
    "--publish",
    "publish_to",
    metavar="URL",
    help="or publish it to this ingest API, with a token per role it needs (held by "
    f"{SAMPLE_HOLDER!r}, created in the token registry: REDIS_URL, or the embedded home)",
)
def sample(year: int, seed: int, out: Path | None, publish_to: str | None) -> None:
    """Write the bundled sample year (deterministic, synthetic) as JSON lines, or publish it."""
    from riskgate.sample import generate_year

    if (out is None) == (publish_to is None):
        raise click.UsageError("give --out FILE to write the sample year, or --publish URL")
    events = generate_year(year, seed)
    if out is not None:
        click.echo(f"wrote {write_events(events, out)} events to {out}")
        return
    assert publish_to is not None
    url = f"{publish_to.rstrip('/')}/v1/events"
    try:
        done = publish_sample(
            events,
            token_registry(settings()),
            lambda batch, token: post_events(url, batch, token),
        )
    except IngestUnavailable as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"published the {year} sample year to {publish_to}: {done.accepted} events accepted, "
        f"{done.duplicates} already there; tokens held by {SAMPLE_HOLDER} as {', '.join(done.roles)}"
    )
