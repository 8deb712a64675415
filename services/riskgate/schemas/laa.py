"""Payloads of the Local Area Agreement events: the agreement (and its refresh) and the area's
annual report on it (White Paper 6.39-6.43).

An agreement runs over financial years (`2008-09` to `2010-11`); each target names a National
Indicator, its kind, a baseline and a target value for each year of the agreement. The counts
are the White Paper's: "around 35" designated improvement targets (at most 35 here) plus the
statutory early years and education targets (18 at the time); `local` targets are any number,
and never reported upward.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from riskgate.domain.laa import (
    FY_PATTERN,
    MAX_DESIGNATED,
    MAX_LAA_PARTNERS,
    MAX_LAA_TARGETS,
    MAX_LAA_YEARS,
    MAX_STATUTORY_EDUCATION,
    STATUSES,
    TARGET_KINDS,
    fy_index,
)
from riskgate.schemas.events import known_indicators
from riskgate.schemas.fields import (
    INDICATOR_PATTERN,
    MAX_NAME,
    MAX_TEXT,
    BoundedList,
    Day,
    FullMatch,
    StrictFloat,
    StrictSchema,
    body_code,
    bounded_list,
    one_of,
    optional_text,
    year_field,
)

_SHORT_TEXT = 80  # per-target texts: 80 of them must fit one event
FY_MESSAGE = "must be a financial year like '2009-10'"


def _fy_field(**kwargs: Any) -> fields.String:
    kwargs.setdefault("required", True)
    return fields.String(validate=FullMatch(FY_PATTERN, error=FY_MESSAGE, max_length=7), **kwargs)


def _indicator_field() -> fields.String:
    return fields.String(
        required=True,
        validate=FullMatch(
            INDICATOR_PATTERN, error="must be a National Indicator id like 'NI 117'"
        ),
        metadata={"description": "National Indicator Set id, e.g. NI 117."},
    )


class BaselineSchema(StrictSchema):
    """Where a target starts from: the value in a financial year before (or at) the agreement."""

    period = _fy_field()
    value = StrictFloat(required=True)


class TrajectoryPointSchema(StrictSchema):
    """The value agreed for the end of one financial year of the agreement."""

    period = _fy_field()
    value = StrictFloat(required=True)


class LaaTargetSchema(StrictSchema):
    """One improvement target of a Local Area Agreement."""

    indicator = _indicator_field()
    kind = fields.String(
        required=True,
        validate=one_of(TARGET_KINDS),
        metadata={
            "description": "designated (at most 35), statutory_education (at most 18) or local "
            "(any number; seen only by the area's own roles, never reported nationally)"
        },
    )
    baseline = fields.Nested(BaselineSchema, required=True)
    trajectory = BoundedList(
        fields.Nested(TrajectoryPointSchema),
        required=True,
        validate=validate.Length(1, MAX_LAA_YEARS),
        metadata={"description": "A target value for each year of the agreement."},
    )
    lead_partner = body_code(
        required=True, metadata={"description": "The body that leads on the target."}
    )
    partners = BoundedList(
        body_code(),
        load_default=list,
        validate=validate.Length(max=MAX_LAA_PARTNERS),
        metadata={"description": "The other partners responsible (body codes)."},
    )


class LaaAgreedPayload(StrictSchema):
    """An area's Local Area Agreement: its period and its targets, as agreed with the Government
    Office. `laa.refreshed` carries the same fields and replaces the agreement from
    `effective_from`; judgements made before keep the version they used."""

    period_start = _fy_field(metadata={"description": "First financial year, e.g. 2008-09."})
    period_end = _fy_field(metadata={"description": "Last financial year, e.g. 2010-11."})
    effective_from = Day(
        required=True,
        metadata={"description": "The day this version of the agreement applies from."},
    )
    targets = BoundedList(
        fields.Nested(LaaTargetSchema),
        required=True,
        validate=validate.Length(1, MAX_LAA_TARGETS),
    )
    data_source = optional_text(
        MAX_NAME, metadata={"description": "Where the agreement came from, e.g. synthetic."}
    )

    @validates_schema
    def _agreement(self, data: dict[str, Any], **kwargs: Any) -> None:
        check_agreement(data)


def check_agreement(data: dict[str, Any]) -> None:
    """The agreement's checks across fields, on a payload whose fields each passed their own:
    raises ValidationError naming each field at fault (the schema's, and the fast path's)."""
    start, end = fy_index(data["period_start"]), fy_index(data["period_end"])
    if end < start:
        raise ValidationError(
            f"must not be before period_start ({data['period_start']})", field_name="period_end"
        )
    if end - start + 1 > MAX_LAA_YEARS:
        raise ValidationError(
            f"an agreement runs at most {MAX_LAA_YEARS} financial years",
            field_name="period_end",
        )
    targets: list[dict[str, Any]] = data["targets"]
    message: dict[str, Any] = {}
    counts = Counter(t["kind"] for t in targets)
    too_many = [
        f"{counts[kind]} {kind} targets: at most {most} (White Paper 6.39)"
        for kind, most in (
            ("designated", MAX_DESIGNATED),
            ("statutory_education", MAX_STATUTORY_EDUCATION),
        )
        if counts[kind] > most
    ]
    per_target: dict[Any, Any] = {
        i: problems
        for i, t in enumerate(targets)
        if (problems := _target_problems(t, start, end))
    }
    seen: dict[str, int] = {}
    for i, target in enumerate(targets):
        first = seen.setdefault(target["indicator"], i)
        if first != i:
            per_target.setdefault(i, {}).setdefault("indicator", []).append(
                f"{target['indicator']} is already target {first}: one target per indicator"
            )
    if too_many:
        per_target["_schema"] = too_many
    if per_target:
        message["targets"] = per_target
        raise ValidationError(message)


def _target_problems(target: dict[str, Any], start: int, end: int) -> dict[str, Any]:
    """What is wrong with one target, by field (the indicator, its trajectory's periods)."""
    problems: dict[str, Any] = {}
    known = known_indicators()
    if known is not None and target["indicator"] not in known:
        problems["indicator"] = [
            f"unknown indicator {target['indicator']!r}: not in the National Indicator Set"
        ]
    if fy_index(target["baseline"]["period"]) > end:
        problems["baseline"] = {"period": ["must not be after the agreement's last year"]}
    trajectory: dict[int, Any] = {}
    years: set[int] = set()
    for j, point in enumerate(target["trajectory"]):
        year = fy_index(point["period"])
        if not start <= year <= end:
            trajectory[j] = {"period": [f"{point['period']} is outside the agreement's period"]}
        elif year in years:
            trajectory[j] = {"period": [f"{point['period']} is given twice"]}
        years.add(year)
    if trajectory:
        problems["trajectory"] = trajectory
    return problems


class LaaTargetReportSchema(StrictSchema):
    """The area's own account of one target: its status and, optionally, its action plan."""

    indicator = _indicator_field()
    status = fields.String(required=True, validate=one_of(STATUSES))
    commentary = optional_text(_SHORT_TEXT)
    action_plan = optional_text(
        _SHORT_TEXT, metadata={"description": "What the partners will do where the target slips."}
    )


class LaaAnnualReportPayload(StrictSchema):
    """The area's annual self-assessment of progress on its LAA targets (White Paper 6.42)."""

    year = year_field()
    targets = bounded_list(fields.Nested(LaaTargetReportSchema), MAX_LAA_TARGETS, required=True)
    action_plan = optional_text(
        MAX_TEXT, metadata={"description": "The area's overall action plan, if any."}
    )
