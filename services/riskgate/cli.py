"""The `riskgate` command."""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import secrets
import shlex
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click
from flask import Flask
from gunicorn.app.base import BaseApplication

from riskgate.bootstrap import CONSUMING, System, Tokens, bootstrap, home_tokens
from riskgate.config import SERVICES, ConfigError, Settings
from riskgate.domain.vocabulary import INSPECTORATES, THEMES
from riskgate.failpoints import SUPERVISOR_ENV

log = logging.getLogger("riskgate")
ROLES = ("integrator", "gatekeeper", *(f"inspectorate:{code}" for code in INSPECTORATES))
SAMPLE_CHUNK = 2000
SAMPLE_MARK = "embedded:sample"  # "loading", then "loaded"


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except ConfigError as exc:
        raise click.ClickException(f"configuration: {exc}") from None


@click.group()
def main() -> None:
    """riskgate: risk-based inspection gatekeeping for English local government."""
    settings = _settings()
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


# --- run -------------------------------------------------------------------------


class _Gunicorn(BaseApplication):
    """gunicorn with an application factory that runs in each worker (no import-time state)."""

    def __init__(self, factory: Callable[[], Flask], options: dict[str, Any]) -> None:
        self._factory = factory
        self._options = options
        os.environ[SUPERVISOR_ENV] = str(os.getpid())
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self._factory()


def load_sample(system: System, year: int = 2009) -> Counter[str]:
    """Feed the bundled sample year through ingest and the pipeline, then the year's proposals
    to the gatekeeper; count the events ingest accepted."""
    from riskgate import topics
    from riskgate.sample import generate_year, proposals

    events = generate_year(year)
    accepted: Counter[str] = Counter()
    for start in range(0, len(events), SAMPLE_CHUNK):
        result = system.ingest.submit(events[start : start + SAMPLE_CHUNK])
        if result.errors:
            raise RuntimeError(f"the sample year failed validation: {result.errors}")
        accepted += result.accepted_types
        system.pump()
    # Government Offices', departments' and inspectorates' own proposals, as the API takes them.
    publisher = system.bus.publisher()
    for proposal in proposals(year):
        publisher.publish(topics.REQUESTS, proposal["payload"]["area"], proposal)
    publisher.flush()
    system.pump()
    return accepted


def _sample_wanted(system: System) -> bool:
    """The sample year goes only into a home that has accepted no event yet, or into one whose
    sample load was cut short (ingest skips what it already accepted)."""
    from riskgate.service_layer.ingest import ACCEPTED

    mark = system.store.get(SAMPLE_MARK)
    if mark is not None:
        return mark != "loaded"
    return not system.store.keys(ACCEPTED)


def _embedded_factory(
    settings: Settings, tokens: dict[str, str], with_sample: bool, keep_home: bool
) -> Callable[[], Flask]:
    def factory() -> Flask:
        from riskgate.entrypoints.http import create_app

        system = bootstrap(settings, keep_home=keep_home)
        load = with_sample and _sample_wanted(system)
        if load:
            system.store.set(SAMPLE_MARK, "loading")  # before the first request can post
        elif with_sample:
            log.info("the home already holds events: the sample year is not loaded again")
        for token, role in tokens.items():
            system.tokens.add(token, role)

        def pipeline() -> None:
            if load:
                log.info("loading the bundled sample year…")
                log.info("sample year loaded: %d events", load_sample(system).total())
                system.store.set(SAMPLE_MARK, "loaded")
            stop = threading.Event()
            swept = 0.0
            while not stop.is_set():
                if time.monotonic() - swept >= settings.sweep_s:
                    system.citizens.sweep()  # deadlines passed since the last look
                    swept = time.monotonic()
                if system.pump() == 0:
                    stop.wait(0.1)

        threading.Thread(target=pipeline, name="embedded-pipeline", daemon=True).start()
        return create_app(system)

    return factory


def _service_factory(settings: Settings, services: tuple[str, ...]) -> Callable[[], Flask]:
    def factory() -> Flask:
        from riskgate.entrypoints.http import create_app

        system = bootstrap(settings)
        stop = threading.Event()
        system.start_consumers(tuple(s for s in services if s in CONSUMING), stop)
        if "citizens" in services:
            threading.Thread(
                target=_sweep_forever, args=(system, settings.sweep_s, stop), daemon=True
            ).start()
        return create_app(system, services)

    return factory


def _sweep_forever(system: System, every_s: float, stop: threading.Event) -> None:
    """Mark the citizens' deadlines that pass without any event, every `every_s` seconds."""
    while not stop.wait(every_s):
        try:
            made = system.citizens.sweep()
        except Exception:  # a store or broker outage: try again next time
            log.exception("the deadline sweep failed; retrying in %ss", every_s)
            continue
        if made:
            log.info("deadline sweep: %d transitions", made)


@main.command()
@click.argument("service", required=False, type=click.Choice(SERVICES))
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int, help="gunicorn worker processes")
@click.option("--threads", default=8, show_default=True, type=int, help="threads per worker")
@click.option(
    "--sample/--no-sample",
    default=True,
    show_default=True,
    help="embedded mode: load the bundled sample year at start, into an empty home only",
)
@click.option(
    "--ephemeral",
    is_flag=True,
    help="embedded mode: keep everything in memory and write nothing under RISKGATE_HOME",
)
def run(
    service: str | None,
    host: str,
    port: int,
    workers: int,
    threads: int,
    sample: bool,
    ephemeral: bool,
) -> None:
    """Run every service (embedded by default), or one SERVICE against Kafka and Redis."""
    settings = _settings()
    options: dict[str, Any] = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "timeout": 120,
        "accesslog": "-",
        "loglevel": settings.log_level.lower(),
        "control_socket_disable": True,  # several services on one host would share one socket path
    }
    if settings.embedded:
        if service is not None:
            raise click.ClickException(
                f"`riskgate run {service}` runs one service against Kafka and Redis: set "
                "KAFKA_BOOTSTRAP_SERVERS and REDIS_URL, or run `riskgate run` for the embedded default"
            )
        options["workers"] = 1  # one pipeline per home: a second would handle every event twice
        tokens = {"rg_" + secrets.token_urlsafe(24): role for role in ROLES}
        kept = "memory only (--ephemeral)" if ephemeral else f"{settings.home.resolve()}"
        with _home_claimed(settings, ephemeral):
            click.echo(f"riskgate (embedded, no servers) on http://{host}:{port}")
            click.echo(f"state in {kept}")
            for token, role in tokens.items():
                click.echo(f"token {role} {token}")
            sys.stdout.flush()
            _Gunicorn(_embedded_factory(settings, tokens, sample, not ephemeral), options).run()
    else:
        services = (service,) if service else SERVICES
        click.echo(
            f"riskgate {' '.join(services)} against Kafka {settings.kafka_bootstrap_servers} "
            f"and Redis {settings.redis_url} on http://{host}:{port}"
        )
        _Gunicorn(_service_factory(settings, services), options).run()


@contextlib.contextmanager
def _home_claimed(settings: Settings, ephemeral: bool) -> Iterator[None]:
    """Hold RISKGATE_HOME for this run; the kernel frees it if the process dies."""
    if ephemeral:
        yield
        return
    settings.home.mkdir(parents=True, exist_ok=True)
    with (settings.home / "run.lock").open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise click.ClickException(
                f"RISKGATE_HOME {settings.home}: another `riskgate run` is using it; stop it, "
                "or set RISKGATE_HOME to another directory"
            ) from None
        yield


# --- tokens -------------------------------------------------------------------------


@main.group()
def tokens() -> None:
    """API tokens."""


def _valid_role(_ctx: click.Context, _param: click.Parameter, role: str) -> str:
    if role in ("integrator", "gatekeeper") or (
        role.startswith("inspectorate:") and role.split(":", 1)[1] in INSPECTORATES
    ):
        return role
    raise click.BadParameter(
        f"{role!r}: one of integrator, gatekeeper, inspectorate:<code> with code one of {', '.join(INSPECTORATES)}"
    )


@tokens.command("create")
@click.option(
    "--role",
    required=True,
    callback=_valid_role,
    help="integrator, gatekeeper or inspectorate:<code>",
)
def tokens_create(role: str) -> None:
    """Create a token for ROLE and print it once; only its hash is stored."""
    settings = _settings()
    token = "rg_" + secrets.token_urlsafe(24)
    if settings.embedded:  # the home's store: valid at once in a running `riskgate run`
        home_tokens(settings).add(token, role)
    else:
        from riskgate.adapters.redis_store import RedisStore

        assert settings.redis_url
        Tokens(RedisStore(settings.redis_url)).add(token, role)
    click.echo(token)


# --- demo ----------------------------------------------------------------------------


@main.command()
@click.option("--year", default=2009, show_default=True, type=int)
def demo(year: int) -> None:
    """Load the bundled sample year, run the whole pipeline in-process, print a summary."""
    from riskgate import topics

    system = bootstrap(Settings(rules_dir=_settings().rules_dir, today=date(year, 12, 31)))
    accepted = load_sample(system, year)
    system.risk.assess_peers(year)  # the annual assessment's comparisons with peer areas
    system.citizens.sweep()  # deadlines that passed by the end of the year without an event
    system.pump()
    summary = summarise(system, year, accepted)
    dead = len(system.bus.read_all(topics.DEAD_LETTERS))
    click.echo(summary)
    click.echo(f"dead letters: {dead}")


def organisational_summary(system: System, year: int) -> str:
    """How many councils perform poorly, adequately, well or excellently."""
    from riskgate.domain.assessment import SCORE_LABELS, organisational_score

    scored = system.risk.organisations(year)
    counts = Counter(organisational_score(s)["score"] for s in scored.values())
    parts = ", ".join(f"{SCORE_LABELS[n]} {counts.get(n, 0)}" for n in sorted(SCORE_LABELS))
    return (
        f"organisational assessment of {len(scored)} councils "
        f"(lower of use of resources and managing performance): {parts}"
    )


def _burden_lines(system: System, year: int) -> list[str]:
    """Requested versus approved on-site days, in total and per inspectorate."""
    from riskgate.burden_report import burden_rows

    rows = burden_rows(system.gatekeeper.requests(), system.gatekeeper.inspections())
    total = next((r for r in rows if r["by"] == "total"), None)
    if total is None:
        return ["burden: no inspection requests"]
    lines = [
        f"burden: requested {total['requested_days']} on-site days in {total['requests']} "
        f"requests; approved {total['approved_days']} days in {total['inspections']} "
        f"inspections; saved {total['saved_days']} days"
    ]
    lines.extend(
        f"  {r['code']}: requested {r['requested_days']}, approved {r['approved_days']}"
        for r in rows
        if r["by"] == "inspectorate"
    )
    return lines


def _citizens_lines(system: System) -> list[str]:
    """Petitions and calls for action: how each ended, and what the gatekeeper did with them."""
    petitions = Counter(p["status"] for p in system.citizens.petitions())
    cases = system.citizens.calls_for_action()
    statuses = Counter(c["status"] for c in cases)
    overdue = sum(len(c["overdue"]) for c in cases)
    decisions = {d["request_id"]: d for d in system.gatekeeper.decisions()}
    lines = [
        f"petitions: {petitions.total()} ("
        + ", ".join(f"{k} {v}" for k, v in sorted(petitions.items()))
        + ")",
        f"calls for action: {len(cases)} ("
        + ", ".join(f"{k} {v}" for k, v in sorted(statuses.items()))
        + f"); deadlines missed: {overdue}",
    ]
    for c in cases:
        name = system.reference.councils.get(c["council"])
        where = f"{c['council']} {name.name if name else ''}".strip()
        line = f"  {c['case_ref']} at {where}: {c['stage']}, {c['status']}"
        if c["refusal"]:
            line += f" — {c['refusal']['reason']}"
        if c["overdue"]:
            line += f"; overdue: {', '.join(d['body'] or 'council' for d in c['overdue'])}"
        if c["escalation"]:
            decision = decisions.get(c["escalation"]["request_id"])
            line += f" — to the gatekeeper ({c['escalation']['urgency']})"
            if decision:
                line += f": {decision['outcome']} ({', '.join(decision['policy_ids'])})"
        lines.append(line)
    return lines


def summarise(system: System, year: int, accepted: Counter[str]) -> str:
    """The demo's report: events in, flags, requests, decisions and work per inspectorate."""
    judgements = {code: system.risk.assessment(code, year) for code in system.reference.areas}
    flags = Counter(
        (j["flag"], theme) for per in judgements.values() for theme, j in per.items() if j["flag"]
    )
    requests = system.gatekeeper.requests()
    decisions = system.gatekeeper.decisions()
    lines = [
        f"riskgate demo: sample year {year}",
        f"ruleset {system.rules.current().version}, gatekeeper policies {system.gatekeeper.policies.version}",
        f"events in: {accepted.total()} accepted ({', '.join(f'{t} {n}' for t, n in sorted(accepted.items()))})",
        f"areas judged: {len(judgements)}; flags: red {sum(n for (f, _), n in flags.items() if f == 'red')}, "
        f"green {sum(n for (f, _), n in flags.items() if f == 'green')}",
    ]
    for theme in THEMES:
        red, green = flags.get(("red", theme), 0), flags.get(("green", theme), 0)
        if red or green:
            lines.append(f"  {theme}: red {red}, green {green}")
    lines.append(organisational_summary(system, year))
    by_inspectorate = Counter(r["inspectorate"] for r in requests)
    lines.append(
        f"inspection requests: {len(requests)} "
        f"({', '.join(f'{k} {v}' for k, v in sorted(by_inspectorate.items()))})"
    )
    outcomes = Counter(d["outcome"] for d in decisions)
    lines.append(
        f"gatekeeper decisions: {len(decisions)} ({', '.join(f'{k} {v}' for k, v in sorted(outcomes.items()))})"
    )
    lines.append(
        "work per inspectorate: "
        + ", ".join(f"{code} {len(system.work.items(code))}" for code in INSPECTORATES)
    )
    lines.extend(_burden_lines(system, year))
    lines.extend(_citizens_lines(system))
    lines.append("flags, with reasons:")
    for code, per in sorted(judgements.items()):
        for j in per.values():
            if j["flag"]:
                lines.append(
                    f"  {code} {system.reference.areas[code].name}: {j['narrative']} "
                    f"[rules {', '.join(j['rule_ids'])}; evidence {len(j['evidence'])} events]"
                )
    lines.append("known and managed (considered, not flagged):")
    for code, per in sorted(judgements.items()):
        for j in per.values():
            for c in j["considered"]:
                lines.append(
                    f"  {code} {system.reference.areas[code].name}: considered, not flagged — "
                    f"{c['rule_id']} on {c['subject']}: {c['reason']}"
                )
    return "\n".join(lines)


# --- gatekeeper and reports ----------------------------------------------------------------


@main.group("gatekeeper")
def gatekeeper_group() -> None:
    """The gatekeeper's state."""


@gatekeeper_group.command("rebuild")
def gatekeeper_rebuild() -> None:
    """Rebuild the gatekeeper's Redis state from `gatekeeper.decisions` (and the organisational
    assessments on `risk.judgements`). Stop the gatekeeper services first."""
    from riskgate import topics
    from riskgate.service_layer.gatekeeper import rebuild

    settings = _settings()
    if settings.embedded:
        raise click.UsageError(
            "rebuild reads Kafka and writes Redis: set KAFKA_BOOTSTRAP_SERVERS and REDIS_URL"
        )
    system = bootstrap(settings)
    messages = [
        json.loads(record.value)
        for topic in (topics.JUDGEMENTS, topics.DECISIONS)
        for record in sorted(system.bus.read_all(topic), key=lambda r: (r.partition, r.offset))
    ]
    folded = rebuild(system.store, messages)
    click.echo(
        f"rebuilt the gatekeeper's state from {folded} messages: "
        f"{len(system.gatekeeper.decisions())} decisions, "
        f"{len(system.gatekeeper.inspections())} inspections"
    )


@main.group("citizens")
def citizens_group() -> None:
    """Petitions and Community Calls for Action."""


@citizens_group.command("sweep")
@click.option("--on", "on", type=click.DateTime(formats=["%Y-%m-%d"]), help="default: today")
def citizens_sweep(on: datetime | None) -> None:
    """Mark every response and publication deadline passed unmet by ON as overdue (once each)."""
    settings = _settings()
    if settings.embedded:
        raise click.UsageError(
            "sweep works on the shared state: set KAFKA_BOOTSTRAP_SERVERS and REDIS_URL"
        )
    system = bootstrap(settings)
    made = system.citizens.sweep(on.date() if on else None)
    click.echo(f"swept: {made} transitions published")


@main.group()
def report() -> None:
    """Reports."""


@report.command("burden")
@click.option("--year", required=True, type=int, help="requests received in this year")
@click.option(
    "--csv",
    "csv_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="also write the rows as CSV here",
)
def report_burden(year: int, csv_path: Path | None) -> None:
    """Requested versus approved on-site days per inspectorate and per body: the saving the
    gatekeeper made. Embedded: runs the bundled sample year first."""
    from riskgate.burden_report import as_csv, as_table, burden_rows

    settings = _settings()
    system = bootstrap(settings)
    if settings.embedded:
        load_sample(system, year)
        system.risk.assess_peers(year)
        system.pump()
    rows = burden_rows(system.gatekeeper.requests(), system.gatekeeper.inspections(), year)
    click.echo(as_table(rows))
    if csv_path:
        csv_path.write_text(as_csv(rows))
        click.echo(f"wrote {csv_path} ({len(rows)} rows)")


# --- assess ----------------------------------------------------------------------------


@main.command()
@click.option("--year", required=True, type=int, help="the assessment year, e.g. 2009")
@click.option(
    "--events",
    "events_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="embedded mode: JSON lines of events to assess (default: the bundled sample year)",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="write the whole assessment here as JSON (sorted, byte-for-byte repeatable)",
)
def assess(year: int, events_file: Path | None, out: Path | None) -> None:
    """The annual risk assessment for every area: a flag or none per theme, with reasons."""
    from riskgate.domain.assessment import area_assessment

    settings = _settings()
    system = bootstrap(settings)
    if settings.embedded:  # replay the year's events through the rules, in this process
        from riskgate.sample import generate_year

        for event in _read_events(events_file) if events_file else generate_year(year):
            system.risk.handle(event)
    system.risk.assess_peers(year)  # comparisons that need every area's year
    ruleset = system.rules.current().version
    organisations = system.risk.organisations(year)
    areas = {
        code: area_assessment(
            area, year, system.risk.assessment(code, year), organisations, ruleset
        )
        for code, area in sorted(system.reference.areas.items())
    }
    document = {"year": year, "ruleset_version": ruleset, "areas": areas}
    text = json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    flags = Counter(
        (j["flag"], theme)
        for a in areas.values()
        for theme, j in (*a["themes"].items(), *a["organisational_themes"].items())
        if j["flag"]
    )
    considered = sum(len(j["considered"]) for a in areas.values() for j in a["themes"].values())
    click.echo(f"assessment {year}: {len(areas)} areas, ruleset {ruleset}")
    for theme in THEMES:
        if flags.get(("red", theme)) or flags.get(("green", theme)):
            click.echo(
                f"  {theme}: red {flags.get(('red', theme), 0)}, green {flags.get(('green', theme), 0)}"
            )
    click.echo(f"  considered and not flagged (known and managed): {considered}")
    click.echo(f"  {organisational_summary(system, year)}")
    if out:
        out.write_text(text)
        click.echo(f"wrote {out} ({len(text.encode())} bytes)")


# --- publish and sample ----------------------------------------------------------------


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--url",
    envvar="RISKGATE_URL",
    default="http://127.0.0.1:8000",
    show_default=True,
    help="the ingest API (env RISKGATE_URL)",
)
@click.option(
    "--token",
    envvar="RISKGATE_TOKEN",
    required=True,
    help="an integrator token (env RISKGATE_TOKEN)",
)
@click.option("--batch", default=500, show_default=True, type=int)
def publish(file: Path, url: str, token: str, batch: int) -> None:
    """Validate the events in FILE.jsonl (one per line) and publish them to the ingest API."""
    events = _read_events(file)
    accepted = duplicates = 0
    for start in range(0, len(events), batch):
        chunk = events[start : start + batch]
        reply = _post(f"{url.rstrip('/')}/v1/events", chunk, token)
        accepted += len(reply["accepted"])
        duplicates += len(reply["duplicates"])
    click.echo(f"published {accepted} events ({duplicates} duplicates already accepted) to {url}")


def _read_events(file: Path) -> list[dict[str, Any]]:
    """The events in a JSON-lines file, each validated; refuse the file naming every bad line."""
    from riskgate.schemas import validate_event

    events, problems = [], []
    for number, line in enumerate(file.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"line {number}: not JSON: {exc}")
            continue
        event, errors = validate_event(raw)
        if errors or event is None:
            problems.append(f"line {number}: {json.dumps(errors, sort_keys=True)}")
        else:
            events.append(event)
    if problems:
        raise click.ClickException("nothing done; fix these first:\n" + "\n".join(problems[:50]))
    return events


def _post(url: str, body: Any, token: str) -> dict[str, Any]:
    data = json.dumps(body).encode()
    request = urllib.request.Request(
        url,
        data=data,
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - the user's own URL
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raise click.ClickException(
            f"{url} answered {exc.code}: {exc.read().decode(errors='replace')}"
        ) from None
    except urllib.error.URLError as exc:
        raise click.ClickException(f"cannot reach {url}: {exc.reason}") from None


@main.command()
@click.option("--year", default=2009, show_default=True, type=int)
@click.option("--seed", default=2009, show_default=True, type=int)
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
def sample(year: int, seed: int, out: Path) -> None:
    """Write the bundled sample year (deterministic, synthetic) as JSON lines."""
    from riskgate.sample import generate_year, write_jsonl

    click.echo(f"wrote {write_jsonl(generate_year(year, seed), out)} events to {out}")


# --- rules -------------------------------------------------------------------------------


@main.group()
def rules() -> None:
    """Check rule files."""


rules_dir_option = click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="rules directory (default: RISKGATE_RULES_DIR, or the shipped rules)",
)


@rules.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="overwrite the rule files in a folder that is not empty")
def rules_export(directory: Path, force: bool) -> None:
    """Write an editable copy of the shipped rules and fixtures into DIRECTORY."""
    from riskgate.shipped_rules import ExportRefused, RulesNotShipped, export_rules

    try:
        written = export_rules(directory, force=force)
    except (ExportRefused, RulesNotShipped) as exc:
        raise click.ClickException(str(exc)) from None
    where = shlex.quote(str(directory.resolve()))
    click.echo(f"wrote {len(written)} files to {directory}")
    click.echo("edit them, then point riskgate at them (and check them with `riskgate rules lint`):")
    click.echo(f"  export RISKGATE_RULES_DIR={where}")


@rules.command("lint")
@rules_dir_option
def rules_lint(directory: Path | None) -> None:
    """Check every rule, routing, policy and citizens' file; report problems with file and line."""
    from riskgate.domain.citizens import load_citizens_config
    from riskgate.domain.gatekeeper import load_policies
    from riskgate.domain.reference import load_reference
    from riskgate.domain.rules import RuleError
    from riskgate.service_layer.rules_source import load_ruleset

    directory = directory or _settings().rules_dir
    try:
        ruleset = load_ruleset(directory)
        policies = load_policies(directory)
        citizens = load_citizens_config(directory)
    except RuleError as exc:
        raise click.ClickException(str(exc)) from None
    unknown = sorted(set(ruleset.floors) - set(load_reference().indicators))
    if unknown:
        raise click.ClickException(
            f"indicators.yaml: unknown indicator id(s) in floors: {', '.join(unknown)}"
        )
    click.echo(
        f"ok: {len(ruleset.rules)} rules, ruleset {ruleset.version}; "
        f"{len(policies.policies)} policies, {policies.version}; "
        f"citizens' thresholds for {len(citizens.councils)} council(s) beyond the defaults, "
        f"{citizens.version}"
    )


@rules.command("test")
@rules_dir_option
def rules_test(directory: Path | None) -> None:
    """Run the fixtures in rules/fixtures/: given these events, exactly these flags and requests."""
    from riskgate.rule_fixtures import run_all

    directory = directory or _settings().rules_dir
    results, uncovered = run_all(directory)
    for result in results:
        click.echo(f"{'ok  ' if result.passed else 'FAIL'} {result.source}: {result.name}")
        for problem in result.problems:
            click.echo(f"       {problem}")
    failed = [r for r in results if not r.passed]
    if uncovered:
        click.echo(f"rules with no passing fixture: {', '.join(uncovered)}")
    click.echo(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    if failed or uncovered or not results:
        raise SystemExit(1)


@rules.command("simulate")
@click.option(
    "--candidate",
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="a directory holding the candidate rule, routing and policy files",
)
@click.option(
    "--events",
    "events_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="JSON lines of a year of events (default: the bundled sample year)",
)
@click.option(
    "--year", default=2009, show_default=True, type=int, help="sample year, without --events"
)
@rules_dir_option
def rules_simulate(
    candidate: Path, events_file: Path | None, year: int, directory: Path | None
) -> None:
    """Replay a year under the current and the candidate rules; show flags and burden that change."""
    from riskgate.domain.reference import load_reference
    from riskgate.domain.rules import RuleError
    from riskgate.sample import generate_year
    from riskgate.service_layer.rules_source import load_ruleset
    from riskgate.simulation import compare, replay

    directory = directory or _settings().rules_dir
    try:
        load_ruleset(candidate)
    except RuleError as exc:
        raise click.ClickException(f"candidate: {exc}") from None
    events = _read_events(events_file) if events_file else generate_year(year)
    names = {code: council.name for code, council in load_reference().councils.items()}
    click.echo(f"replaying {len(events)} events")
    for line in compare(replay(directory, events), replay(candidate, events), names):
        click.echo(line)


if __name__ == "__main__":
    main()
