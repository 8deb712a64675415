"""What the annual cycle's and the ladder's routes answer with, and the cycle fields that the
public assessment carries (its stage, whether published, which version, since when)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from riskgate.domain.ladder import DIRECTION_OF_TRAVEL
from riskgate.domain.vocabulary import THEMES
from riskgate.entrypoints.http.answers import Answer, actor_answer
from riskgate.schemas import body_code, theme_field

STATUSES = ("draft", "not_yet_published", "published")


def case_theme() -> fields.String:
    """What a ladder case is about: a theme, or a council's Direction of Travel."""
    return fields.String(required=True, validate=validate.OneOf((*THEMES, DIRECTION_OF_TRAVEL)))


def day(
    *, required: bool = False, allow_none: bool = False, description: str = ""
) -> fields.String:
    """A day as the services keep it, `YYYY-MM-DD`."""
    metadata = {"format": "date", **({"description": description} if description else {})}
    return fields.String(required=required, allow_none=allow_none, metadata=metadata)


class ChallengeDecisionAnswer(Answer):
    outcome = fields.String(required=True, validate=validate.OneOf(("upheld", "rejected")))
    reason = fields.String(required=True)
    by = actor_answer()
    on = day(required=True)


class ChallengeAnswer(Answer):
    """A council's challenge of a draft flag, and the lead inspectorate's decision on it."""

    challenge_id = fields.String(required=True)
    area = body_code(required=True)
    year = fields.Integer(required=True)
    theme = theme_field()
    flag = fields.String(required=True)
    rule_ids = fields.List(fields.String(), required=True)
    by = actor_answer()
    reason = fields.String(required=True)
    evidence = fields.List(fields.String(), required=True)
    made_at = fields.String(required=True)
    made_on = day(required=True)
    lead_inspectorate = fields.String(required=True)
    status = fields.String(
        required=True, validate=validate.OneOf(("pending", "upheld", "rejected"))
    )
    decision = fields.Nested(ChallengeDecisionAnswer, required=True, allow_none=True)


class CycleMeta(Schema):
    """The fields an assessment carries about its year's cycle."""

    stage = fields.String(
        metadata={
            "description": "The cycle's stage today (self_assessment, draft, sharing, "
            "challenge, awaiting_publication, published), or continuous for a year with "
            "no cycle file, whose judgements are published as made"
        }
    )
    status = fields.String(validate=validate.OneOf(STATUSES))
    publication = day(allow_none=True, description="publication day")
    version = fields.Integer(allow_none=True, metadata={"description": "published version"})
    published_on = day(allow_none=True)


class StageAnswer(Answer):
    name = fields.String(required=True)
    starts = day(required=True)
    ends = day(required=True)


class CycleAnswer(Answer):
    """An assessment year's stages and where today falls."""

    year = fields.Integer(required=True)
    stage = fields.String(required=True)
    stages = fields.List(fields.Nested(StageAnswer), required=True)
    source = fields.String(required=True)


class VersionAnswer(Answer):
    """One published version of an area's year: its number, its day and the assessment."""

    version = fields.Integer(required=True)
    published_on = day(required=True)
    document = fields.Dict(required=True)


class RungAnswer(Answer):
    rung = fields.String(required=True)
    title = fields.String(required=True)
    source = fields.String(required=True)
    by = actor_answer()
    reason = fields.String(required=True)
    on = day(required=True)
    out_of_order_reason = fields.String(required=True, allow_none=True)
    request_id = fields.String(metadata={"description": "the inspection rung's request"})


class MilestoneAnswer(Answer):
    indicator = fields.String(required=True)
    value = fields.Float(required=True)
    by = day(required=True)
    served = day(required=True, description="the notice's day: quarters ending after it count")
    polarity = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(("pending", "met", "missed")))
    evidence = fields.List(fields.String(), required=True)
    checked_on = day(required=True, allow_none=True)


class SuggestionAnswer(Answer):
    rung = fields.String(required=True, allow_none=True)
    because = fields.String(required=True)
    evidence = fields.List(fields.String(), required=True)
    on = day(required=True)


class LadderCaseAnswer(Answer):
    """A ladder case: why it opened, the rungs taken, the notice's milestones, any suggestion."""

    case_id = fields.String(required=True)
    body = body_code(required=True)
    area = body_code(required=True)
    theme = case_theme()
    opened_on = day(required=True)
    opened_because = fields.String(required=True)
    evidence = fields.List(fields.String(), required=True)
    grounds = fields.Dict(
        allow_none=True,
        metadata={
            "description": "the figures a derived score rests on (Direction of Travel's "
            "evidence for a direction_of_travel case); null otherwise"
        },
    )
    rungs = fields.List(fields.Nested(RungAnswer), required=True)
    milestones = fields.List(fields.Nested(MilestoneAnswer), required=True)
    suggestion = fields.Nested(SuggestionAnswer, required=True, allow_none=True)


class CaseSummaryAnswer(Answer):
    """What the public sees of a case."""

    body = body_code(required=True)
    theme = case_theme()
    rung = fields.String(required=True, allow_none=True)
    since = day(required=True)
    opened_on = day(required=True)
