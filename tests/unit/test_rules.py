"""Rules as data: loading and checking rule files, and what it means for a rule to fire."""

from __future__ import annotations

import random
import re
import shutil
import textwrap
from pathlib import Path
from typing import Any

import pytest

from riskgate.adapters.durable_engine import engine_for
from riskgate.domain.rules import (
    Condition,
    Group,
    Rule,
    RuleError,
    matches,
    rule_fires,
)
from riskgate.domain.vocabulary import THEMES
from riskgate.service_layer.rules_source import load_ruleset

RULES = Path(__file__).resolve().parents[2] / "rules"


def _rules_copy(tmp_path: Path) -> Path:
    directory = tmp_path / "rules"
    shutil.copytree(RULES, directory)
    return directory


def _write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return path


def _load_error(directory: Path) -> str:
    with pytest.raises(RuleError) as caught:
        load_ruleset(directory)
    return str(caught.value)


# A well-formed rule; the error tests below spoil one part of it at a time.
GOOD_RULE = """
rules:
  - id: EXTRA-1
    title: An extra rule
    criterion: Something worth a flag.
    when:
      observation: indicator
      all:
        - {field: latest_value, op: ">", value: 1}
    then: {flag: red}
"""


# --- the shipped rules -------------------------------------------------------------


def test_shipped_rules_load_with_a_content_version_and_every_theme_routed() -> None:
    ruleset = load_ruleset(RULES)

    assert re.fullmatch(r"sha256:[0-9a-f]{16}", ruleset.version)
    assert {r.id for r in ruleset.rules} >= {"IND-FLOOR-2Q", "CMP-UPHELD-RATE"}
    assert set(ruleset.routing) == set(THEMES)
    assert ruleset.floors["NI 117"] == 10
    assert ruleset.inspectorate_for("children_and_young_people") == "ofsted"


def test_each_rule_records_the_file_and_line_it_came_from() -> None:
    ruleset = load_ruleset(RULES)
    rule = ruleset.rule("IND-FLOOR-2Q")
    lines = (RULES / "indicators.yaml").read_text().splitlines()
    name, line = rule.source.split(":")

    assert name == "indicators.yaml"
    assert "IND-FLOOR-2Q" in lines[int(line) - 1]


def test_the_version_is_the_same_for_the_same_files(tmp_path: Path) -> None:
    assert load_ruleset(_rules_copy(tmp_path)).version == load_ruleset(RULES).version


def test_the_version_changes_when_a_rule_file_changes(tmp_path: Path) -> None:
    directory = _rules_copy(tmp_path)
    before = load_ruleset(directory).version
    path = directory / "indicators.yaml"
    path.write_text(path.read_text().replace("NI 117: 10 ", "NI 117: 11 "))

    after = load_ruleset(directory)

    assert after.floors["NI 117"] == 11
    assert after.version != before
    assert re.fullmatch(r"sha256:[0-9a-f]{16}", after.version)


def test_the_gatekeeper_policy_file_is_not_part_of_the_risk_ruleset_version(tmp_path: Path) -> None:
    directory = _rules_copy(tmp_path)
    before = load_ruleset(directory).version
    policies = directory / "policies.yaml"
    policies.write_text(policies.read_text() + "\n# a comment\n")

    assert load_ruleset(directory).version == before


# --- errors name the file and line ---------------------------------------------------


def test_a_duplicate_rule_id_names_both_places(tmp_path: Path) -> None:
    directory = _rules_copy(tmp_path)
    _write(directory, "zz_extra.yaml", GOOD_RULE.replace("EXTRA-1", "IND-FLOOR-2Q"))

    message = _load_error(directory)

    assert message.startswith("zz_extra.yaml:2: duplicate rule id IND-FLOOR-2Q")
    assert "indicators.yaml:" in message


def test_an_unknown_observation_is_refused(tmp_path: Path) -> None:
    directory = _rules_copy(tmp_path)
    _write(
        directory,
        "extra.yaml",
        GOOD_RULE.replace("observation: indicator", "observation: petitions"),
    )

    message = _load_error(directory)

    assert message.startswith("extra.yaml:2:")
    assert "unknown observation 'petitions'" in message


def test_an_unknown_theme_is_refused(tmp_path: Path) -> None:
    directory = _rules_copy(tmp_path)
    text = GOOD_RULE.replace(
        "    when:", "    themes: [children_and_young_people, housing]\n    when:"
    )
    _write(directory, "extra.yaml", text)

    message = _load_error(directory)

    assert message.startswith("extra.yaml:2:")
    assert "unknown theme 'housing'" in message


def test_an_unknown_operator_names_the_line_of_the_condition(tmp_path: Path) -> None:
    directory = _rules_copy(tmp_path)
    _write(directory, "extra.yaml", GOOD_RULE.replace('op: ">"', 'op: "=~"'))

    message = _load_error(directory)

    assert message.startswith("extra.yaml:8:")  # the condition's own line
    assert "unknown operator '=~'" in message


def test_a_rule_without_a_criterion_is_refused(tmp_path: Path) -> None:
    directory = _rules_copy(tmp_path)
    _write(
        directory, "extra.yaml", GOOD_RULE.replace("    criterion: Something worth a flag.\n", "")
    )

    message = _load_error(directory)

    assert message.startswith("extra.yaml:2:")
    assert "missing `criterion`" in message


def test_routing_to_an_unknown_inspectorate_is_refused(tmp_path: Path) -> None:
    directory = _rules_copy(tmp_path)
    path = directory / "routing.yaml"
    path.write_text(
        path.read_text().replace(
            "healthier_communities_and_older_people: cqc",
            "healthier_communities_and_older_people: nhs",
        )
    )

    message = _load_error(directory)

    assert re.match(r"routing\.yaml:\d+: ", message)
    assert "unknown inspectorate 'nhs'" in message


def test_a_theme_without_an_inspectorate_is_refused(tmp_path: Path) -> None:
    directory = _rules_copy(tmp_path)
    path = directory / "routing.yaml"
    path.write_text(path.read_text().replace("  managing_performance: audit_commission\n", ""))

    message = _load_error(directory)

    assert re.match(r"routing\.yaml:\d+: ", message)
    assert "managing_performance" in message
    assert "use_of_resources" not in message


# --- the reference semantics -----------------------------------------------------------


def _rule(when: Group, themes: tuple[str, ...] = (), observation: str = "indicator") -> Rule:
    return Rule(
        id="R",
        title="t",
        criterion="c",
        observation=observation,
        when=when,
        flag="red",
        request=None,
        themes=themes,
    )


def test_all_needs_every_condition_and_any_needs_one() -> None:
    above = Condition("latest_value", ">", 5)
    long_run = Condition("quarters_worse_than_floor", ">=", 2)
    obs = {"latest_value": 6, "quarters_worse_than_floor": 1}

    assert not matches(Group("all", (above, long_run)), obs)
    assert matches(Group("any", (above, long_run)), obs)
    assert matches(Group("all", (above, long_run)), {**obs, "quarters_worse_than_floor": 2})
    assert not matches(
        Group("any", (above, long_run)), {"latest_value": 5, "quarters_worse_than_floor": 0}
    )


def test_fields_read_names_each_kinds_fields_through_nested_groups(tmp_path: Path) -> None:
    """What the peer comparison asks before it leaves an observation's evidence for later: a
    kind's fields are those its rules' conditions name, at any depth, and no other kind's."""
    directory = _rules_copy(tmp_path)
    _write(
        directory,
        "extra.yaml",
        """
        rules:
          - id: EXTRA-PEERS
            title: Named in its evidence
            criterion: A test rule that reads a peer observation's evidence.
            when:
              observation: peers
              any:
                - {field: peer_rank, op: "==", value: 99}
                - all:
                    - {field: evidence, op: contains, value: 1}
                    - {field: annual_mean, op: ">", value: 0}
            then: {flag: red}
        """,
    )
    shipped, extra = load_ruleset(RULES).fields_read, load_ruleset(directory).fields_read
    assert shipped["peers"] == {
        "peer_quartile", "quarters_worsening", "worsening_pct",
        "peer_decile", "quarters_improving", "improving_pct",
    }  # fmt: skip
    assert extra["peers"] == shipped["peers"] | {"peer_rank", "evidence", "annual_mean"}
    assert extra["indicator"] == shipped["indicator"]
    assert (
        "evidence" not in shipped["indicator"]
        and "quarters_worse_than_floor" in shipped["indicator"]
    )


def test_groups_nest() -> None:
    # indicator NI 117 and (value > 10 or run >= 2)
    tree = Group(
        "all",
        (
            Condition("indicator", "==", "NI 117"),
            Group(
                "any",
                (
                    Condition("latest_value", ">", 10),
                    Condition("quarters_worse_than_floor", ">=", 2),
                ),
            ),
        ),
    )

    assert matches(
        tree, {"indicator": "NI 117", "latest_value": 11, "quarters_worse_than_floor": 0}
    )
    assert matches(tree, {"indicator": "NI 117", "latest_value": 1, "quarters_worse_than_floor": 2})
    assert not matches(
        tree, {"indicator": "NI 117", "latest_value": 1, "quarters_worse_than_floor": 1}
    )
    assert not matches(
        tree, {"indicator": "NI 73", "latest_value": 11, "quarters_worse_than_floor": 3}
    )


def test_in_matches_membership_of_the_listed_values() -> None:
    condition = Condition("indicator", "in", ("NI 73", "NI 75"))

    assert matches(condition, {"indicator": "NI 75"})
    assert not matches(condition, {"indicator": "NI 117"})


@pytest.mark.parametrize("op", ["==", "!=", "<", "<=", ">", ">=", "in"])
def test_a_missing_or_null_field_never_matches_whatever_the_operator(op: str) -> None:
    condition = Condition("latest_value", op, (1, 2) if op == "in" else 1)

    assert not matches(condition, {})
    assert not matches(condition, {"latest_value": None})


def test_a_value_of_the_wrong_type_does_not_match_rather_than_fail() -> None:
    assert not matches(Condition("latest_value", ">", 1), {"latest_value": "high"})


def test_a_rule_fires_only_on_its_own_observation_kind() -> None:
    rule = _rule(Group("all", (Condition("upheld_12m", ">=", 5),)), observation="complaints")

    assert rule_fires(rule, {"observation": "complaints", "upheld_12m": 5})
    assert not rule_fires(rule, {"observation": "indicator", "upheld_12m": 5})


def test_a_themes_filter_limits_the_rule_to_those_themes() -> None:
    rule = _rule(
        Group("all", (Condition("latest_value", ">", 0),)), themes=("children_and_young_people",)
    )
    obs = {"observation": "indicator", "latest_value": 1}

    assert rule_fires(rule, {**obs, "theme": "children_and_young_people"})
    assert not rule_fires(rule, {**obs, "theme": "safer_and_stronger_communities"})
    assert not rule_fires(rule, obs)


def test_the_shipped_floor_rule_fires_at_two_quarters_worse_than_the_floor() -> None:
    rule = load_ruleset(RULES).rule("IND-FLOOR-2Q")
    obs = {"observation": "indicator", "theme": "children_and_young_people"}

    assert rule_fires(rule, {**obs, "quarters_worse_than_floor": 2})
    assert not rule_fires(rule, {**obs, "quarters_worse_than_floor": 1})


# --- the durable-rules engine agrees with the reference semantics ----------------------

ENGINE_RULES = """
rules:
  - id: P-EQ-NE
    title: equality and inequality
    criterion: c
    when:
      observation: indicator
      all:
        - {field: indicator, op: "==", value: "NI 117"}
        - {field: polarity, op: "!=", value: higher_is_better}
    then: {flag: red}
  - id: P-RANGE
    title: a range, both ends
    criterion: c
    when:
      observation: indicator
      all:
        - {field: latest_value, op: ">=", value: 10}
        - {field: latest_value, op: "<", value: 20}
    then: {flag: red}
  - id: P-NESTED
    title: nested any inside all inside any
    criterion: c
    when:
      observation: indicator
      any:
        - all:
            - {field: quarters_worse_than_floor, op: ">", value: 1}
            - any:
                - {field: latest_worse_than_floor, op: "==", value: true}
                - {field: latest_value, op: "<=", value: 5}
        - {field: indicator, op: in, value: ["NI 73", "NI 75"]}
    then: {flag: green}
  - id: P-THEMED
    title: themes filter with a threshold
    criterion: c
    themes: [children_and_young_people, safer_and_stronger_communities]
    when:
      observation: indicator
      all:
        - {field: floor, op: "<=", value: 30}
    then: {flag: red}
  - id: P-COMPLAINTS
    title: complaints, with in over numbers
    criterion: c
    themes: [healthier_communities_and_older_people]
    when:
      observation: complaints
      any:
        - {field: upheld_per_10k_12m, op: ">", value: 2.0}
        - all:
            - {field: upheld_12m, op: in, value: [3, 4, 5]}
            - {field: complaints_12m, op: "!=", value: 0}
    then: {flag: red}
"""


def _random_observation(rng: random.Random) -> dict[str, Any]:
    def maybe(value: Any) -> Any:
        return None if rng.random() < 0.15 else value

    kind = rng.choice(["indicator", "complaints"])
    obs: dict[str, Any] = {"observation": kind, "theme": rng.choice(THEMES)}
    if kind == "indicator":
        obs.update(
            indicator=maybe(rng.choice(["NI 117", "NI 73", "NI 75", "NI 15"])),
            polarity=maybe(rng.choice(["higher_is_better", "lower_is_better"])),
            latest_value=maybe(rng.choice([5, 10, 20, rng.uniform(0, 30), rng.randint(0, 30)])),
            quarters_worse_than_floor=maybe(rng.randint(0, 4)),
            latest_worse_than_floor=maybe(rng.random() < 0.5),
            floor=maybe(rng.choice([10.0, 30, 55.0, 60])),
        )
    else:
        obs.update(
            upheld_per_10k_12m=maybe(rng.choice([2.0, round(rng.uniform(0, 4), 3)])),
            upheld_12m=maybe(rng.randint(0, 7)),
            complaints_12m=maybe(rng.randint(0, 9)),
        )
    # The engine adapter drops nulls; the reference treats null as missing. Both must agree.
    if rng.random() < 0.5:
        obs = {k: v for k, v in obs.items() if v is not None}
    return obs


def test_durable_rules_fires_exactly_the_rules_the_reference_semantics_fire(tmp_path: Path) -> None:
    directory = tmp_path / "rules"
    directory.mkdir()
    shutil.copy(RULES / "routing.yaml", directory)
    _write(directory, "engine.yaml", ENGINE_RULES)
    ruleset = load_ruleset(directory)
    engine = engine_for(ruleset)
    rng = random.Random(20091209)

    fired_somewhere: set[str] = set()
    silent = 0
    for _ in range(600):
        obs = _random_observation(rng)
        expected = [r.id for r in ruleset.rules if rule_fires(r, obs)]
        assert engine.fired_by_engine(obs) == expected, obs
        assert engine.fired(obs) == expected, obs  # with the reference pre-filter
        fired_somewhere.update(expected)
        silent += not expected

    # The generator reaches every rule, and observations that match none.
    assert fired_somewhere == {r.id for r in ruleset.rules}
    assert silent > 0
