"""Words for the pages: themes, flags, scores and dates as a reader says them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask

from riskgate.domain.assessment import SCORE_LABELS
from riskgate.domain.vocabulary import INSPECTORATES, THEME_TITLES


def theme_title(theme: str) -> str:
    """`children_and_young_people` -> "Children and young people"."""
    return THEME_TITLES.get(theme, theme.replace("_", " ").capitalize())


def inspectorate_name(code: str) -> str:
    """`cqc` -> "Care Quality Commission"."""
    return INSPECTORATES.get(code, code)


def long_date(value: Any) -> str:
    """ "2009-10-15" (or a date, or an ISO date-time) -> "15 October 2009"."""
    if value is None or value == "":
        return ""
    day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
    return f"{day.day} {day:%B %Y}"


def flag_words(flag: str | None) -> str:
    return {"red": "Red flag", "green": "Green flag"}.get(flag or "", "No flag")


def flag_tag(flag: str | None) -> str:
    return {"red": "govuk-tag--red", "green": "govuk-tag--green"}.get(flag or "", "govuk-tag--grey")


def score_words(score: int | None) -> str:
    return SCORE_LABELS.get(score, "not yet scored") if score else "not yet scored"


def radio_item(choice: list[str], chosen: str | None) -> dict[str, Any]:
    """A WTForms (value, label) choice as a govukRadios item, checked if it was chosen."""
    value, label = choice
    return {"value": value, "text": label, "checked": value == chosen}


def register_filters(app: Flask) -> None:
    app.jinja_env.filters.update(
        theme=theme_title,
        inspectorate=inspectorate_name,
        long_date=long_date,
        flag_words=flag_words,
        flag_tag=flag_tag,
        score_words=score_words,
        zip_item=radio_item,
    )
