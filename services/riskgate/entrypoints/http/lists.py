"""What a list can be filtered by, declared once: the query fields and the filter itself.

A list view declares a query schema built from these fields (`area`, `body`,
`inspectorate`, `theme`, `outcome`, `status`, `since`) and returns `kept(items, args)`;
its blueprint's `paginate(Page)` then answers one bounded page of what is kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from marshmallow import Schema, fields

from riskgate.domain.vocabulary import INSPECTORATES, THEMES
from riskgate.schemas import Choice, Day, body_code


def area_filter() -> fields.String:
    return body_code(metadata={"description": "only this area (its lead council's code)"})


def body_filter() -> fields.String:
    return body_code(metadata={"description": "only this body"})


def inspectorate_filter(description: str = "only this inspectorate's") -> fields.String:
    return fields.String(
        validate=Choice(tuple(INSPECTORATES)), metadata={"description": description}
    )


def theme_filter() -> fields.String:
    return fields.String(validate=Choice(THEMES), metadata={"description": "only this theme"})


def since_filter(what: str) -> Day:
    return Day(metadata={"description": f"only those {what} on or after this UTC day, YYYY-MM-DD"})


class PlaceFilters(Schema):
    """Where: the area, the body, the inspectorate and the theme."""

    area = area_filter()
    body = body_filter()
    inspectorate = inspectorate_filter()
    theme = theme_filter()


def kept(
    items: Iterable[Mapping[str, Any]],
    args: Mapping[str, Any],
    *,
    keys: Mapping[str, str] | None = None,
    since: str | None = None,
) -> list[Mapping[str, Any]]:
    """The items matching every filter given in `args`.

    A filter compares the item's field of the same name (or the one `keys` names for it);
    `since` names the item's day or timestamp field that the `since` filter bounds.
    """
    keys = keys or {}
    equal = {keys.get(name, name): value for name, value in args.items() if name != "since"}
    first_day: date | None = args.get("since")
    return [
        item
        for item in items
        if all(item.get(key) == value for key, value in equal.items())
        and (first_day is None or since is None or _day(item.get(since)) >= first_day.isoformat())
    ]


def _day(value: Any) -> str:
    """The ISO day of a day or timestamp field ('' when absent, so it is before any day)."""
    return str(value or "")[:10]
