"""`riskgate export`: the year's open data files, each with its data dictionary."""

from __future__ import annotations

from pathlib import Path

import click

from riskgate.bootstrap import bootstrap
from riskgate.domain.publishing import LOADER
from riskgate.entrypoints.cli.common import events_from, settings
from riskgate.service_layer import exports
from riskgate.service_layer.sample_year import SAMPLE_CHUNK, run_year


@click.command("export")
@click.option("--year", required=True, type=int, help="the year, e.g. 2009")
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="the folder to write into (made if missing)",
)
@click.option(
    "--events",
    "events_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="embedded mode: JSON lines of events to run first (default: the bundled sample year)",
)
def export(year: int, out: Path, events_file: Path | None) -> None:
    """Write judgements, indicators, laa and decisions as CSV and JSON, with dictionaries."""
    current = settings()
    system = bootstrap(current)
    if current.embedded:  # run the year through the whole pipeline, in this process
        if events_file is None:
            run_year(system, year)
        else:
            events = events_from(events_file)
            for start in range(0, len(events), SAMPLE_CHUNK):
                result = system.ingest.submit(events[start : start + SAMPLE_CHUNK], LOADER)
                if result.errors:
                    raise click.ClickException(f"{events_file}: {result.errors}")
                system.pump()
            system.risk.assess_peers(year)
    out.mkdir(parents=True, exist_ok=True)
    for name in exports.EXPORTS:
        table = exports.rows(system, name, year)
        broken = exports.problems(name, table)
        if broken:
            raise click.ClickException(f"{name}: rows break the dictionary: {broken[:3]}")
        for fmt in exports.FORMATS:
            (out / f"{name}.{fmt}").write_text(exports.render(name, table, fmt), encoding="utf-8")
        dictionary = exports.render_dictionary(name)
        (out / f"{name}.dictionary.json").write_text(dictionary, encoding="utf-8")
        click.echo(f"{name}: {len(table)} rows")
    click.echo(f"wrote {len(exports.EXPORTS) * 3} files to {out}")
