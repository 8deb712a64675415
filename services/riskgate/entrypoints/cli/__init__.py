"""The `riskgate` command: parsing arguments and printing results; the work itself is done
by the service layer. One module per command group."""

from __future__ import annotations

import logging

import click

from riskgate.entrypoints.cli import assess, demo, events, operations, rules, run, tokens
from riskgate.entrypoints.cli.common import settings
from riskgate.entrypoints.cli.draw import draw_command
from riskgate.entrypoints.cli.targeting import report_targeting


@click.group()
def main() -> None:
    """riskgate: risk-based inspection gatekeeping for English local government."""
    logging.basicConfig(
        level=settings().log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


for command in (
    run.run,
    tokens.tokens,
    demo.demo,
    operations.gatekeeper_group,
    operations.citizens_group,
    operations.report,
    assess.assess,
    events.publish,
    events.sample,
    rules.rules,
    draw_command,
):
    main.add_command(command)
operations.report.add_command(report_targeting)
