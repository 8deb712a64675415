"""`riskgate tokens`: API tokens for the roles, printed once and stored hashed."""

from __future__ import annotations

import click

from riskgate.bootstrap import token_registry
from riskgate.entrypoints.cli.common import settings
from riskgate.service_layer.tokens import role_problem


@click.group()
def tokens() -> None:
    """API tokens."""


def _valid_role(_ctx: click.Context, _param: click.Parameter, role: str) -> str:
    problem = role_problem(role)
    if problem:
        raise click.BadParameter(problem)
    return role


@tokens.command("create")
@click.option(
    "--role",
    required=True,
    callback=_valid_role,
    help="integrator, gatekeeper or inspectorate:<code>",
)
def tokens_create(role: str) -> None:
    """Create a token for ROLE and print it once; only its hash is stored."""
    click.echo(token_registry(settings()).create(role))
