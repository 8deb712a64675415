"""`riskgate demo`: the whole pipeline on the bundled sample year, then a summary."""

from __future__ import annotations

from collections import Counter

import click

from riskgate import topics
from riskgate.bootstrap import System, bootstrap
from riskgate.config import Settings
from riskgate.domain.vocabulary import THEMES
from riskgate.entrypoints.cli.common import organisational_line, settings
from riskgate.entrypoints.cli.cycle_section import cycle_section
from riskgate.entrypoints.cli.demo_triage import challenge_lines, triage_lines
from riskgate.entrypoints.cli.progress import reporting
from riskgate.service_layer.direction_of_travel import directions
from riskgate.service_layer.laa import national_counts
from riskgate.service_layer.walkthrough import walk_one_inspection
from riskgate.service_layer.year_summary import (
    YearSummary,
    period,
    play_sample_year,
    summarise_year,
)


@click.command()
@click.option("--year", default=2009, show_default=True, type=int)
def demo(year: int) -> None:
    """Load the bundled sample year, run the whole pipeline in-process, print a summary."""
    current = settings()  # in memory, on the sample's clock; a prepared snapshot is read
    system = bootstrap(Settings(rules_dir=current.rules_dir, snapshot_dir=current.snapshots))
    with reporting(f"demo: loading the sample year {year}") as progress:
        accepted = play_sample_year(system, year, progress)
    text = summary_text(summarise_year(system, year, accepted))
    click.echo(text)
    click.echo("\n".join(performance_lines(system, year)))
    for line in walk_one_inspection(system):  # after the year's summary, which it leaves as is
        click.echo(line)
    click.echo(cycle_section(system, year))  # the cycle, the ladder and the random draw
    click.echo(f"dead letters: {len(system.bus.read_all(topics.DEAD_LETTERS))}")


def _listed(counts: Counter[str]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))


def summary_text(s: YearSummary) -> str:
    """The demo's report: events in, flags, requests, decisions and work per inspectorate."""
    flags = s.flags()
    lines = [
        f"riskgate demo: sample year {s.year}",
        period(s.year, s.today),
        f"ruleset {s.ruleset_version}, gatekeeper policies {s.policies_version}",
        f"events in: {s.accepted.total()} accepted ({_listed(s.accepted)})",
        f"areas judged: {len(s.judgements)}; flags: red {sum(n for (f, _), n in flags.items() if f == 'red')}, "
        f"green {sum(n for (f, _), n in flags.items() if f == 'green')}",
    ]
    for theme in THEMES:
        red, green = flags.get(("red", theme), 0), flags.get(("green", theme), 0)
        if red or green:
            lines.append(f"  {theme}: red {red}, green {green}")
    lines.append(organisational_line(s.councils_scored, s.organisational))
    by_inspectorate = Counter(r["inspectorate"] for r in s.requests)
    lines.append(f"inspection requests: {len(s.requests)} ({_listed(by_inspectorate)})")
    outcomes = Counter(d["outcome"] for d in s.decisions)
    lines.append(f"gatekeeper decisions: {len(s.decisions)} ({_listed(outcomes)})")
    lines.append("work per inspectorate: " + ", ".join(f"{code} {n}" for code, n in s.work.items()))
    lines.extend(_burden_lines(s))
    lines.extend(triage_lines(s))
    lines.extend(_citizens_lines(s))
    lines.extend(_flag_lines(s))
    lines.extend(challenge_lines(s))
    return "\n".join(lines)


def _burden_lines(s: YearSummary) -> list[str]:
    """Requested versus approved on-site days, in total and per inspectorate."""
    total = next((r for r in s.burden if r["by"] == "total"), None)
    if total is None:
        return ["burden: no inspection requests"]
    lines = [
        f"burden: requested {total['requested_days']} on-site days in {total['requests']} "
        f"requests; approved {total['approved_days']} days in {total['inspections']} "
        f"inspections; saved {total['saved_days']} days"
    ]
    lines.extend(
        f"  {r['code']}: requested {r['requested_days']}, approved {r['approved_days']}"
        for r in s.burden
        if r["by"] == "inspectorate"
    )
    return lines


def _citizens_lines(s: YearSummary) -> list[str]:
    """Petitions and calls for action: how each ended, and what the gatekeeper did with them."""
    statuses = Counter(c["status"] for c in s.cases)
    overdue = sum(len(c["overdue"]) for c in s.cases)
    lines = [
        f"petitions: {s.petitions.total()} ({_listed(s.petitions)})",
        f"calls for action: {len(s.cases)} ({_listed(statuses)}); deadlines missed: {overdue}",
    ]
    for c in s.cases:
        where = f"{c['council']} {s.council_names.get(c['council'], '')}".strip()
        line = f"  {c['case_ref']} at {where}: {c['stage']}, {c['status']}"
        if c["refusal"]:
            line += f" — {c['refusal']['reason']}"
        if c["overdue"]:
            line += f"; overdue: {', '.join(d['body'] or 'council' for d in c['overdue'])}"
        if c["escalation"]:
            decision = s.decision_for(c["escalation"]["request_id"])
            line += f" — to the gatekeeper ({c['escalation']['urgency']})"
            if decision:
                line += f": {decision['outcome']} ({', '.join(decision['policy_ids'])})"
        lines.append(line)
    return lines


def _flag_lines(s: YearSummary) -> list[str]:
    """Every flag with its narrative, then every concern considered and not flagged."""
    lines = ["flags, with reasons:"]
    for code, per in sorted(s.judgements.items()):
        for j in per.values():
            if j["flag"]:
                lines.append(
                    f"  {code} {s.area_names[code]}: {j['narrative']} "
                    f"[rules {', '.join(j['rule_ids'])}; evidence {len(j['evidence'])} events]"
                )
    lines.append("known and managed (considered, not flagged):")
    for code, per in sorted(s.judgements.items()):
        for j in per.values():
            for c in j["considered"]:
                lines.append(
                    f"  {code} {s.area_names[code]}: considered, not flagged — "
                    f"{c['rule_id']} on {c['subject']}: {c['reason']}"
                )
    return lines


def performance_lines(system: System, year: int) -> list[str]:
    """LAA targets on track, behind and missed (reported targets only), and the councils by
    Direction of Travel."""
    counts, disagreeing, areas = national_counts(
        system.risk.laa, year, system.risk.indicator_series, system.rules.current()
    )
    lines = [
        f"LAA targets ({areas} agreements, designated and statutory; latest quarter of {year}): "
        f"ahead {counts.get('ahead', 0)}, on track {counts.get('on_track', 0)}, "
        f"behind {counts.get('behind', 0)}, missed {counts.get('missed', 0)}, "
        f"no data {counts.get('no_data', 0)}; year-end targets missed "
        f"{counts.get('year_ends_missed', 0)}; annual reports disagreeing with the data "
        f"{disagreeing}"
    ]
    travel = directions(system, year)
    by_score: dict[int | None, list[str]] = {}
    for body, d in sorted(travel.items()):
        by_score.setdefault(d["score"], []).append(system.reference.councils[body].name)
    lines.append(f"Direction of Travel ({len(travel)} councils):")
    for score in (4, 3, 2, 1, None):
        names = by_score.get(score, [])
        if not names:
            continue
        label = next(d["label"] for d in travel.values() if d["score"] == score)
        shown = ", ".join(names[:6]) + (", …" if len(names) > 6 else "")
        lines.append(f"  {score or '-'} {label}: {len(names)} ({shown})")
    return lines
