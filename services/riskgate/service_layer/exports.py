"""The open performance data (White Paper 2.22, 6.37, 6.47): bulk downloads of a year's
judgements, indicators, LAA targets and gatekeeper decisions, each with its data dictionary.

Nothing personal and nothing unpublished goes in: no complaint, petition or call for action, no
token holder or override justification, no `local` LAA target (White Paper 6.41), and no
inspection date or window, so no unannounced visit is given away. `GET /v1/exports/...` and
`riskgate export` give the same files.
"""

from __future__ import annotations

import csv
import io
import json
from typing import TYPE_CHECKING, Any

from riskgate.domain.errors import NotFound
from riskgate.service_layer.cycle import public_assessment

if TYPE_CHECKING:
    from riskgate.bootstrap import System

EXPORTS = ("judgements", "indicators", "laa", "decisions")
FORMATS = ("csv", "json")

# name -> [(column, type, description)]; types: string, integer, number, null allowed in any.
DICTIONARIES: dict[str, list[tuple[str, str, str]]] = {
    "judgements": [
        ("area", "string", "The LAA area's code (its lead council's)."),
        (
            "body",
            "string",
            "The body judged: the area itself for a theme, a council or partner "
            "for an organisational score or Direction of Travel.",
        ),
        ("year", "integer", "The assessment year."),
        (
            "subject",
            "string",
            "An area theme, use_of_resources, managing_performance, "
            "organisational_assessment or direction_of_travel.",
        ),
        ("flag", "string", "red, green or empty (themes only)."),
        ("score", "integer", "1-4 (organisational scores and Direction of Travel only)."),
        ("label", "string", "The score in words."),
        ("rule_ids", "string", "The rules behind the flag, separated by ';'."),
        ("ruleset_version", "string", "The version of the published rules that judged it."),
        ("narrative", "string", "Why, in plain words."),
    ],
    "indicators": [
        ("area", "string", "The reporting area's code."),
        ("indicator", "string", "National Indicator Set id, e.g. NI 117."),
        ("period", "string", "Calendar quarter, e.g. 2009-Q3."),
        ("value", "number", "The reported value."),
    ],
    "laa": [
        ("area", "string", "The LAA area's code."),
        ("indicator", "string", "National Indicator Set id."),
        (
            "kind",
            "string",
            "designated or statutory_education (local targets are never published).",
        ),
        ("baseline_period", "string", "Financial year of the baseline."),
        ("baseline_value", "number", "The baseline value."),
        (
            "trajectory",
            "string",
            "The agreed value per financial year, 'YYYY-YY:value' separated by ';'.",
        ),
        ("lead_partner", "string", "Body code of the lead partner."),
        ("partners", "string", "Body codes of the other partners, separated by ';'."),
        ("latest_period", "string", "The latest quarter reported in the year."),
        ("expected", "number", "The value expected on the trajectory at that quarter's end."),
        ("actual", "number", "The value reported."),
        ("gap_pct", "number", "How far better (+) or worse (-) than expected, % of expected."),
        ("status", "string", "ahead, on_track, behind or missed (empty: no data in the year)."),
        ("reported_status", "string", "The status the area gave in its annual report."),
        ("agreement", "string", "Event id of the version of the agreement used."),
    ],
    "decisions": [
        ("decision_id", "string", "The gatekeeper's decision id."),
        ("request_id", "string", "The inspection request decided."),
        ("area", "string", "The area's code."),
        ("inspectorate", "string", "The inspectorate asked."),
        ("theme", "string", "The theme of the request."),
        (
            "outcome",
            "string",
            "approved, merged, joint, deferred or rejected (after any override).",
        ),
        ("policy_ids", "string", "The published policies that decided it, separated by ';'."),
        ("decided_on", "string", "The day of the decision (never an inspection's dates)."),
        ("policy_version", "string", "The version of the published policies."),
    ],
}
_TYPES: dict[str, type | tuple[type, ...]] = {"string": str, "integer": int, "number": (int, float)}


def dictionary(name: str) -> dict[str, Any]:
    """The data dictionary of one export: its columns, their types and meanings."""
    if name not in DICTIONARIES:
        raise NotFound(f"unknown export {name!r}: one of {', '.join(EXPORTS)}")
    return {
        "name": name,
        "columns": [
            {"name": c, "type": t, "nullable": True, "description": d}
            for c, t, d in DICTIONARIES[name]
        ],
    }


def render_dictionary(name: str) -> str:
    """The data dictionary as the JSON file `export` writes and the API serves."""
    return json.dumps(dictionary(name), sort_keys=True, indent=2) + "\n"


def rows(system: System, name: str, year: int) -> list[dict[str, Any]]:
    """One export's rows for the year, each with exactly its dictionary's columns."""
    if name not in DICTIONARIES:
        raise NotFound(f"unknown export {name!r}: one of {', '.join(EXPORTS)}")
    return {
        "judgements": _judgements,
        "indicators": _indicators,
        "laa": _laa,
        "decisions": _decisions,
    }[name](system, year)


def problems(name: str, table: list[dict[str, Any]]) -> list[str]:
    """Where rows break their dictionary: a missing or extra column, a value of the wrong type."""
    columns = {c: t for c, t, _ in DICTIONARIES[name]}
    found = []
    for i, row in enumerate(table):
        if set(row) != set(columns):
            found.append(f"row {i}: columns {sorted(set(row) ^ set(columns))} differ")
            continue
        for column, kind in columns.items():
            value = row[column]
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, _TYPES[kind])
            ):
                found.append(f"row {i}: {column} is not a {kind}: {value!r}")
    return found


def render(name: str, table: list[dict[str, Any]], fmt: str) -> str:
    """The rows as CSV (header from the dictionary) or JSON (`{name, columns, rows}`)."""
    columns = [c for c, _, _ in DICTIONARIES[name]]
    if fmt == "json":
        return json.dumps({"name": name, "columns": columns, "rows": table}, sort_keys=True)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: "" if v is None else v for k, v in row.items()} for row in table)
    return out.getvalue()


def _joined(values: Any) -> str:
    return ";".join(str(v) for v in values)


def _judgements(system: System, year: int) -> list[dict[str, Any]]:
    # What the public may read: each area's latest published version (none before the
    # publication day; a year with no cycle file publishes as made). A download never runs
    # the annual assessment itself.
    out = []
    for code in sorted(system.reference.areas):
        area = public_assessment(system, code, year)
        for theme, j in (*area["themes"].items(), *area["organisational_themes"].items()):
            out.append(
                {
                    "area": code, "body": code, "year": year, "subject": theme,
                    "flag": j["flag"], "score": None, "label": None,
                    "rule_ids": _joined(j["rule_ids"]), "ruleset_version": j["ruleset_version"],
                    "narrative": j["narrative"],
                }
            )  # fmt: skip
        for body, organisation in area["organisations"].items():
            travel = organisation.get("direction_of_travel") or {}
            for subject, score, label, narrative in (
                ("organisational_assessment", organisation["score"], organisation["label"], None),
                (
                    "direction_of_travel",
                    travel.get("score"),
                    travel.get("label"),
                    travel.get("reason"),
                ),
            ):
                out.append(
                    {
                        "area": code, "body": body, "year": year, "subject": subject,
                        "flag": None, "score": score, "label": label, "rule_ids": "",
                        "ruleset_version": None, "narrative": narrative,
                    }
                )  # fmt: skip
    return out


def _indicators(system: System, year: int) -> list[dict[str, Any]]:
    out = []
    for area in sorted(system.reference.areas):
        for code in system.reference.indicators:
            series = system.risk.indicator_series(area, code)
            for period in sorted(p for p in series if p.startswith(f"{year}-Q")):
                out.append(
                    {"area": area, "indicator": code, "period": period, "value": series[period][0]}
                )
    return out


def _laa(system: System, year: int) -> list[dict[str, Any]]:
    ruleset = system.rules.current()
    out = []
    for area in system.risk.laa.areas():
        agreement = system.risk.laa.agreement(area)
        rows = system.risk.laa.targets(
            area, year, system.risk.indicator_series, ruleset, include_local=False
        )
        for r in rows:
            out.append(
                {
                    "area": area,
                    "indicator": r["indicator"],
                    "kind": r["kind"],
                    "baseline_period": r["baseline"]["period"],
                    "baseline_value": r["baseline"]["value"],
                    "trajectory": _joined(f"{p['period']}:{p['value']:g}" for p in r["trajectory"]),
                    "lead_partner": r["lead_partner"],
                    "partners": _joined(r["partners"]),
                    "latest_period": r["latest_period"],
                    "expected": r["expected"],
                    "actual": r["actual"],
                    "gap_pct": r["gap_pct"],
                    "status": r["status"],
                    "reported_status": r["reported_status"],
                    "agreement": agreement["event_id"] if agreement else None,
                }
            )
    return out


def _decisions(system: System, year: int) -> list[dict[str, Any]]:
    out = []
    for d in system.gatekeeper.decisions():
        if not str(d["decided_on"]).startswith(str(year)):
            continue
        outcome = d["overrides"][-1]["outcome"] if d["overrides"] else d["outcome"]
        out.append(
            {
                "decision_id": d["decision_id"],
                "request_id": d["request_id"],
                "area": d["area"],
                "inspectorate": d["inspectorate"],
                "theme": d["theme"],
                "outcome": outcome,
                "policy_ids": _joined(d["policy_ids"]),
                "decided_on": d["decided_on"],
                "policy_version": d["policy_version"],
            }
        )
    return out
