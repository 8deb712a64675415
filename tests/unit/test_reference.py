"""The bundled reference lists: indicators, councils and the areas built from them."""

from __future__ import annotations

import pytest

from riskgate.domain.reference import (
    AREA_KINDS,
    Reference,
    build_reference,
    load_reference,
)
from riskgate.domain.vocabulary import AREA_THEMES

HAMPSHIRE = "E10000014"
WINCHESTER = "E07000094"


@pytest.fixture(scope="module")
def ref() -> Reference:
    return load_reference()


def test_the_national_indicator_set_has_198_indicators_without_ni_31(ref: Reference) -> None:
    assert len(ref.indicators) == 198
    assert "NI 31" not in ref.indicators
    assert {"NI 1", "NI 30", "NI 32", "NI 199"} <= set(ref.indicators)


def test_every_indicator_belongs_to_one_of_the_four_laa_blocks(ref: Reference) -> None:
    assert {i.theme for i in ref.indicators.values()} == set(AREA_THEMES)
    assert ref.indicators["NI 117"].theme == "children_and_young_people"
    assert ref.indicators["NI 192"].theme == "economic_development_and_environment"


def test_neet_is_lower_is_better_and_blank_polarity_means_contextual(ref: Reference) -> None:
    assert ref.indicators["NI 117"].polarity == "lower_is_better"
    assert ref.indicators["NI 75"].polarity == "higher_is_better"
    polarities = {i.polarity for i in ref.indicators.values()}
    assert polarities == {"higher_is_better", "lower_is_better", None}


def test_frequency_is_none_where_no_source_gave_it(ref: Reference) -> None:
    assert ref.indicators["NI 1"].frequency == "biennial"
    assert ref.indicators["NI 135"].frequency == "annual"
    assert ref.indicators["NI 117"].frequency is None


def test_there_are_353_councils_and_152_areas(ref: Reference) -> None:
    assert len(ref.councils) == 353
    assert len(ref.areas) == 152
    assert {a.kind for a in ref.areas.values()} == set(AREA_KINDS)


def test_every_district_belongs_to_a_county_area(ref: Reference) -> None:
    districts = [c for c in ref.councils.values() if c.kind == "district"]
    assert len(districts) == 201
    for district in districts:
        area = ref.area_of(district.code)
        assert area is not None
        assert ref.areas[area].kind == "county"
        assert district.code in ref.areas[area].members


def test_every_council_is_in_exactly_one_area(ref: Reference) -> None:
    members = [m for a in ref.areas.values() for m in a.members]
    assert sorted(members) == sorted(ref.councils)


def test_hampshire_is_a_county_area_with_its_districts(ref: Reference) -> None:
    hampshire = ref.areas[HAMPSHIRE]
    assert hampshire.name == "Hampshire"
    assert hampshire.kind == "county"
    assert hampshire.region == "South East"
    assert hampshire.members[0] == HAMPSHIRE
    assert len(hampshire.members) == 12  # the county and its 11 districts
    assert WINCHESTER in hampshire.members
    assert ref.area_of(WINCHESTER) == HAMPSHIRE
    assert ref.area_of(HAMPSHIRE) == HAMPSHIRE


def test_a_unitary_is_its_own_area_and_unknown_bodies_have_none(ref: Reference) -> None:
    assert ref.area_of("E06000044") == "E06000044"  # Portsmouth
    assert ref.areas["E06000044"].members == ("E06000044",)
    assert ref.area_of("E99999999") is None


def test_load_reference_is_read_once(ref: Reference) -> None:
    assert load_reference() is ref


def test_an_unknown_indicator_theme_is_named_in_the_error() -> None:
    rows = [{"id": "NI 1", "title": "x", "theme": "Nonsense", "polarity": "", "frequency": ""}]
    with pytest.raises(ValueError, match="NI 1: theme 'Nonsense'"):
        build_reference(rows, [])
