"""The demo's section on the annual cycle, the ladder and the random assurance draw."""

from __future__ import annotations

from collections import Counter

from riskgate.bootstrap import System
from riskgate.service_layer.cycle_round import play


def cycle_section(system: System, year: int) -> str:
    """Play the year's cycle on the loaded system and describe it."""
    r = play(system, year, seed=year)
    lines = ["annual cycle " + (", ".join(
        f"{s['name']} {s['starts']}" + (f" to {s['ends']}" if s["ends"] != s["starts"] else "")
        for s in r.stages
    ) or "none: judgements published as made")]  # fmt: skip
    lines.append(f"challenges: {len(r.challenges)}")
    for c in r.challenges:
        decision = c["decision"] or {}
        lines.append(
            f"  {c['area']} {c['theme']} ({c['flag']}) by {c['by']['role']}: "
            f"{c['status']} by {decision.get('by', {}).get('role', '-')}: {decision.get('reason', '')}"
        )
    lines.append(f"published: {r.published_areas} areas")
    lines.append(
        f"ladder cases: {r.cases_by_rung.total()}"
        + "".join(f"\n  {rung}: {n}" for rung, n in sorted(r.cases_by_rung.items()))
    )
    outcomes = Counter(d["decision"] for d in r.drawn["drawn"])
    lines.append(
        f"random assurance draw (seed {r.drawn['seed']}): {len(r.drawn['drawn'])} of "
        f"{r.drawn['eligible']} councils with no red flag; gatekeeper: "
        + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items()))
    )
    lines.extend(f"  {d['body']} {d['theme']}: {d['decision']}" for d in r.drawn["drawn"])
    return "\n".join(lines)
