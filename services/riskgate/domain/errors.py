"""What can go wrong when someone asks the domain to do something.

The domain raises these; the HTTP layer maps them to 404, 403 and 409 (and
400 for `Invalid`), and the CLI prints them. None carries an HTTP status.
"""

from __future__ import annotations


class DomainError(ValueError):
    """A command cannot be carried out; `errors` names fields and reasons where there are any."""

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class NotFound(DomainError):
    """The thing named does not exist (a decision, an inspection, a case)."""


class NotAllowed(DomainError):
    """The caller may not do this to this thing (another inspectorate's work, say)."""


class Conflict(DomainError):
    """The thing is not in a state that allows this (completing an unscheduled visit, say)."""


class Invalid(DomainError):
    """The command's own fields are wrong in a way a schema cannot see."""
