"""Local Area Agreements and the open performance data: the Government Office's LAA review, an
area's indicators, and the bulk downloads with their data dictionaries."""

from __future__ import annotations

from typing import Any

from flask import Response, request
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from riskgate.domain.errors import NotFound
from riskgate.entrypoints.http.answers import Answer
from riskgate.entrypoints.http.auth import authenticated, system
from riskgate.entrypoints.http.bounds import BoundedBlueprint
from riskgate.entrypoints.http.errors import refusals
from riskgate.service_layer import exports
from riskgate.service_layer.open_data import area_indicators

performance = BoundedBlueprint(
    "performance",
    __name__,
    url_prefix="/v1",
    description="Local Area Agreements and the open performance data",
)


class YearArgs(Schema):
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))


class LaaReviewAnswer(Answer):
    """The Government Office's review view of an area's Local Area Agreement for a year."""

    area = fields.String(required=True)
    year = fields.Integer(required=True)
    agreement = fields.Dict(
        allow_none=True,
        metadata={"description": "The version in force: event_id, type, effective_from, period"},
    )
    tolerance_pct = fields.Float(metadata={"description": "The on-track tolerance used."})
    targets = fields.List(
        fields.Dict(),
        metadata={
            "description": "Every target: indicator, kind, baseline, trajectory, lead_partner, "
            "partners, latest_period, actual, expected, gap, gap_pct, status, direction, "
            "periods, reported_status, disagreement, risks"
        },
    )
    counts = fields.Dict(metadata={"description": "Targets by latest status."})
    annual_report = fields.Dict(allow_none=True)
    disagreements = fields.List(fields.Dict())
    warnings = fields.List(
        fields.String(), metadata={"description": "Lint-style warnings on the trajectories."}
    )


class IndicatorsAnswer(Answer):
    """An area's national indicators for a year: series, target, national quartile (1 best)
    and its own position among its peers (areas of the same kind)."""

    area = fields.String(required=True)
    name = fields.String(required=True)
    year = fields.Integer(required=True)
    peer_group = fields.String(required=True)
    indicators = fields.List(fields.Dict(), required=True)


def _own_area(code: str) -> bool:
    """Whether the caller presents a token of one of the area's own councils (a token that is
    presented must be valid: 401 otherwise)."""
    if "Authorization" not in request.headers:
        return False
    kind, _, body = authenticated().role.partition(":")
    return kind == "council" and system().reference.area_of(body) == code


@performance.route("/areas/<code>/laa")
class AreaAgreement(MethodView):
    @performance.arguments(YearArgs, location="query")
    @performance.response(200, LaaReviewAnswer)
    @refusals(performance, 401, 404, e404="Not an area")
    def get(self, args: dict[str, Any], code: str) -> dict[str, Any]:
        """The LAA review view: every target, its status and gap against the trajectory, the
        partners responsible, the risks for future delivery and the area's own report beside
        the data. Public, without `local` targets; an area's own council token sees those too."""
        if code not in system().reference.areas:
            raise NotFound(f"unknown area {code}: areas are upper-tier and unitary councils")
        include_local = _own_area(code)
        return system().risk.laa.review(
            code,
            args["year"],
            system().risk.indicator_series,
            system().rules.current(),
            include_local=include_local,
        )


@performance.route("/areas/<code>/indicators")
class AreaIndicators(MethodView):
    @performance.arguments(YearArgs, location="query")
    @performance.response(200, IndicatorsAnswer)
    @refusals(performance, 404, e404="Not an area")
    def get(self, args: dict[str, Any], code: str) -> dict[str, Any]:
        """Every national indicator the area reported: series, LAA target, national quartile
        and position among its statistical peers (public; no league table)."""
        return area_indicators(system(), code, args["year"])


class ExportAnswer(Schema):
    """An export as JSON: its name, its columns (as in its dictionary) and its rows. The CSV has
    the same columns as its header; `<name>.dictionary.json` gives `{name, columns: [{name,
    type, nullable, description}]}`."""

    name = fields.String(required=True)
    columns = fields.List(fields.Raw(), required=True)
    rows = fields.List(fields.Dict(), metadata={"description": "absent from a dictionary"})


@performance.route("/exports/<int:year>/<name>.<fmt>")
class Export(MethodView):
    @performance.response(
        200,
        ExportAnswer,
        description="JSON rows (`.json`), CSV with a header (`.csv`), or the data dictionary",
    )
    @refusals(performance, 404, e404="Unknown export or format")
    def get(self, year: int, name: str, fmt: str) -> Response:
        """A year's judgements, indicators, laa or decisions as CSV or JSON; `<name>.dictionary.json`
        is its data dictionary (public; nothing personal or unpublished)."""
        if name.endswith(".dictionary") and fmt == "json":
            body = exports.render_dictionary(name.removesuffix(".dictionary"))
            return Response(body, mimetype="application/json")
        if fmt not in exports.FORMATS:
            raise NotFound(f"unknown format {fmt!r}: one of {', '.join(exports.FORMATS)}")
        table = exports.rows(system(), name, year)
        mimetype = "text/csv" if fmt == "csv" else "application/json"
        return Response(exports.render(name, table, fmt), mimetype=mimetype)
