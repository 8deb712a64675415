"""Who acts: the holder of a token (a person or a system), the role it holds, and its scope.

Every action riskgate records names its actor, so an audit can say who did
what, in which role, and under which token.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Scope:
    """What an integrator's token may publish: event types, and bodies or areas.

    An empty set means no restriction of that kind.
    """

    event_types: frozenset[str] = field(default_factory=frozenset)
    bodies: frozenset[str] = field(default_factory=frozenset)  # body or area codes

    def allows_type(self, event_type: str) -> bool:
        """True when the scope names no types, or names this one."""
        return not self.event_types or event_type in self.event_types

    def allows_body(self, body: str, area: str | None) -> bool:
        """True when the scope names no bodies, or names this body or its area."""
        return not self.bodies or body in self.bodies or (area is not None and area in self.bodies)

    def to_dict(self) -> dict[str, list[str]]:
        return {"event_types": sorted(self.event_types), "bodies": sorted(self.bodies)}

    @classmethod
    def from_dict(cls, raw: dict[str, list[str]] | None) -> Scope:
        raw = raw or {}
        return cls(frozenset(raw.get("event_types", ())), frozenset(raw.get("bodies", ())))


@dataclass(frozen=True)
class Actor:
    """The caller behind one request, or a service acting on its own account."""

    id: str  # the token's public id (never the secret), or the service's name
    holder: str  # the person or system the token was issued to
    role: str
    scope: Scope = field(default_factory=Scope)

    @property
    def inspectorate(self) -> str | None:
        """The inspectorate's code for an `inspectorate:<code>` role, else None."""
        kind, _, code = self.role.partition(":")
        return code if kind == "inspectorate" and code else None

    def to_dict(self) -> dict[str, str]:
        """The actor as an audit record names it."""
        return {"id": self.id, "holder": self.holder, "role": self.role}


def service_actor(service: str) -> Actor:
    """A riskgate service acting on its own account (the gatekeeper deciding by policy, say)."""
    return Actor(id=f"riskgate.{service}", holder=f"riskgate.{service}", role=f"service:{service}")
