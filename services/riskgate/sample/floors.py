"""The indicator floors the sample year plants problems against: the floors themselves, and
which side of them is a problem, come from the shipped rules (`rules/indicators.yaml`) and
the indicators' polarity; only the range a normal area reports in is the sample's own."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from riskgate.adapters.shipped_rules import shipped_rules_dir
from riskgate.domain.observations import is_worse
from riskgate.domain.reference import load_reference
from riskgate.service_layer.rules_source import load_ruleset

# indicator -> the range a normal area reports in, well clear of the rules' floor. The order
# is the order plants are drawn from: changing it changes the year.
NORMAL_RANGES: dict[str, tuple[float, float]] = {
    "NI 75": (45, 60),  # 5+ A*-C GCSE inc. English and Maths, %
    "NI 73": (70, 80),  # level 4+ English and Maths at KS2, %
    "NI 117": (4, 8),  # 16-18 year olds NEET, %
    "NI 59": (70, 85),  # initial assessments within 7 days, %
    "NI 15": (0.4, 1.0),  # serious violent crime per 1,000
    "NI 153": (20, 27),  # out-of-work benefits, worst areas, %
    "NI 192": (33, 45),  # household waste recycled, %
    "NI 181": (12, 22),  # benefit claims processing, days
    "NI 135": (20, 30),  # carers receiving a service, %
}


@dataclass(frozen=True)
class Floor:
    """A level an indicator should not cross, and the range a normal area reports in."""

    indicator: str
    normal_low: float
    normal_high: float
    floor: float
    polarity: str  # the indicator's: "higher_is_better" or "lower_is_better"

    @property
    def wrong_side(self) -> str:
        """ "below" or "above": the side of the floor that is a problem."""
        return "above" if self.polarity == "lower_is_better" else "below"

    def crossed(self, value: float) -> bool:
        """True when ``value`` is on the wrong side of the floor, as the risk rules judge it."""
        return is_worse(value, self.floor, self.polarity)


class FloorsMismatch(LookupError):
    """The sample's normal ranges and the shipped rules' floors no longer name the same
    indicators."""


@functools.cache
def floors() -> dict[str, Floor]:
    """indicator -> Floor, in the order of NORMAL_RANGES, with the shipped rules' floors."""
    rule_floors = load_ruleset(shipped_rules_dir()).floors
    if set(rule_floors) != set(NORMAL_RANGES):
        raise FloorsMismatch(
            f"the shipped rules have floors for {sorted(rule_floors)}, the sample has normal "
            f"ranges for {sorted(NORMAL_RANGES)}: give every floor a normal range"
        )
    indicators = load_reference().indicators
    return {
        code: Floor(code, low, high, rule_floors[code], str(indicators[code].polarity))
        for code, (low, high) in NORMAL_RANGES.items()
    }
