"""`riskgate assess`: the annual risk assessment for every area, printed and written."""

from __future__ import annotations

import json
from pathlib import Path

import click

from riskgate.bootstrap import bootstrap
from riskgate.domain.vocabulary import THEMES
from riskgate.entrypoints.cli.common import organisational_line, settings, year_events
from riskgate.entrypoints.cli.progress import counted
from riskgate.service_layer.annual_assessment import (
    assess_year,
    considered_count,
    flag_counts,
    organisational_counts,
    peers_pending,
    replay,
)
from riskgate.service_layer.gc_pause import collections_paused
from riskgate.service_layer.snapshot import fill_from_snapshot


@click.command()
@click.option("--year", required=True, type=int, help="the assessment year, e.g. 2009")
@click.option(
    "--events",
    "events_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="embedded mode: JSON lines of events to assess (default: the bundled sample year)",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="write the whole assessment here as JSON (sorted, byte-for-byte repeatable)",
)
@click.option(
    "--publish",
    is_flag=True,
    help="against Kafka and Redis: make the peer comparison now and publish its flags and "
    "requests (without it, assess only reads)",
)
@click.option(
    "--replay",
    "how",
    type=click.Choice(["batch", "streaming"]),
    default="batch",
    show_default=True,
    help="embedded mode: replay the events in one batch pass (read from the prepared snapshot "
    "instead when it matches), or each event through the live risk handler (always a replay; "
    "slower; the same assessment, byte for byte)",
)
def assess(year: int, events_file: Path | None, out: Path | None, publish: bool, how: str) -> None:
    """The annual risk assessment for every area: a flag or none per theme, with reasons."""
    current = settings()
    if current.embedded and publish:
        raise click.UsageError(
            "--publish: the embedded assess replays into memory and publishes nowhere; "
            "set KAFKA_BOOTSTRAP_SERVERS and REDIS_URL to publish to the live services"
        )
    if events_file and not current.embedded:
        raise click.UsageError(
            "--events: against Kafka and Redis assess reads the live facts; publish the file "
            "with `riskgate publish` instead"
        )
    if how == "streaming" and not current.embedded:
        raise click.UsageError("--replay: against Kafka and Redis assess replays nothing")
    system = bootstrap(current)
    # A one-off pass over the whole year, and the document of it: see gc_pause.py.
    with collections_paused(keep=True):
        if (
            current.embedded
            and events_file is None
            and how == "batch"
            and (filled := fill_from_snapshot(system, year))
        ):
            # The bundled sample year as its prepared snapshot holds it, under these very
            # rules: the same risk picture a replay builds (tests/e2e/test_assess.py),
            # without the wait.
            click.echo(
                f"assess: the sample year {year} from its prepared snapshot {filled.source}",
                err=True,
            )
        elif current.embedded:  # replay the year's events through the rules, in this process
            label = f"assess: replaying {year}" + (" event by event" if how == "streaming" else "")
            events = year_events(events_file, year, current)
            watched = counted(events, len(events), label)
            replay(system, watched, streaming=how == "streaming", fork_with=events)
        elif not publish and peers_pending(system, year):
            click.echo(
                f"note: new {year} figures arrived since the risk service last compared areas "
                "with their peers; it will once they are quiet (RISKGATE_PEERS_QUIET_SECONDS), "
                "or run with --publish to make the comparison now",
                err=True,
            )
        # Embedded, the comparison is made unless the snapshot's own is still current.
        compare = publish or (current.embedded and peers_pending(system, year))
        document = assess_year(system, year, compare=compare)
        text = json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    flags = flag_counts(document)
    click.echo(
        f"assessment {year}: {len(document['areas'])} areas, ruleset {document['ruleset_version']}"
    )
    for theme in THEMES:
        if flags.get(("red", theme)) or flags.get(("green", theme)):
            click.echo(
                f"  {theme}: red {flags.get(('red', theme), 0)}, green {flags.get(('green', theme), 0)}"
            )
    click.echo(f"  considered and not flagged (known and managed): {considered_count(document)}")
    click.echo(f"  {organisational_line(*organisational_counts(system, year))}")
    if out:
        out.write_text(text)
        click.echo(f"wrote {out} ({len(text.encode())} bytes)")
