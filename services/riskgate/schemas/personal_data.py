"""Personal data that a citizen-facing payload must never carry, and the schema base that refuses it."""

from __future__ import annotations

import re
from typing import Any

from marshmallow import ValidationError, validates_schema

from riskgate.schemas.fields import StrictSchema

# Personal data a citizen-facing payload must never carry: complainants, petitioners and
# councillors appear only under pseudonymous references. Each pattern runs in time linear in
# its text: a match may start only where a run begins (the lookbehinds), and the runs it
# crosses are possessive, so a long run of letters is read once rather than once per start.
_LOCAL = r"A-Za-z0-9._%+-"
_EMAIL = re.compile(
    rf"(?<![{_LOCAL}])[{_LOCAL}]++@(?:[A-Za-z0-9-]++\.)+[A-Za-z]{{2,}}+"
)  # fmt: skip
# At most ten repeats, and a skipped separator can only be the last one, so each start
# costs a bounded amount whatever follows.
_PHONE = re.compile(r"(?<![\w])(?:\+44\s?|0)(?:\d[\s-]?){9,10}(?![\w])")
_NAMED = re.compile(
    r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Sir|Dame|Cllr|Councillor)\.?\s++[A-Z][A-Za-z'-]++"
    r"|(?i:\bmy name is|\bname\s*+:)\s*+[A-Za-z][a-z'-]++"
)
PERSONAL_DATA = "must not carry personal data ({what}); refer to people by a pseudonymous reference"


def personal_data_in(text: str) -> str | None:
    """What kind of personal data a text seems to carry (an e-mail address, ...), or None."""
    if _EMAIL.search(text):
        return "an e-mail address"
    if _PHONE.search(text):
        return "a phone number"
    if _NAMED.search(text):
        return "a person's name"
    return None


def personal_data_errors(value: Any, path: str, errors: dict[str, list[str]]) -> None:
    if isinstance(value, str):
        what = personal_data_in(value)
        if what:
            errors.setdefault(path, []).append(PERSONAL_DATA.format(what=what))
    elif isinstance(value, dict):
        for key, item in value.items():
            personal_data_errors(item, f"{path}.{key}" if path else str(key), errors)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            personal_data_errors(item, f"{path}.{index}" if path else str(index), errors)


class NoPersonalData(StrictSchema):
    """A citizen-facing payload: any field carrying a name, e-mail or phone number is refused."""

    # Only the fields the contract declares, and only once they passed their own checks
    # (lengths first): `data` holds just those, so unknown or oversize input is never scanned.
    @validates_schema(skip_on_field_errors=False)
    def _no_personal_data(self, data: dict[str, Any], **kwargs: Any) -> None:
        errors: dict[str, list[str]] = {}
        personal_data_errors(data, "", errors)
        if errors:
            raise ValidationError(errors)
