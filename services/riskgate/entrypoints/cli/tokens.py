"""`riskgate tokens create|list|revoke`: API tokens with a holder, a role, a scope and an expiry.

The secret is printed once, by `create`; the store keeps its SHA-256 and the record.
"""

from __future__ import annotations

import datetime as dt

import click

from riskgate.bootstrap import token_registry
from riskgate.domain.actors import ROLE_FORMS, Scope
from riskgate.domain.errors import Invalid, NotFound
from riskgate.entrypoints.cli.common import settings
from riskgate.service_layer.tokens import TokenRecord

# The option each field of a token is given by, to name it in an error.
OPTION_OF = {
    "role": "--role",
    "holder": "--holder",
    "scope": "--scope-types/--scope-bodies",
    "scope_types": "--scope-types",
    "scope_bodies": "--scope-bodies",
    "expires": "--expires",
}


@click.group()
def tokens() -> None:
    """API tokens: create, list, revoke."""


def _listed(_ctx: click.Context, _param: click.Parameter, raw: str | None) -> frozenset[str]:
    return frozenset(item.strip() for item in (raw or "").split(",") if item.strip())


def _day(_ctx: click.Context, _param: click.Parameter, raw: str | None) -> dt.date | None:
    if raw is None:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise click.BadParameter(f"expected a date YYYY-MM-DD, got {raw[:40]!r}") from None


@tokens.command("create")
@click.option("--role", required=True, help=ROLE_FORMS)
@click.option("--holder", required=True, help="the person or system the token is issued to")
@click.option(
    "--scope-types", callback=_listed, help="integrator only: event types it may publish, T,T"
)
@click.option(
    "--scope-bodies",
    callback=_listed,
    help="integrator only: body or area codes it may publish for, CODE,CODE",
)
@click.option("--expires", callback=_day, help="last day the token is valid (UTC), YYYY-MM-DD")
def tokens_create(
    role: str,
    holder: str,
    scope_types: frozenset[str],
    scope_bodies: frozenset[str],
    expires: dt.date | None,
) -> None:
    """Create a token and print its secret once (stdout); its id goes to stderr."""
    try:
        secret, record = token_registry(settings()).issue(
            role, holder, Scope(scope_types, scope_bodies), expires
        )
    except Invalid as refused:
        raise click.UsageError(
            "\n".join(
                f"{OPTION_OF.get(field, field)}: {reason}"
                for field, reasons in refused.errors.items()
                for reason in reasons
            )
        ) from None
    click.echo(secret)
    click.echo(
        f"id {record.id} for {record.holder} as {record.role}; the secret is not shown again",
        err=True,
    )


def _scope(record: TokenRecord) -> str:
    parts = [
        f"{name}={','.join(sorted(items))}"
        for name, items in (("types", record.scope.event_types), ("bodies", record.scope.bodies))
        if items
    ]
    return " ".join(parts) or "-"


@tokens.command("list")
def tokens_list() -> None:
    """Every token: id, holder, role, scope, created, expires, revoked (never the secret)."""
    header = ("id", "holder", "role", "scope", "created", "expires", "revoked")
    rows = [
        (
            r.id,
            r.holder,
            r.role,
            _scope(r),
            r.created_at or "-",
            r.expires.isoformat() if r.expires else "-",
            r.revoked_at or "-",
        )
        for r in token_registry(settings()).records()
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        click.echo(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )


@tokens.command("revoke")
@click.argument("token_id", metavar="ID")
def tokens_revoke(token_id: str) -> None:
    """Revoke the token with this id; it is refused at once, in every running service."""
    try:
        record = token_registry(settings()).revoke(token_id)
    except NotFound as refused:
        raise click.ClickException(refused.message) from None
    click.echo(f"revoked {record.id} ({record.holder}, {record.role}) at {record.revoked_at}")
