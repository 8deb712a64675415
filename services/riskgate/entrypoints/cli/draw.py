"""`riskgate draw`: the random assurance draw of bodies with no red flag."""

from __future__ import annotations

import json

import click

from riskgate.bootstrap import bootstrap
from riskgate.entrypoints.cli.common import settings
from riskgate.service_layer.assurance import draw
from riskgate.service_layer.sample_year import run_year


@click.command("draw")
@click.option("--year", required=True, type=click.IntRange(2000, 2100), help="assessment year")
@click.option("--seed", required=True, type=int, help="the same seed draws the same bodies")
@click.option("--size", default=10, show_default=True, type=click.IntRange(1, 353))
@click.option("--json", "as_json", is_flag=True, help="print the draw as JSON")
def draw_command(year: int, seed: int, size: int, as_json: bool) -> None:
    """Draw a reproducible sample of councils with no red flag in YEAR and propose a
    light-touch inspection of each to the gatekeeper (origin random_assurance). Embedded:
    runs the bundled sample year first, then shows the gatekeeper's decisions."""
    current = settings()
    system = bootstrap(current)
    if current.embedded:
        run_year(system, year)
    drawn = draw(system, year, seed, size)
    if current.embedded:
        system.pump()
    decided = {d["request_id"]: d["outcome"] for d in system.gatekeeper.decisions()}
    for item in drawn["drawn"]:
        item["decision"] = decided.get(item["request_id"], "pending")
    if as_json:
        click.echo(json.dumps(drawn, indent=2))
        return
    click.echo(
        f"random assurance draw {year}, seed {seed}: {len(drawn['drawn'])} of "
        f"{drawn['eligible']} councils with no red flag"
    )
    for item in drawn["drawn"]:
        click.echo(f"  {item['body']}  {item['theme']:<40} {item['decision']}")
