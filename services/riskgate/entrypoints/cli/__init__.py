"""The `riskgate` command: parsing arguments and printing results; the work itself is done
by the service layer. One module per command group."""

from __future__ import annotations

import gc
import logging

import click

from riskgate import logs
from riskgate.entrypoints.cli import (
    assess,
    clock,
    demo,
    events,
    export,
    operations,
    rules,
    run,
    snapshot,
    tokens,
)
from riskgate.entrypoints.cli.common import settings
from riskgate.entrypoints.cli.draw import draw_command
from riskgate.entrypoints.cli.failures import in_one_line, quiet_kafka_client
from riskgate.entrypoints.cli.targeting import report_targeting


class _Riskgate(click.Group):
    """The command group: a failure a user can fix ends in one line (failures.py)."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as exc:
            line = in_one_line(exc)
            if line is None or logging.getLogger().isEnabledFor(logging.DEBUG):
                raise
            raise click.ClickException(line) from None


@click.group(cls=_Riskgate)
@click.version_option(package_name="riskgate", prog_name="riskgate")
@click.pass_context
def main(ctx: click.Context) -> None:
    """riskgate: risk-based inspection gatekeeping for English local government."""
    configured = settings()
    logs.configure(configured.log_level, configured.library_log_level)
    quiet_kafka_client(ctx.invoked_subcommand)


for command in (
    run.run,
    run.consume,
    tokens.tokens,
    demo.demo,
    operations.gatekeeper_group,
    operations.citizens_group,
    operations.report,
    assess.assess,
    events.publish,
    events.sample,
    rules.rules,
    clock.clock_group,
    draw_command,
    export.export,
    snapshot.snapshot_group,
):
    main.add_command(command)
operations.report.add_command(report_targeting)


def console() -> None:
    """The `riskgate` console script and `python -m riskgate`: `main`, after which the
    process ends without collecting, object by object, what the command built. The collector's
    last pass over an embedded year's picture (`assess`, `rules simulate`) took 0.6 s of a
    six-second command, to free memory the process hands back whole as it ends; frozen, the
    objects are left to that."""
    try:
        main()
    finally:
        gc.freeze()
