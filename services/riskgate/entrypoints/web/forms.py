"""The console's forms (Flask-WTF: each carries a CSRF token; a stale or missing one is
refused). Field limits are the API's (OverrideSchema, DeclineSchema, ScheduleSchema,
CompleteSchema), so a page accepts exactly what the API accepts."""

from __future__ import annotations

import re
import uuid

from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, PasswordField, RadioField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError


class IsoDateField(DateField):
    """A day as YYYY-MM-DD; a day that is not one is named in words, with an example."""

    def process_formdata(self, valuelist: list[str]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(
                f"{self.label.text} must be a real date, for example 2010-05-10"
            ) from None


CSRF_EXPIRED = "The form had expired or was not sent from this site; it was not saved. Try again."


class SignInForm(FlaskForm):
    token = PasswordField(
        "Your token",
        validators=[InputRequired("Enter your token"), Length(max=200, message="Enter your token")],
    )


class SignOutForm(FlaskForm):
    pass


class OverrideForm(FlaskForm):
    outcome = RadioField(
        "The decision staff take instead",
        choices=[
            ("approved", "Approve: make (or revive) the inspection"),
            ("rejected", "Reject: cancel the inspection"),
        ],
        validators=[InputRequired("Select approve or reject")],
    )
    justification = TextAreaField(
        "Justification",
        validators=[
            InputRequired("Enter a justification"),
            Length(10, 2000, message="Enter a justification of 10 to 2000 characters"),
        ],
    )
    start = IsoDateField(
        "On-site start (approve only, optional)",
        validators=[Optional()],
        format="%Y-%m-%d",
        render_kw={"inputmode": "numeric"},
    )


class AcceptForm(FlaskForm):
    pass


class ConfirmForm(FlaskForm):
    """Triage: confirm the need for inspection (nothing to fill in but the CSRF token)."""


class DeclineForm(FlaskForm):
    reason = TextAreaField(
        "Why you decline",
        validators=[
            InputRequired("Enter why you decline the work"),
            Length(1, 2000, message="Enter a reason of at most 2000 characters"),
        ],
    )


class ScheduleForm(FlaskForm):
    start = IsoDateField(
        "First on-site day",
        validators=[InputRequired("Enter the first on-site day, for example 2010-05-10")],
        format="%Y-%m-%d",
    )
    on_site_days = IntegerField(
        "On-site working days",
        validators=[
            InputRequired("Enter the number of on-site working days"),
            NumberRange(1, 60, message="Enter between 1 and 60 on-site working days"),
        ],
    )


class CompleteForm(FlaskForm):
    finding = RadioField(
        "Finding",
        choices=[
            ("1", "1: inadequate, performs poorly"),
            ("2", "2: adequate"),
            ("3", "3: good, performs well"),
            ("4", "4: outstanding, performs excellently"),
        ],
        validators=[InputRequired("Select a finding from 1 to 4")],
    )
    summary = TextAreaField(
        "Summary",
        validators=[
            InputRequired("Enter a summary of the finding"),
            Length(1, 2000, message="Enter a summary of at most 2000 characters"),
        ],
    )


MAX_EVIDENCE = 100  # ChallengeSchema's bound on evidence ids


def _event_ids(form: FlaskForm, field: TextAreaField) -> None:
    """Each line (or comma-separated item) an event id, a UUID; at most MAX_EVIDENCE."""
    ids = [i for i in re.split(r"[\s,]+", field.data or "") if i]
    if len(ids) > MAX_EVIDENCE:
        raise ValidationError(f"Give at most {MAX_EVIDENCE} evidence event ids")
    for item in ids:
        try:
            uuid.UUID(item)
        except ValueError:
            raise ValidationError(
                f"Evidence event id {item[:40]!r} is not an event id (a UUID, for example "
                "3f2b1c9e-8d4a-4e6b-9c1d-2a5f7e8b0c13)"
            ) from None
        if len(item) != 36:
            raise ValidationError(
                f"Evidence event id {item[:40]!r} must be written as 36 characters"
            )
    field.ids = ids


class ChallengeForm(FlaskForm):
    """A council's challenge of a draft flag (ChallengeSchema's limits)."""

    reason = TextAreaField(
        "Why the flag is wrong",
        validators=[
            InputRequired("Enter why you challenge the flag"),
            Length(1, 2000, message="Enter a reason of at most 2000 characters"),
        ],
    )
    evidence = TextAreaField(
        "Evidence event ids (optional)",
        validators=[
            Length(max=4000, message="Enter at most 4000 characters of event ids"),
            _event_ids,
        ],
    )


def error_list(form: FlaskForm) -> list[dict[str, str]]:
    """The GOV.UK error summary's items: each field's first error, linking to the field."""
    items = []
    for name, errors in form.errors.items():
        if not name:
            continue  # the form's own errors (a refusal) are shown apart, with their reasons
        if name == "csrf_token":
            items.append({"text": CSRF_EXPIRED, "href": "#main-content"})
        elif errors:
            items.append({"text": str(errors[0]), "href": f"#{form[name].id}"})
    return items
