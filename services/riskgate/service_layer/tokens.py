"""API tokens: the one place they are minted, stored (as hashes, with their records) and looked up.

`riskgate run` mints one per role at start, `riskgate tokens create|list|revoke` manage them,
and the HTTP layer looks the bearer up on every request (never cached, so a token created or
revoked elsewhere counts at once). A token is stored as one JSON record under the SHA-256 of
its secret: a random public id, the holder, the role, the scope, the expiry, when it was
created and when it was revoked. The secret itself is never kept.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import cache

from riskgate.adapters.store import Store
from riskgate.domain import actors
from riskgate.domain.actors import Actor, Scope, region_slug
from riskgate.domain.errors import Invalid, NotFound
from riskgate.domain.reference import load_reference
from riskgate.domain.vocabulary import EVENT_TYPES, INSPECTORATES, INTERNAL_TYPES

PREFIX = "rg_"
ID_PREFIX = "tk_"
MAX_HOLDER = 200
MAX_SCOPE_ITEMS = 500
BODY_CODE = re.compile(r"[EWSN]\d{8}")
# The roles `riskgate run` prints a token for at start, in that order.
ROLES = ("integrator", "gatekeeper", "admin", *(f"inspectorate:{code}" for code in INSPECTORATES))
Clock = Callable[[], dt.datetime]


def mint() -> str:
    """A new random secret: 24 random bytes, URL-safe, with the `rg_` prefix."""
    return PREFIX + secrets.token_urlsafe(24)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


@cache
def _known() -> tuple[frozenset[str], frozenset[str]]:
    """The councils' codes and the regions' slugs of the reference data."""
    councils = load_reference().councils.values()
    return frozenset(c.code for c in councils), frozenset(region_slug(c.region) for c in councils)


def role_problem(role: str) -> str | None:
    """Why `role` is not a role a token can hold, or None when it is one."""
    councils, regions = _known()
    return actors.role_problem(role, INSPECTORATES, councils, regions)


@dataclass(frozen=True)
class TokenRecord:
    """What is stored for one token: everything but the secret."""

    id: str
    holder: str
    role: str
    scope: Scope = field(default_factory=Scope)
    expires: dt.date | None = None  # valid through this day (UTC); None: no expiry
    created_at: str | None = None  # ISO 8601; None for a record from before records had it
    revoked_at: str | None = None

    def refusal(self, now: dt.datetime) -> str | None:
        """Why the token is no longer valid at `now`, or None while it is."""
        if self.revoked_at:
            return f"token {self.id} was revoked at {self.revoked_at}"
        if self.expires is not None and now.date() > self.expires:
            return f"token {self.id} expired at the end of {self.expires.isoformat()}"
        return None

    def actor(self) -> Actor:
        """The caller this token stands for."""
        return Actor(id=self.id, holder=self.holder, role=self.role, scope=self.scope)

    def to_json(self) -> str:
        return json.dumps(
            {
                "id": self.id,
                "holder": self.holder,
                "role": self.role,
                "scope": self.scope.to_dict(),
                "expires": self.expires.isoformat() if self.expires else None,
                "created_at": self.created_at,
                "revoked_at": self.revoked_at,
            },
            sort_keys=True,
        )

    @classmethod
    def from_stored(cls, digest: str, stored: str) -> TokenRecord:
        """A stored record; a bare role string is the older shape (holder: the role, no scope)."""
        if not stored.startswith("{"):
            return cls(id=digest[:12], holder=stored, role=stored)
        raw = json.loads(stored)
        expires = raw.get("expires")
        return cls(
            id=raw["id"],
            holder=raw["holder"],
            role=raw["role"],
            scope=Scope.from_dict(raw.get("scope")),
            expires=dt.date.fromisoformat(expires) if expires else None,
            created_at=raw.get("created_at"),
            revoked_at=raw.get("revoked_at"),
        )


def _problems(
    role: str, holder: str, scope: Scope, expires: dt.date | None, today: dt.date
) -> dict[str, list[str]]:
    """Each field of a token to be issued that is wrong, with the reason."""
    problems: dict[str, list[str]] = {}
    if reason := role_problem(role):
        problems["role"] = [reason]
    if not holder.strip() or len(holder) > MAX_HOLDER or not holder.isprintable():
        problems["holder"] = [
            f"the person or system holding the token: 1 to {MAX_HOLDER} printable characters"
        ]
    if (scope.event_types or scope.bodies) and role != "integrator":
        problems["scope"] = [f"only an integrator's token carries a scope, not {role[:100]}'s"]
    if types := _type_problems(scope.event_types):
        problems["scope_types"] = types
    if bodies := _body_problems(scope.bodies):
        problems["scope_bodies"] = bodies
    if expires is not None and expires < today:
        problems["expires"] = [f"{expires.isoformat()} is in the past (today is {today})"]
    return problems


def _type_problems(types: Iterable[str]) -> list[str]:
    types = sorted(types)
    if len(types) > MAX_SCOPE_ITEMS:
        return [f"at most {MAX_SCOPE_ITEMS} event types"]
    internal = [
        f"{t!r} is a service's own type, never published by integrators"
        for t in types
        if t in INTERNAL_TYPES
    ]
    unknown = [
        f"{t[:100]!r} is not an event type: one of {', '.join(EVENT_TYPES)}"
        for t in types
        if t not in EVENT_TYPES and t not in INTERNAL_TYPES
    ]
    return internal + unknown


def _body_problems(bodies: Iterable[str]) -> list[str]:
    bodies = sorted(bodies)
    if len(bodies) > MAX_SCOPE_ITEMS:
        return [f"at most {MAX_SCOPE_ITEMS} bodies or areas"]
    # bodies are checked for their form only: a partner may be registered after its token
    return [
        f"{b[:100]!r} is not a body code: a letter E, W, S or N and eight digits, e.g. E10000014"
        for b in bodies
        if not BODY_CODE.fullmatch(b)
    ]


class Tokens:
    """API tokens, stored as one JSON record per SHA-256 digest of the secret."""

    KEY = "auth:tokens"

    def __init__(self, store: Store, clock: Clock = _now) -> None:
        self._store = store
        self._clock = clock

    @staticmethod
    def digest(token: str) -> str:
        """The hash a token is stored and looked up under; the token itself is never kept."""
        return hashlib.sha256(token.encode()).hexdigest()

    def issue(
        self,
        role: str,
        holder: str,
        scope: Scope | None = None,
        expires: dt.date | None = None,
        secret: str | None = None,
    ) -> tuple[str, TokenRecord]:
        """A new token for `holder` in `role`: its secret (shown once) and its record.

        Raises Invalid naming each wrong field (role, holder, scope, scope_types,
        scope_bodies, expires). `secret` is for `riskgate run`, which mints before its
        workers start.
        """
        scope = scope or Scope()
        now = self._clock()
        problems = _problems(role, holder, scope, expires, now.date())
        if problems:
            raise Invalid(f"cannot create the token: {', '.join(problems)}", problems)
        secret = secret or mint()
        record = TokenRecord(
            id=ID_PREFIX + secrets.token_hex(5),  # random: the id says nothing about the secret
            holder=holder,
            role=role,
            scope=scope,
            expires=expires,
            created_at=now.isoformat(),
        )
        self._store.hset(self.KEY, {self.digest(secret): record.to_json()})
        return secret, record

    def create(self, role: str, holder: str | None = None) -> str:
        """A new token for `role` (held by `holder`, by default the role itself): the secret."""
        return self.issue(role, holder or role)[0]

    def add(self, token: str, role: str, holder: str | None = None) -> None:
        """Store a token minted elsewhere (`riskgate run` mints before its workers start)."""
        self.issue(role, holder or role, secret=token)

    def record_of(self, token: str) -> tuple[str, TokenRecord] | None:
        """The digest and record of a token, valid or not, or None for one never created here."""
        digest = self.digest(token)
        stored = self._store.hget(self.KEY, digest)
        return None if stored is None else (digest, TokenRecord.from_stored(digest, stored))

    def refusal_of(self, token: str) -> str | None:
        """Why a token is refused (unknown, revoked or expired), or None when it is valid."""
        found = self.record_of(token)
        if found is None:
            return "unknown token"
        return found[1].refusal(self._clock())

    def actor_of(self, token: str) -> Actor | None:
        """Who holds a token, or None when it is unknown, revoked or expired (read each time)."""
        found = self.record_of(token)
        if found is None or found[1].refusal(self._clock()):
            return None
        return found[1].actor()

    def role_of(self, token: str) -> str | None:
        """The role of a valid token, or None."""
        actor = self.actor_of(token)
        return actor.role if actor else None

    def records(self) -> list[TokenRecord]:
        """Every token's record (no secrets, no hashes), oldest first."""
        stored = self._store.hgetall(self.KEY)
        records = [TokenRecord.from_stored(d, s) for d, s in stored.items()]
        return sorted(records, key=lambda r: (r.created_at or "", r.id))

    def revoke(self, token_id: str) -> TokenRecord:
        """Revoke the token with this public id, at once; NotFound naming the id if none has it.

        Revoking a revoked token keeps its first revocation time.
        """
        for digest, stored in self._store.hgetall(self.KEY).items():
            record = TokenRecord.from_stored(digest, stored)
            if record.id != token_id:
                continue
            if not record.revoked_at:
                record = replace(record, revoked_at=self._clock().isoformat())
                self._store.hset(self.KEY, {digest: record.to_json()})
            return record
        raise NotFound(f"no token has the id {token_id[:100]!r}", {"id": ["unknown token id"]})


def one_per_role() -> dict[str, str]:
    """A fresh token for each role (token -> role), as `riskgate run` prints them at start."""
    return {mint(): role for role in ROLES}
