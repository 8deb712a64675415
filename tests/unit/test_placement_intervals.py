"""The gatekeeper places visits by intervals, and decides exactly as the day-by-day walk did:
the same start, the same reasons, the same decisions byte for byte (issue 16)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import random
from typing import Any

import pytest

from riskgate.adapters.policy_file import load_policies
from riskgate.domain.gatekeeper.placement import NoFitError, Placement
from riskgate.domain.gatekeeper.policies import Policy, PolicySet
from riskgate.domain.gatekeeper.register import BodyContext
from tests.conftest import ROOT
from tests.gatekeeper_stream import decided
from tests.reference_placement import DayByDayPlacement

BODY = "E07000242"


def test_the_bench_stream_is_decided_byte_for_byte_as_the_day_by_day_walk_decided_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ours = decided(1500)
    for name in ("decide", "gates"):  # the modules, not the package's `decide` function
        module = importlib.import_module(f"riskgate.domain.gatekeeper.{name}")
        monkeypatch.setattr(module, "Placement", DayByDayPlacement)
    reference = decided(1500)
    assert len(ours) == 1500
    assert ours == reference


def _with(policies: PolicySet, kind: str, **parameters: Any) -> PolicySet:
    replaced = tuple(
        dataclasses.replace(p, parameters={**p.parameters, **parameters}) if p.kind == kind else p
        for p in policies.policies
    )
    return dataclasses.replace(policies, policies=replaced)


def _without(policies: PolicySet, kind: str) -> PolicySet:
    return dataclasses.replace(
        policies, policies=tuple(p for p in policies.policies if p.kind != kind)
    )


def _register(rng: random.Random, around: dt.date) -> list[dict[str, Any]]:
    register = []
    for i in range(rng.randrange(0, 14)):
        start = around + dt.timedelta(days=rng.randint(-400, 500))
        register.append(
            {
                "inspection_id": f"I{i:02d}",
                "status": rng.choice(
                    ["assigned", "accepted", "scheduled", "completed", "declined"]
                ),
                "window_start": (start - dt.timedelta(days=rng.randint(0, 40))).isoformat(),
                "on_site_start": start.isoformat() if rng.random() < 0.8 else None,
                "on_site_days": rng.randint(1, 12),
            }
        )
    return register


def _policies(rng: random.Random, shipped: PolicySet) -> PolicySet:
    policies = _with(
        shipped,
        "cap",
        max_on_site_days_12m=rng.choice([5, 12, 20, 40]),
        max_open_at_once=rng.choice([1, 2, 3]),
    )
    policies = _with(policies, "rest", min_gap_days=rng.choice([0, 1, 7, 30, 90]))
    policies = _with(policies, "notice", working_days=rng.choice([0, 1, 10, 25]))
    periods = []
    for _ in range(rng.randrange(0, 3)):
        start = dt.date(2009, 4, 1) + dt.timedelta(days=rng.randint(0, 500))
        periods.append(
            {
                "from": start,
                "to": start + dt.timedelta(days=rng.choice([0, 1, 6, 30])),  # 1 day: maybe a Sunday
                "reason": "a test period",
                "bodies": rng.choice(["all", (BODY,), ("E06000001",)]),
            }
        )
    policies = _with(policies, "blackout", periods=tuple(periods))
    for kind in ("notice", "blackout", "cap", "rest"):
        if rng.random() < 0.1:
            policies = _without(policies, kind)
    return policies


def test_the_interval_search_finds_the_day_by_day_start_and_reasons_on_random_registers() -> None:
    rng = random.Random(16)
    shipped = load_policies(ROOT / "rules")
    compared = moved = unfit = 0
    for _ in range(200):
        decided_on = dt.date(2009, 4, 1) + dt.timedelta(days=rng.randint(0, 365))
        context = BodyContext(
            _register(rng, decided_on), rng.choice([1, 2, 3, 4]), decided_on, BODY
        )
        policies = _policies(rng, shipped)
        unannounced = rng.random() < 0.2
        not_before = decided_on + dt.timedelta(days=rng.randint(-10, 90))
        n, urgent = rng.randint(1, 12), rng.random() < 0.2
        ours = Placement(context, policies, unannounced=unannounced)
        theirs = DayByDayPlacement(context, policies, unannounced=unannounced)
        try:
            expected: tuple[dt.date, dict[str, tuple[Policy, str]]] | str = theirs.walk(
                not_before, n, urgent=urgent
            )
        except NoFitError as exc:
            expected = f"{exc} {exc.problems}"
        try:
            got: tuple[dt.date, dict[str, tuple[Policy, str]]] | str = ours.walk(
                not_before, n, urgent=urgent
            )
        except NoFitError as exc:
            got = f"{exc} {exc.problems}"
        assert got == expected
        compared += 1
        moved += isinstance(expected, tuple) and bool(expected[1])
        unfit += isinstance(expected, str)
        period = ours.check(not_before, n)  # the same checks, so the same reasons anywhere
        assert period == theirs.check(not_before, n)
    # The generator reaches starts that move, and requests that fit nowhere.
    assert compared == 200 and moved > 25 and unfit > 0
