"""A second, synthetic year of inspection findings for `riskgate report targeting`.

SYNTHETIC: no real inspection stands behind them. One finding per council, in the year after
the sample year, on a theme drawn at random and scored 1-4 at random *independently of the
sample's flags* (1 with probability POOR_SHARE): so the report shows what a user should
expect of flags that carry no signal, an odds ratio whose interval spans 1.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from riskgate.domain.reference import load_reference
from riskgate.domain.vocabulary import AREA_THEMES
from riskgate.sample.ids import SAMPLE_SEED, sample_event_id, stream

POOR_SHARE = 0.2  # a local setting for the synthetic year: a fifth of inspections find poor
OTHER_FINDINGS = (2, 3, 4)


def later_findings(
    year: int, inspectorate_for: Callable[[str], str], seed: int = SAMPLE_SEED
) -> list[dict[str, Any]]:
    """`inspection.finding` events dated in `year + 1`, one per council, labelled synthetic."""
    rng = stream(year + 1, seed, "synthetic later findings")
    events = []
    for code in sorted(load_reference().councils):
        theme = rng.choice(AREA_THEMES)
        finding = 1 if rng.random() < POOR_SHARE else rng.choice(OTHER_FINDINGS)
        month, day = rng.randint(1, 11), rng.randint(1, 28)
        inspectorate = inspectorate_for(theme)
        events.append(
            {
                "event_id": sample_event_id(year + 1, seed, f"synthetic finding {code}"),
                "type": "inspection.finding",
                "occurred_at": f"{year + 1}-{month:02d}-{day:02d}T12:00:00+00:00",
                "source": "riskgate.loader",
                "body": code,
                "payload": {
                    "inspection_id": f"SYNTHETIC-{year + 1}-{code}",
                    "inspectorate": inspectorate,
                    "theme": theme,
                    "finding": finding,
                    "summary": f"SYNTHETIC later finding for the sample (not a real inspection), {year + 1}",
                },
            }
        )
    events.sort(key=lambda e: (e["occurred_at"], e["event_id"]))
    return events
