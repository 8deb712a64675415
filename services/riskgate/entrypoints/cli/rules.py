"""`riskgate rules`: export, lint, test and simulate rule files."""

from __future__ import annotations

import shlex
from pathlib import Path

import click

from riskgate.entrypoints.cli.common import settings, year_events
from riskgate.entrypoints.cli.progress import counted

rules_dir_option = click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="rules directory (default: RISKGATE_RULES_DIR, or the shipped rules)",
)


@click.group()
def rules() -> None:
    """Check rule files."""


@rules.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--force", is_flag=True, help="overwrite the rule files in a folder that is not empty"
)
def rules_export(directory: Path, force: bool) -> None:
    """Write an editable copy of the shipped rules and fixtures into DIRECTORY."""
    from riskgate.adapters.shipped_rules import ExportRefused, RulesNotShipped, export_rules

    try:
        written = export_rules(directory, force=force)
    except (ExportRefused, RulesNotShipped) as exc:
        raise click.ClickException(str(exc)) from None
    where = shlex.quote(str(directory.resolve()))
    click.echo(f"wrote {len(written)} files to {directory}")
    click.echo(
        "edit them, then point riskgate at them (and check them with `riskgate rules lint`):"
    )
    click.echo(f"  export RISKGATE_RULES_DIR={where}")


@rules.command("lint")
@rules_dir_option
def rules_lint(directory: Path | None) -> None:
    """Check every rule, routing, policy and citizens' file; report problems with file and line."""
    from riskgate.service_layer.rules_check import check_rules, lint_rules

    directory = directory or settings().rules_dir
    problems = lint_rules(directory)
    if problems:
        for problem in problems:
            click.echo(problem, err=True)
        raise click.ClickException(f"{len(problems)} problem(s) in {directory}")
    checked = check_rules(directory)
    ruleset, policies, citizens = checked.ruleset, checked.policies, checked.citizens
    click.echo(
        f"ok: {len(ruleset.rules)} rules, ruleset {ruleset.version}; "
        f"{len(policies.policies)} policies, {policies.version}; "
        f"citizens' thresholds for {len(citizens.councils)} council(s) beyond the defaults, "
        f"{citizens.version}"
    )
    years = ", ".join(map(str, checked.cycles)) or "none (every year publishes continuously)"
    click.echo(f"ok: cycles for {years}; ladder of {checked.rungs} rungs")


@rules.command("test")
@rules_dir_option
def rules_test(directory: Path | None) -> None:
    """Run the fixtures in rules/fixtures/: given these events, exactly these flags and requests."""
    from riskgate.service_layer.rule_fixtures import run_all

    results, uncovered = run_all(directory or settings().rules_dir)
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
    from riskgate.service_layer.gc_pause import collections_paused
    from riskgate.service_layer.rules_source import load_ruleset
    from riskgate.service_layer.simulation import compare, replay_both

    current_settings = settings()
    directory = directory or current_settings.rules_dir
    try:
        load_ruleset(candidate)
    except RuleError as exc:
        raise click.ClickException(f"candidate: {exc}") from None
    with collections_paused(keep=True):  # a one-off pass over the whole year: see gc_pause.py
        events = year_events(events_file, year, current_settings)
        names = {code: council.name for code, council in load_reference().councils.items()}
        click.echo(f"replaying {len(events)} events")
        current, proposed = replay_both(
            directory,
            candidate,
            events,
            counted(events, len(events), "simulate: current and candidate rules, side by side"),
        )
    for line in compare(current, proposed, names):
        click.echo(line)
