"""The sample year's events are generated once, kept in the cache folder and read back value for
value; a kept file that is torn, edited, too large or made for another riskgate is passed over
with a log line and the year generated (and kept) again; a folder that cannot be written costs
only the time."""

from __future__ import annotations

import functools
import json
import logging
from pathlib import Path
from typing import Any

import pytest

from riskgate.config import Settings
from riskgate.sample import generate_year
from riskgate.service_layer import prepared_events
from riskgate.service_layer.prepared_events import sample_events

YEAR, SEED = 2009, 2009


def _small(year: int, seed: int) -> list[dict[str, Any]]:
    """A handful of events with the shapes a year holds: nested payloads, whole and decimal
    numbers, nulls, booleans, text beyond ASCII."""
    return [
        {
            "event_id": f"00000000-0000-5000-8000-{n:012d}",
            "type": "indicator.reported",
            "occurred_at": f"{year}-0{n + 1}-30T09:00:00+01:00",
            "body": "E08000028",
            "payload": {"indicator": "NI 117", "period": f"{year}-Q{n + 1}", "value": value},
            "note": {"seed": seed, "upheld": None, "formal": n % 2 == 0, "name": "Ynys Môn"},
        }
        for n, value in enumerate((9, 9.5, 0.1 + 0.2, -0.0))
    ]


def _cache(tmp_path: Path) -> Settings:
    return Settings(cache_dir=tmp_path / "cache")


def _files(settings: Settings) -> list[str]:
    assert settings.cache_dir is not None
    return sorted(p.name for p in settings.cache_dir.iterdir())


def test_the_sample_year_is_generated_once_then_read_back_value_for_value(tmp_path: Path) -> None:
    settings = _cache(tmp_path)
    first = sample_events(settings, YEAR)
    assert first.source is None  # generated, and kept
    second = sample_events(settings, YEAR)
    assert second.source is not None and second.source.parent == settings.cache_dir
    assert second.events == first.events == generate_year(YEAR)
    # value for value and type for type: 3 stays whole, 3.0 stays decimal
    assert [type(e["payload"].get("value")) for e in second.events] == [
        type(e["payload"].get("value")) for e in first.events
    ]
    data, manifest = _files(settings)
    assert data.startswith(f"events-{YEAR}-") and data.endswith(".json")
    assert settings.cache_dir is not None
    stated = json.loads((settings.cache_dir / manifest).read_text())
    assert stated["events"] == len(first.events) == 127_411
    assert stated["key"]["year"] == YEAR and stated["key"]["seed"] == SEED


def _kept(settings: Settings) -> tuple[Path, Path]:
    sample_events(settings, YEAR, generate=_small)
    assert settings.cache_dir is not None
    (data,) = settings.cache_dir.glob("*.json")
    (manifest,) = settings.cache_dir.glob("*.manifest")
    return data, manifest


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda d, m: d.write_bytes(d.read_bytes()[:-40]), "do not match the digest"),
        (lambda d, m: d.write_bytes(d.read_bytes().replace(b"9.5", b"7.5")), "do not match"),
        (lambda d, m: d.unlink(), "No such file"),
        (
            lambda d, m: m.write_text(m.read_text().replace('"seed": 2009', '"seed": 1')),
            "names another key",
        ),
        (lambda d, m: m.write_text("[" * 100_000), "manifest is larger"),
        (lambda d, m: m.write_text("{not json"), "Expecting property name"),
        (lambda d, m: m.write_text("[" * 30_000 + "]" * 30_000), "recursion"),
    ],
    ids=[
        "torn",
        "edited",
        "missing data",
        "another key",
        "huge manifest",
        "manifest not json",
        "manifest nested deep",
    ],  # fmt: skip
)
def test_a_kept_file_that_cannot_be_trusted_is_passed_over_and_kept_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, damage: Any, reason: str
) -> None:
    settings = _cache(tmp_path)
    data, manifest = _kept(settings)
    damage(data, manifest)
    with caplog.at_level(logging.WARNING, logger="riskgate"):
        again = sample_events(settings, YEAR, generate=_small)
    assert again.source is None and again.events == _small(YEAR, SEED)
    assert any(reason in r.getMessage() and "passed over" in r.getMessage() for r in caplog.records)
    # kept again, whole: the next run reads it back
    assert sample_events(settings, YEAR, generate=_small).source == data


def test_a_file_larger_than_the_bound_is_not_read(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _cache(tmp_path)
    data, _ = _kept(settings)
    monkeypatch.setattr(prepared_events, "MAX_BYTES", data.stat().st_size - 1)
    with caplog.at_level(logging.WARNING, logger="riskgate"):
        again = sample_events(settings, YEAR, generate=_small)
    assert again.source is None and again.events == _small(YEAR, SEED)
    assert any("larger than" in r.getMessage() for r in caplog.records)


def test_events_of_another_riskgate_are_not_read_and_the_three_newest_are_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _cache(tmp_path)
    for n in range(5):  # five edits of riskgate's code, each a new key
        monkeypatch.setattr(prepared_events, "code_digest", functools.partial(str, f"code-{n}"))

        def first(year: int, seed: int, n: int = n) -> list[dict[str, Any]]:
            return _small(year, seed)[: n + 1]

        made = sample_events(settings, YEAR, generate=first)
        assert made.source is None  # nothing kept for this code yet
        assert sample_events(settings, YEAR, generate=_small).events == _small(YEAR, SEED)[: n + 1]
    assert len(_files(settings)) == 2 * 3  # the three newest, each with its manifest


def test_a_folder_that_cannot_be_written_costs_only_the_time(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    settings = Settings(cache_dir=blocked / "cache")  # under a file: cannot be made
    with caplog.at_level(logging.WARNING, logger="riskgate"):
        made = sample_events(settings, YEAR, generate=_small)
    assert made.source is None and made.events == _small(YEAR, SEED)
    assert any("not kept" in r.getMessage() for r in caplog.records)


def test_riskgate_cache_dir_names_the_folder_off_turns_it_off_and_the_default_is_the_users(
    tmp_path: Path,
) -> None:
    assert Settings.from_env({"RISKGATE_CACHE_DIR": str(tmp_path)}).cache_dir == tmp_path
    assert Settings.from_env({"RISKGATE_CACHE_DIR": "off"}).cache_dir is None
    assert Settings.from_env({"HOME": "/home/ann"}).cache_dir == Path("/home/ann/.cache/riskgate")
    assert Settings.from_env(
        {"HOME": "/home/ann", "XDG_CACHE_HOME": "/var/cache/ann"}
    ).cache_dir == (Path("/var/cache/ann/riskgate"))
    off = Settings.from_env({"RISKGATE_CACHE_DIR": "off"})
    assert sample_events(off, YEAR, generate=_small).source is None
    assert sample_events(off, YEAR, generate=_small).source is None  # nothing kept anywhere
