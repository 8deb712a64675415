"""The `riskgate` command: parsing arguments and printing results; the work itself is done
by the service layer. One module per command group."""

from __future__ import annotations

import gc
import importlib
import logging

import click

from riskgate import logs
from riskgate.entrypoints.cli.common import settings
from riskgate.entrypoints.cli.failures import in_one_line, quiet_kafka_client

# Each command, as `module:attribute` under this package, imported only when it is run (or
# listed by --help): a command does not wait for every other command's imports, which took
# 60 ms of `riskgate assess`'s start and most of `riskgate --version`'s.
COMMANDS = {
    "run": "run:run",
    "consume": "run:consume",
    "tokens": "tokens:tokens",
    "demo": "demo:demo",
    "gatekeeper": "operations:gatekeeper_group",
    "citizens": "operations:citizens_group",
    "report": "operations:report",
    "assess": "assess:assess",
    "publish": "events:publish",
    "sample": "events:sample",
    "rules": "rules:rules",
    "clock": "clock:clock_group",
    "draw": "draw:draw_command",
    "export": "export:export",
    "snapshot": "snapshot:snapshot_group",
}


class _Riskgate(click.Group):
    """The command group: each command loaded when asked for (`COMMANDS`, click's lazily
    loaded subcommands), and a failure a user can fix ends in one line (failures.py)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        where = COMMANDS.get(cmd_name)
        if where is None:
            return None
        module, attribute = where.split(":")
        command = getattr(importlib.import_module(f"{__name__}.{module}"), attribute)
        assert isinstance(command, click.Command), where
        return command

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
