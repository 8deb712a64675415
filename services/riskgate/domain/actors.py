"""Who acts: the holder of a token (a person or a system), the role it holds, and its scope.

Every action riskgate records names its actor, so an audit can say who did
what, in which role, and under which token.
"""

from __future__ import annotations

from collections.abc import Collection
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


# The roles a token can hold. The staff and integrator roles stand alone; the others name
# whom they act for: `inspectorate:<code>`, `council:<body code>`, `government_office:<region>`.
PLAIN_ROLES: tuple[str, ...] = ("integrator", "gatekeeper", "admin")
ROLE_FORMS = (
    "integrator, gatekeeper, admin, inspectorate:<code>, council:<body code> "
    "or government_office:<region>"
)


def region_slug(region: str) -> str:
    """The word a region goes by in a role: "Yorkshire and the Humber" -> yorkshire_and_the_humber."""
    return region.lower().replace(" ", "_")


def role_problem(
    role: str, inspectorates: Collection[str], councils: Collection[str], regions: Collection[str]
) -> str | None:
    """Why `role` is not a role a token can hold, or None when it is one.

    `regions` are slugs (`region_slug`); `councils` are the councils' body codes.
    """
    if role in PLAIN_ROLES:
        return None
    kind, colon, code = role.partition(":")
    known: dict[str, tuple[str, Collection[str]]] = {
        "inspectorate": ("inspectorate", inspectorates),
        "council": ("council (body code)", councils),
        "government_office": ("region", regions),
    }
    if not colon or kind not in known:
        return f"{role[:100]!r} is not a role: one of {ROLE_FORMS}"
    what, codes = known[kind]
    if code in codes:
        return None
    listed = (
        f"; one of {', '.join(sorted(codes))}" if len(codes) <= 20 else " in the reference data"
    )
    return f"{role[:100]!r}: unknown {what} {code[:100]!r}{listed}"
