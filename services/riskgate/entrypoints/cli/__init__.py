"""The `riskgate` command: parsing arguments and printing results; the work itself is done
by the service layer. One module per command group."""

from __future__ import annotations

import logging

import click

from riskgate.entrypoints.cli import assess, demo, events, export, operations, rules, run, tokens
from riskgate.entrypoints.cli.common import settings


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
    export.export,
):
    main.add_command(command)
