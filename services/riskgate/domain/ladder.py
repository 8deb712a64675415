"""The ladder of support and intervention (White Paper 6.57-6.71): cases, rungs, notices.

A case is opened per body and theme; each rung taken is recorded with who took it, why
and when. Rungs are climbed in the order of `rules/ladder.yaml`; another order needs a
stated reason. An Improvement Notice carries milestones (an indicator, a value, a date)
that are checked against the indicator data as it arrives.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from riskgate.domain.errors import Conflict, Invalid, NotAllowed
from riskgate.domain.rules import RuleError

LINE = "__line__"
# What a case opened by a council's Direction of Travel (White Paper 6.47) is about: it is
# derived by riskgate, not a theme that an inspectorate or the auditor judges.
DIRECTION_OF_TRAVEL = "direction_of_travel"


@dataclass(frozen=True)
class Rung:
    id: str
    title: str
    source: str
    by: tuple[str, ...]  # role families: `government_office` is any government_office:<region>


@dataclass(frozen=True)
class Ladder:
    rungs: tuple[Rung, ...]
    red_flag_cycles_running: int
    use_of_resources_score: int
    direction_of_travel_score: int

    def rung(self, rung_id: str) -> Rung:
        for rung in self.rungs:
            if rung.id == rung_id:
                return rung
        raise Invalid("unknown rung", {"rung": [f"one of {', '.join(self.ids)}"]})

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(r.id for r in self.rungs)

    def next_after(self, rung_id: str | None) -> str | None:
        """The rung after `rung_id` (the first when None; None after the last)."""
        if rung_id is None:
            return self.rungs[0].id
        index = self.ids.index(rung_id) + 1
        return self.ids[index] if index < len(self.ids) else None


def parse_ladder(document: Any, filename: str = "ladder.yaml") -> Ladder:
    """A Ladder from the parsed file; RuleError naming file:line for a malformed rung."""
    if not isinstance(document, dict) or not isinstance(document.get("rungs"), list):
        raise RuleError(f"{filename}:1: expected `opens` and a list `rungs`")
    rungs: list[Rung] = []
    for entry in document["rungs"]:
        line = entry.get(LINE, 1) if isinstance(entry, dict) else 1
        fields_ok = isinstance(entry, dict) and all(
            isinstance(entry.get(k), str) and entry[k].strip() for k in ("id", "title", "source")
        )
        if not fields_ok or not isinstance(entry.get("by"), list) or not entry["by"]:
            raise RuleError(f"{filename}:{line}: a rung needs id, title, source and a list `by`")
        if any(r.id == entry["id"] for r in rungs):
            raise RuleError(f"{filename}:{line}: rung {entry['id']} is listed twice")
        rungs.append(Rung(entry["id"], entry["title"], entry["source"].strip(), tuple(entry["by"])))
    opens = document.get("opens") or {}
    return Ladder(
        tuple(rungs),
        int(opens.get("red_flag_cycles_running", 2)),
        int(opens.get("use_of_resources_score", 1)),
        int(opens.get("direction_of_travel_score", 1)),
    )


def case_id(body: str, theme: str) -> str:
    return f"{body}:{theme}"


def open_case(
    body: str,
    area: str,
    theme: str,
    *,
    on: dt.date,
    because: str,
    evidence: list[str],
    grounds: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A new case on the ladder's first step (no rung taken yet). `evidence`: the event ids it
    rests on; `grounds`: the figures, for a case opened by a derived score."""
    return {
        "case_id": case_id(body, theme),
        "body": body,
        "area": area,
        "theme": theme,
        "opened_on": on.isoformat(),
        "opened_because": because,
        "evidence": sorted(evidence),
        "grounds": grounds,
        "rungs": [],
        "milestones": [],
        "suggestion": None,
    }


def current_rung(case: dict[str, Any]) -> str | None:
    return case["rungs"][-1]["rung"] if case["rungs"] else None


def may_take(rung: Rung, role: str) -> bool:
    family = role.split(":", 1)[0]
    return role in rung.by or family in rung.by


def take_rung(
    case: dict[str, Any],
    ladder: Ladder,
    rung_id: str,
    *,
    actor: dict[str, Any],
    reason: str,
    out_of_order_reason: str | None,
    on: dt.date,
) -> dict[str, Any]:
    """The case with `rung_id` taken. NotAllowed for a role the rung does not list;
    Conflict naming the allowed next rung when it is out of order with no stated reason."""
    rung = ladder.rung(rung_id)
    if not may_take(rung, actor["role"]):
        raise NotAllowed(
            f"role {actor['role']} may not take rung {rung_id}; needs {' or '.join(rung.by)}"
        )
    expected = ladder.next_after(current_rung(case))
    if rung_id != expected and not (out_of_order_reason or "").strip():
        allowed = [expected] if expected else []
        raise Conflict(
            f"rung {rung_id} is out of order: the allowed next rung is "
            f"{expected or 'none (the last rung is taken)'}; to skip or go back, give "
            "`out_of_order_reason`",
            {"rung": [f"allowed next: {', '.join(allowed) or 'none'}"]},
        )
    step = {
        "rung": rung_id,
        "title": rung.title,
        "source": rung.source,
        "by": actor,
        "reason": reason,
        "on": on.isoformat(),
        "out_of_order_reason": out_of_order_reason if rung_id != expected else None,
    }
    return {**case, "rungs": [*case["rungs"], step], "suggestion": None}


def milestone(
    indicator: str, value: float, by: dt.date, polarity: str, served: dt.date
) -> dict[str, Any]:
    """A notice's milestone: `indicator` to reach `value` by `by`, counting the quarters that
    end after the notice was `served`."""
    return {
        "indicator": indicator,
        "value": value,
        "by": by.isoformat(),
        "served": served.isoformat(),
        "polarity": polarity,
        "status": "pending",
        "evidence": [],
        "checked_on": None,
    }


def _quarter_end(period: str) -> dt.date:
    """The last day of a calendar quarter such as `2009-Q3`."""
    year, quarter = int(period[:4]), int(period[-1])
    if quarter == 4:
        return dt.date(year, 12, 31)
    return dt.date(year, 3 * quarter + 1, 1) - dt.timedelta(days=1)


def _meets(value: float, target: float, polarity: str) -> bool:
    return value <= target if polarity == "lower_is_better" else value >= target


def check_milestones(
    case: dict[str, Any],
    ladder: Ladder,
    series: dict[str, dict[str, tuple[float, str]]],
    today: dt.date,
) -> dict[str, Any]:
    """The case with each pending milestone judged from `series` (indicator -> period ->
    (value, event id)): met when a quarter ending after the notice and by its date reaches the value; missed
    once its date has passed without that. A missed one suggests the next rung, with the
    evidence (the values reported by the date)."""
    milestones, suggestion = [], case.get("suggestion")
    for item in case["milestones"]:
        if item["status"] != "pending":
            milestones.append(item)
            continue
        by, served = dt.date.fromisoformat(item["by"]), dt.date.fromisoformat(item["served"])
        due = {
            p: fact
            for p, fact in sorted(series.get(item["indicator"], {}).items())
            if served < _quarter_end(p) <= by
        }
        meeting = [eid for v, eid in due.values() if _meets(v, item["value"], item["polarity"])]
        if meeting:
            item = {**item, "status": "met", "evidence": meeting, "checked_on": today.isoformat()}
        elif today > by:
            evidence = [eid for _, eid in due.values()]
            item = {
                **item,
                "status": "missed",
                "evidence": evidence,
                "checked_on": today.isoformat(),
            }
            following = ladder.next_after(current_rung(case))
            reported = ", ".join(f"{p} {v:g}" for p, (v, _) in due.items()) or "nothing reported"
            suggestion = {
                "rung": following,
                "because": (
                    f"milestone missed: {item['indicator']} to reach {item['value']:g} by "
                    f"{item['by']} ({item['polarity'].replace('_', ' ')}); reported: {reported}"
                ),
                "evidence": evidence,
                "on": today.isoformat(),
            }
        milestones.append(item)
    return {**case, "milestones": milestones, "suggestion": suggestion}


def public_summary(case: dict[str, Any]) -> dict[str, Any]:
    """What the public sees of a case: the body, theme, rung and since when."""
    steps = case["rungs"]
    return {
        "body": case["body"],
        "theme": case["theme"],
        "rung": steps[-1]["rung"] if steps else None,
        "since": steps[-1]["on"] if steps else case["opened_on"],
        "opened_on": case["opened_on"],
    }
