"""The `riskgate` command: parsing arguments and printing results; the work itself is done
by the service layer. One module per command group."""

from __future__ import annotations

import click

from riskgate import logs
from riskgate.entrypoints.cli import assess, demo, events, operations, rules, run, tokens
from riskgate.entrypoints.cli.common import settings


@click.group()
def main() -> None:
    """riskgate: risk-based inspection gatekeeping for English local government."""
    configured = settings()
    logs.configure(configured.log_level, configured.library_log_level)


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
):
    main.add_command(command)
