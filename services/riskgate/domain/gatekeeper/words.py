"""The plain words the gatekeeper's reasons use for subjects, grounds, origins and names."""

from __future__ import annotations

from riskgate.domain.vocabulary import INSPECTORATES, THEME_TITLES

SUBJECT_WORDS: dict[str, str] = {
    "care_home": "a care home, which is regulatory inspection of a service",
    "school": "a school, which is inspection of an institution",
    "prison": "a prison, which is inspection of an institution",
    "other_institution": "an institution, which is inspection of that institution",
}
GROUND_WORDS: dict[str, str] = {
    "vulnerable_groups": "protecting particularly vulnerable groups such as children in care",
    "system_change": "driving system change",
}
ORIGIN_WORDS: dict[str, str] = {
    "risk_rule": "a risk rule",
    "government_office": "a Government Office",
    "department": "a government department",
    "call_for_action": "a Community Call for Action",
    "inspectorate_programme": "the inspectorate's own programme",
}


def title(inspectorate: str) -> str:
    """The inspectorate's name in full."""
    return INSPECTORATES.get(inspectorate, inspectorate)


def theme_words(theme: str) -> str:
    """The theme as words in a sentence."""
    return THEME_TITLES.get(theme, theme).lower()


def plural(n: int, word: str) -> str:
    """`n` and the word, with an s unless n is 1."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
