"""Tokens with a lifecycle: `riskgate tokens create|list|revoke` and `Tokens`, with a holder, a
role, a scope and an expiry; created or revoked, a token counts at once for a running service,
embedded (the home's SQLite file) or distributed (Redis). Records stored in the older shape
(digest -> role) still work."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from flask.testing import FlaskClient

from riskgate.adapters.redis_store import RedisStore
from riskgate.adapters.store import MemoryStore
from riskgate.bootstrap import bootstrap
from riskgate.config import Settings
from riskgate.domain.actors import Actor, Scope
from riskgate.domain.errors import Invalid, NotFound
from riskgate.entrypoints.cli import main
from riskgate.entrypoints.http import create_app
from riskgate.service_layer.tokens import Tokens
from tests.conftest import RULES_DIR

DECISIONS = "/v1/decisions"


def _cli(env: dict[str, str], *args: str) -> Result:
    clean = {k: None for k in os.environ if k.startswith(("KAFKA_", "REDIS_", "RISKGATE_"))}
    return CliRunner().invoke(main, ["tokens", *args], env={**clean, **env})


def _client_on_home(home: Path) -> FlaskClient:
    """A service on the embedded home's SQLite file, as `riskgate run` serves it."""
    system = bootstrap(Settings(rules_dir=RULES_DIR, home=home), keep_home=True)
    app = create_app(system)
    app.config["TESTING"] = True
    return app.test_client()


def _bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def test_a_token_created_and_revoked_with_the_cli_counts_at_once_in_a_running_embedded_service(
    tmp_path: Path,
) -> None:
    env = {"RISKGATE_HOME": str(tmp_path), "RISKGATE_RULES_DIR": str(RULES_DIR)}
    client = _client_on_home(tmp_path)  # started before the token exists

    created = _cli(env, "create", "--role", "gatekeeper", "--holder", "Jo Bloggs")
    secret = created.stdout.strip()
    token_id = created.stderr.split()[1]
    before = client.get(DECISIONS, headers=_bearer(secret))
    revoked = _cli(env, "revoke", token_id)
    after = client.get(DECISIONS, headers=_bearer(secret))

    assert created.exit_code == 0, created.output
    assert secret.startswith("rg_") and token_id.startswith("tk_")
    assert before.status_code == 200
    assert (
        revoked.exit_code == 0 and f"revoked {token_id} (Jo Bloggs, gatekeeper)" in revoked.stdout
    )
    assert after.status_code == 401
    assert after.get_json()["errors"]["Authorization"][0].startswith(
        f"token {token_id} was revoked"
    )


def test_tokens_list_shows_id_holder_role_scope_and_dates_but_never_the_secret_or_hash(
    tmp_path: Path,
) -> None:
    env = {"RISKGATE_HOME": str(tmp_path), "RISKGATE_RULES_DIR": str(RULES_DIR)}
    created = _cli(
        env,
        "create",
        "--role",
        "integrator",
        "--holder",
        "Lancashire data hub",
        "--scope-types",
        "indicator.reported,complaint.received",
        "--scope-bodies",
        "E10000017",
        "--expires",
        "2099-03-31",
    )
    secret, token_id = created.stdout.strip(), created.stderr.split()[1]
    _cli(env, "create", "--role", "admin", "--holder", "Reference team")

    listed = _cli(env, "list")
    header, *rows = listed.stdout.splitlines()
    hub = next(row for row in rows if row.startswith(token_id))

    assert listed.exit_code == 0, listed.output
    assert header.split() == ["id", "holder", "role", "scope", "created", "expires", "revoked"]
    assert len(rows) == 2
    assert "Lancashire data hub" in hub and " integrator " in hub
    assert "types=complaint.received,indicator.reported bodies=E10000017" in hub
    assert hub.split()[-2:] == ["2099-03-31", "-"]
    assert secret not in listed.stdout
    assert Tokens.digest(secret) not in listed.stdout
    assert Tokens.digest(secret)[:12] not in listed.stdout


@pytest.mark.parametrize(
    ("args", "option", "reason"),
    [
        (["--role", "inspectorate:nhs"], "--role", "unknown inspectorate 'nhs'"),
        (["--role", "council:E99999999"], "--role", "unknown council (body code) 'E99999999'"),
        (["--role", "government_office:mars"], "--role", "unknown region 'mars'; one of east_midlands"),
        (["--role", "superuser"], "--role", "'superuser' is not a role"),
        (["--role", "gatekeeper", "--scope-types", "indicator.reported"], "--scope-types/--scope-bodies", "only an integrator's token carries a scope"),
        (["--role", "integrator", "--scope-types", "risk.judgement"], "--scope-types", "'risk.judgement' is a service's own type"),
        (["--role", "integrator", "--scope-types", "nonsense"], "--scope-types", "'nonsense' is not an event type"),
        (["--role", "integrator", "--scope-bodies", "Lancs"], "--scope-bodies", "'Lancs' is not a body code"),
        (["--role", "integrator", "--expires", "2001-01-01"], "--expires", "2001-01-01 is in the past"),
        (["--role", "integrator", "--expires", "31/03/2099"], "--expires", "expected a date YYYY-MM-DD"),
    ],
)  # fmt: skip
def test_a_token_that_cannot_be_created_is_refused_naming_the_option_and_the_reason(
    tmp_path: Path, args: list[str], option: str, reason: str
) -> None:
    env = {"RISKGATE_HOME": str(tmp_path), "RISKGATE_RULES_DIR": str(RULES_DIR)}
    refused = _cli(env, "create", "--holder", "Someone", *args)

    assert refused.exit_code == 2
    assert option in refused.stderr and reason in refused.stderr, refused.stderr
    assert refused.stdout == ""
    assert _cli(env, "list").stdout.splitlines()[1:] == []


def test_every_role_form_can_be_created(tmp_path: Path) -> None:
    env = {"RISKGATE_HOME": str(tmp_path), "RISKGATE_RULES_DIR": str(RULES_DIR)}
    roles = [
        "integrator",
        "gatekeeper",
        "admin",
        "inspectorate:ofsted",
        "council:E07000117",
        "government_office:yorkshire_and_the_humber",
    ]
    results = [
        _cli(env, "create", "--role", role, "--holder", f"holder of {role}") for role in roles
    ]

    assert [r.exit_code for r in results] == [0] * len(roles), [r.output for r in results]
    listed = _cli(env, "list").stdout
    assert all(f" {role} " in listed for role in roles)


def test_revoking_an_unknown_id_exits_non_zero_naming_the_id(tmp_path: Path) -> None:
    env = {"RISKGATE_HOME": str(tmp_path), "RISKGATE_RULES_DIR": str(RULES_DIR)}
    refused = _cli(env, "revoke", "tk_0000000000")

    assert refused.exit_code == 1
    assert "no token has the id 'tk_0000000000'" in refused.stderr


def test_an_expired_token_names_no_actor_from_the_day_after_its_expiry() -> None:
    today = dt.datetime(2030, 6, 30, 23, 59, tzinfo=dt.UTC)
    clock = [today]
    tokens = Tokens(MemoryStore(), clock=lambda: clock[0])
    secret, record = tokens.issue("gatekeeper", "Jo Bloggs", expires=today.date())

    valid_on_the_day = tokens.actor_of(secret)
    clock[0] = today + dt.timedelta(minutes=1)

    assert valid_on_the_day == Actor(id=record.id, holder="Jo Bloggs", role="gatekeeper")
    assert tokens.actor_of(secret) is None
    assert tokens.refusal_of(secret) == f"token {record.id} expired at the end of 2030-06-30"


def test_the_actor_carries_the_integrators_scope_and_a_random_id() -> None:
    tokens = Tokens(MemoryStore())
    scope = Scope(frozenset({"indicator.reported"}), frozenset({"E10000017"}))
    secret, record = tokens.issue("integrator", "Lancashire data hub", scope)

    actor = tokens.actor_of(secret)

    assert actor == Actor(
        id=record.id, holder="Lancashire data hub", role="integrator", scope=scope
    )
    assert record.id not in Tokens.digest(secret)  # the id is not cut from the hash


def test_a_record_in_the_older_shape_still_authenticates_and_can_be_revoked() -> None:
    store = MemoryStore()
    store.hset(Tokens.KEY, {Tokens.digest("rg_old"): "inspectorate:cqc"})  # digest -> role
    tokens = Tokens(store)

    actor = tokens.actor_of("rg_old")
    assert actor is not None
    revoked = tokens.revoke(actor.id)

    assert (actor.holder, actor.role, actor.scope) == (
        "inspectorate:cqc",
        "inspectorate:cqc",
        Scope(),
    )
    assert revoked.revoked_at is not None and tokens.actor_of("rg_old") is None
    assert [r.role for r in tokens.records()] == ["inspectorate:cqc"]


def test_issuing_with_several_problems_names_each_field() -> None:
    with pytest.raises(Invalid) as refused:
        Tokens(MemoryStore()).issue("gatekeeper", "  ", Scope(frozenset({"indicator.reported"})))

    assert set(refused.value.errors) == {"holder", "scope"}


def test_revoking_an_unknown_id_is_not_found() -> None:
    with pytest.raises(NotFound):
        Tokens(MemoryStore()).revoke("tk_nope")


def test_with_redis_a_token_created_and_revoked_elsewhere_counts_at_once_over_http(
    redis_url: str, tmp_path: Path
) -> None:
    # the service's token lookups go to Redis; `riskgate tokens` runs as another client of it
    embedded = bootstrap(Settings(rules_dir=RULES_DIR, home=tmp_path))
    system = dataclasses.replace(embedded, tokens=Tokens(RedisStore(redis_url)))
    app = create_app(system)
    app.config["TESTING"] = True
    client = app.test_client()
    env = {
        "REDIS_URL": redis_url,
        "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1",  # required beside REDIS_URL; never contacted
        "RISKGATE_RULES_DIR": str(RULES_DIR),
    }

    created = _cli(env, "create", "--role", "gatekeeper", "--holder", "Sam Gatekeeper")
    secret, token_id = created.stdout.strip(), created.stderr.split()[1]
    before = client.get(DECISIONS, headers=_bearer(secret))
    revoked = _cli(env, "revoke", token_id)
    after = client.get(DECISIONS, headers=_bearer(secret))

    assert created.exit_code == 0, created.output
    assert before.status_code == 200
    assert revoked.exit_code == 0, revoked.output
    assert after.status_code == 401
    listed = next(r for r in _cli(env, "list").stdout.splitlines() if r.startswith(token_id))
    assert listed.split()[-1] != "-"  # the revocation time
