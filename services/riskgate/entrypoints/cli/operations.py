"""Operators' commands: rebuild the gatekeeper's state, sweep the citizens' deadlines, and
the burden report."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from riskgate.bootstrap import bootstrap
from riskgate.entrypoints.cli.common import settings
from riskgate.entrypoints.cli.progress import reporting
from riskgate.entrypoints.cli.targeting import report_targeting
from riskgate.service_layer.burden import HEADER, as_csv, burden_rows
from riskgate.service_layer.rebuild import rebuild_gatekeeper
from riskgate.service_layer.year_summary import period, play_sample_year


@click.group("gatekeeper")
def gatekeeper_group() -> None:
    """The gatekeeper's state."""


@gatekeeper_group.command("rebuild")
def gatekeeper_rebuild() -> None:
    """Rebuild the gatekeeper's Redis state from `gatekeeper.decisions` (and the organisational
    assessments on `risk.judgements`). Stop the gatekeeper services first."""
    current = settings()
    if current.embedded:
        raise click.UsageError(
            "rebuild reads Kafka and writes Redis: set KAFKA_BOOTSTRAP_SERVERS and REDIS_URL"
        )
    system = bootstrap(current)
    folded = rebuild_gatekeeper(system)
    click.echo(
        f"rebuilt the gatekeeper's state from {folded} messages: "
        f"{len(system.gatekeeper.decisions())} decisions, "
        f"{len(system.gatekeeper.inspections())} inspections"
    )


@click.group("citizens")
def citizens_group() -> None:
    """Petitions and Community Calls for Action."""


@citizens_group.command("sweep")
@click.option("--on", "on", type=click.DateTime(formats=["%Y-%m-%d"]), help="default: today")
def citizens_sweep(on: datetime | None) -> None:
    """Mark every response and publication deadline passed unmet by ON as overdue (once each)."""
    current = settings()
    if current.embedded:
        raise click.UsageError(
            "sweep works on the shared state: set KAFKA_BOOTSTRAP_SERVERS and REDIS_URL"
        )
    made = bootstrap(current).citizens.sweep(on.date() if on else None)
    click.echo(f"swept: {made} transitions published")


@click.group()
def report() -> None:
    """Reports."""


@report.command("burden")
@click.option("--year", required=True, type=int, help="requests received in this year")
@click.option(
    "--csv",
    "csv_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="also write the rows as CSV here",
)
def report_burden(year: int, csv_path: Path | None) -> None:
    """Requested versus approved on-site days per inspectorate and per body: the saving the
    gatekeeper made. Embedded: runs the bundled sample year first."""
    current = settings()
    system = bootstrap(current)
    if current.embedded:
        with reporting(f"loading the sample year {year}") as progress:
            play_sample_year(system, year, progress)  # exactly as `riskgate demo` runs it
    rows = burden_rows(system.gatekeeper.requests(), system.gatekeeper.inspections(), year)
    click.echo(period(year, system.clock.today().isoformat()))
    click.echo(table(rows))
    if csv_path:
        csv_path.write_text(as_csv(rows))
        click.echo(f"wrote {csv_path} ({len(rows)} rows)")


def table(rows: Iterable[Mapping[str, Any]], *, bodies: bool = True) -> str:
    """The burden rows as a plain-text table, columns padded to their widest value."""
    shown = [r for r in rows if bodies or r["by"] != "body"]
    widths = [max(len(h), *(len(str(r[h])) for r in shown)) for h in HEADER]
    line = "  ".join(h.ljust(w) for h, w in zip(HEADER, widths, strict=True))
    body = [
        "  ".join(str(r[h]).ljust(w) for h, w in zip(HEADER, widths, strict=True)) for r in shown
    ]
    return "\n".join([line, *body])


report.add_command(report_targeting)  # beside `report burden`, in a module of its own
