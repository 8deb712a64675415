"""`riskgate report targeting`: how well the flags predicted later inspection findings."""

from __future__ import annotations

import click

from riskgate.bootstrap import bootstrap
from riskgate.domain.publishing import LOADER
from riskgate.entrypoints.cli.common import settings
from riskgate.sample.later_findings import later_findings
from riskgate.service_layer.sample_year import run_year
from riskgate.service_layer.targeting import CAVEAT, targeting_groups, targeting_table


@click.command("targeting")
@click.option("--year", required=True, type=click.IntRange(2000, 2100), help="assessment year")
@click.option("--seed", type=int, default=None, help="the random draw's seed (default: the year)")
@click.option("--size", default=10, show_default=True, type=click.IntRange(1, 353))
def report_targeting(year: int, seed: int | None, size: int) -> None:
    """Later inspection findings for red-flagged councils, the random draw and the rest:
    share found poor with a 95% interval, and the odds ratio against the rest. Embedded: runs
    the bundled sample year, then a SYNTHETIC second year of findings (labelled so)."""
    current = settings()
    system = bootstrap(current)
    if current.embedded:
        run_year(system, year)
        synthetic = later_findings(year, system.rules.current().inspectorate_for)
        result = system.ingest.submit(synthetic, LOADER)
        if result.errors:
            raise click.ClickException(f"the synthetic findings failed validation: {result.errors}")
        system.pump()
        click.echo(
            f"later findings: {len(synthetic)} SYNTHETIC findings dated {year + 1}, one per "
            "council, drawn independently of the flags (not real inspections)"
        )
    seed = year if seed is None else seed
    click.echo(
        f"targeting {year}: red flags and random draw (seed {seed}, {size}) against findings after {year}"
    )
    for line in targeting_table(targeting_groups(system, year, seed, size)):
        click.echo(line)
    click.echo(CAVEAT)
