"""API tokens: the one place they are minted, stored (as hashes, with their role) and looked up.

`riskgate run` mints one per role at start, `riskgate tokens create` mints one on demand, and
the HTTP layer looks the bearer's role up; all three go through `Tokens`.
"""

from __future__ import annotations

import hashlib
import secrets

from riskgate.adapters.store import Store
from riskgate.domain.actors import Actor
from riskgate.domain.vocabulary import INSPECTORATES

PREFIX = "rg_"
# Every role a token can hold today, in the order `riskgate run` prints them.
ROLES = ("integrator", "gatekeeper", *(f"inspectorate:{code}" for code in INSPECTORATES))


def mint() -> str:
    """A new random token: 24 random bytes, URL-safe, with the `rg_` prefix."""
    return PREFIX + secrets.token_urlsafe(24)


def role_problem(role: str) -> str | None:
    """Why `role` is not a role a token can hold, or None when it is one."""
    if role in ROLES:
        return None
    return (
        f"{role!r}: one of integrator, gatekeeper, inspectorate:<code> with code one of "
        f"{', '.join(INSPECTORATES)}"
    )


class Tokens:
    """API tokens, stored as SHA-256 hashes with their role."""

    KEY = "auth:tokens"

    def __init__(self, store: Store) -> None:
        self._store = store

    @staticmethod
    def digest(token: str) -> str:
        """The hash a token is stored and looked up under; the token itself is never kept."""
        return hashlib.sha256(token.encode()).hexdigest()

    def create(self, role: str) -> str:
        """A new random token for `role`; only its hash is kept."""
        token = mint()
        self.add(token, role)
        return token

    def add(self, token: str, role: str) -> None:
        """Store a token minted elsewhere (`riskgate run` mints before its workers start)."""
        self._store.hset(self.KEY, {self.digest(token): role})

    def actor_of(self, token: str) -> Actor | None:
        """Who holds a token, or None for a token never created here."""
        role = self.role_of(token)
        if role is None:
            return None
        return Actor(id=self.digest(token)[:12], holder=role, role=role)

    def role_of(self, token: str) -> str | None:
        """The role a token was created for, or None for a token never created here."""
        return self._store.hget(self.KEY, self.digest(token))


def one_per_role() -> dict[str, str]:
    """A fresh token for each role (token -> role), as `riskgate run` prints them at start."""
    return {mint(): role for role in ROLES}
