"""The public site, no sign-in: areas by region with a search by name or code, each area's
judgements with their reasons, evidence, rules and peers, and how riskgate judges. Nobody is
ranked: areas are listed by region and name, and an indicator is drawn against the middle of
its peers and the national quartiles, never as a position in a table."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, request

from riskgate.domain.errors import NotFound
from riskgate.entrypoints.http.auth import system
from riskgate.entrypoints.web.charts import indicator_chart
from riskgate.service_layer import exports
from riskgate.service_layer.area_page import (
    FIRST_YEAR,
    area_page,
    assessment_year,
    indicator_comparison,
    reported_indicators,
)

site = Blueprint("site", __name__, static_folder="static", static_url_path="/static/site")
MAX_QUERY = 100
# Charts drawn on an area page; further cited indicators show their table and link to their
# own page with its chart, so that the page stays light (bench/pages.py: under 200 KB).
CHARTS_ON_AREA_PAGE = 3


@site.route("/assets/<path:filename>")
def assets(filename: str) -> Any:
    """govuk-frontend's fonts and images where its CSS looks for them."""
    return site.send_static_file(f"govuk/assets/{filename}")


@site.route("/")
def home() -> str:
    """Every area by region, or those whose name or code holds the search."""
    query = (request.args.get("q") or "").strip()[:MAX_QUERY]
    areas = sorted(system().reference.areas.values(), key=lambda a: (a.region, a.name))
    if query:
        needle = query.casefold()
        areas = [a for a in areas if needle in a.name.casefold() or needle in a.code.casefold()]
    regions: dict[str, list[Any]] = {}
    for area in areas:
        regions.setdefault(area.region, []).append(area)
    return render_template("site/home.html", regions=regions, query=query, found=len(areas))


def _year(code: str) -> int:
    raw = request.args.get("year")
    if raw is None:
        return assessment_year(system(), code)
    if not raw.isdigit() or not FIRST_YEAR <= int(raw) <= 2100:
        abort(400, f"year must be a year from {FIRST_YEAR}, for example 2009")
    return int(raw)


@site.route("/areas/<code>")
def area(code: str) -> str:
    """An area's flags per theme with the reasons, evidence and rules, its councils'
    organisational assessments, its cited indicators beside its peers, and its citizens'
    calls for action and petitions."""
    if code not in system().reference.areas:
        abort(404)
    year = _year(code)
    try:
        page = area_page(system(), code, year)
    except NotFound:
        abort(404)
    charts = {
        ni: indicator_chart(ni, page["area"].name, quarters)
        for ni, quarters in list(page["comparisons"].items())[:CHARTS_ON_AREA_PAGE]
    }
    return render_template(
        "site/area.html",
        page=page,
        year=year,
        charts=charts,
        indicators=system().reference.indicators,
        reported=reported_indicators(system(), code),
        today=system().clock.today(),
    )


@site.route("/areas/<code>/indicators/<int:number>")
def indicator(code: str, number: int) -> str:
    """One indicator of an area for a year, beside its peers and the national quartiles."""
    ni = f"NI {number}"
    sys = system()
    if code not in sys.reference.areas or ni not in sys.reference.indicators:
        abort(404)
    year = _year(code)
    quarters = indicator_comparison(sys, code, ni, year)
    area_ = sys.reference.areas[code]
    return render_template(
        "site/indicator.html",
        area=area_,
        year=year,
        indicator=sys.reference.indicators[ni],
        quarters=quarters,
        chart=indicator_chart(ni, area_.name, quarters) if quarters else None,
    )


@site.route("/how-we-judge")
def how_we_judge() -> str:
    """The rules in force and the gatekeeper's policies, read from the rule files."""
    sys = system()
    ruleset = sys.rules.current()
    return render_template(
        "site/how_we_judge.html",
        ruleset=ruleset,
        policies=sys.gatekeeper.policies,
        indicators=sys.reference.indicators,
    )


@site.route("/downloads")
def downloads() -> str:
    """The open data: each year's exports as CSV and JSON (`GET /v1/exports/{year}/{name}.{fmt}`)
    and each export's data dictionary."""
    this_year = system().clock.today().year
    return render_template(
        "site/downloads.html",
        years=list(range(this_year, FIRST_YEAR - 1, -1)),
        names=exports.EXPORTS,
        formats=exports.FORMATS,
    )
