"""A prepared snapshot fills an empty embedded home exactly as the load it was taken from
left it (less the tokens); a snapshot that is damaged, edited or made for other rules is
passed over with a log line and the home left as it was, for the slow load.

A handful of events stands in for the sample year here, so that these run in seconds;
tests/e2e/test_fast_start.py does the same through `riskgate run` on the whole year."""

from __future__ import annotations

import json
import logging
import os
import shutil
import sqlite3
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from riskgate.bootstrap import System, bootstrap, home_database, token_registry
from riskgate.config import Settings
from riskgate.service_layer.sample_year import SAMPLE_MARK, mark_sample, run_year, sample_wanted
from riskgate.service_layer.snapshot import (
    fill_from_snapshot,
    find_snapshot,
    restore_snapshot,
    save_snapshot,
    snapshot_key,
    snapshot_paths,
)
from riskgate.service_layer.tokens import Tokens
from tests.conftest import ROOT
from tests.integration.cluster import indicator_event

YEAR = 2009
ACCEPTED = Counter({"indicator.reported": 3})
SANDWELL = "E08000028"
TABLES = {
    "store_strings": "key",
    "store_hashes": "key, field",
    "store_sets": "key, member",
    "bus_topics": "topic",
    "bus_records": "seq",
    "bus_positions": "grp, topic",
}


def _neet(value: float, quarter: int) -> dict[str, Any]:
    return indicator_event(SANDWELL, "NI 117", f"2009-Q{quarter}", value)


def _settings(home: Path, snapshots: Path, rules: Path = ROOT / "rules") -> Settings:
    return Settings(rules_dir=rules, home=home, snapshot_dir=snapshots)


def _open(settings: Settings) -> System:
    return bootstrap(settings, keep_home=True)


def _dump(database: Path, tokens: bool = False) -> dict[str, list[tuple[Any, ...]]]:
    with sqlite3.connect(database) as conn:
        dump = {
            table: conn.execute(f"SELECT * FROM {table} ORDER BY {order}").fetchall()  # noqa: S608
            for table, order in TABLES.items()
        }
    if not tokens:
        dump["store_hashes"] = [row for row in dump["store_hashes"] if row[0] != Tokens.KEY]
    return dump


@pytest.fixture
def loaded(tmp_path: Path) -> Settings:
    """A home loaded as `riskgate run` loads one (a token first, then the events, pumped, and
    marked loaded), with its snapshot saved; the settings of a second, empty home beside it."""
    settings = _settings(tmp_path / "loaded", tmp_path / "snapshots")
    system = _open(settings)
    system.tokens.create("gatekeeper")
    mark_sample(system, "loading")
    system.clock.start_sample(YEAR)
    events = [_neet(v, q) for q, v in ((1, 4.0), (2, 9.5), (3, 12.0))]
    assert system.ingest.submit(events).accepted
    system.pump()
    mark_sample(system, "loaded")
    assert save_snapshot(settings, YEAR, home_database(settings), ACCEPTED) is not None
    return replace(settings, home=tmp_path / "empty")


def test_a_restored_home_holds_what_the_loaded_home_held_less_its_tokens(
    loaded: Settings, tmp_path: Path
) -> None:
    restored = restore_snapshot(loaded, YEAR, home_database(loaded))

    assert restored is not None and restored.events == 3 and restored.accepted == ACCEPTED
    source = _dump(tmp_path / "loaded" / "riskgate.sqlite3")
    assert _dump(home_database(loaded), tokens=True) == source
    home = _open(loaded)
    assert not sample_wanted(home) and home.store.get(SAMPLE_MARK) == "loaded"
    assert home.clock.state()["today"] == "2009-12-31" and home.clock.state()["set_by"] == "sample"
    assert not home.tokens.records()
    assert not [p for p in home_database(loaded).parent.iterdir() if p.name.startswith(".")]


def test_after_a_restore_a_new_event_is_handled_once_from_where_the_load_left_off(
    loaded: Settings, tmp_path: Path
) -> None:
    assert restore_snapshot(loaded, YEAR, home_database(loaded)) is not None
    was_loaded = _open(replace(loaded, home=tmp_path / "loaded"))
    restored = _open(loaded)
    for home in (was_loaded, restored):
        assert home.ingest.submit(
            [_neet(15.0, 4) | {"event_id": "6b0d3c1e-0000-4000-8000-000000000001"}]
        ).accepted
        assert home.pump() > 0  # the new event and what it leads to, nothing redelivered

    after = _dump(home_database(loaded))
    assert (
        after["bus_positions"] == _dump(tmp_path / "loaded" / "riskgate.sqlite3")["bus_positions"]
    )
    risk = _open(loaded).store.keys("risk:")
    assert risk == was_loaded.store.keys("risk:")
    assert restored.pump() == 0


def test_a_home_holding_only_tokens_is_restored_and_keeps_them(loaded: Settings) -> None:
    registry = token_registry(loaded)  # `riskgate tokens create` before the first run
    token = registry.create("admin")
    open_elsewhere = restore_snapshot(loaded, YEAR, home_database(loaded))
    registry._store.close()  # type: ignore[attr-defined]  # the command has ended

    assert open_elsewhere is None  # never renamed under another process's open file
    assert restore_snapshot(loaded, YEAR, home_database(loaded)) is not None
    assert _open(loaded).tokens.role_of(token) == "admin"


def test_a_home_that_holds_events_is_never_restored_over(loaded: Settings) -> None:
    home = _open(loaded)
    home.ingest.submit([_neet(1.0, 1)])
    before = _dump(home_database(loaded), tokens=True)

    assert restore_snapshot(loaded, YEAR, home_database(loaded)) is None
    assert _dump(home_database(loaded), tokens=True) == before
    assert sample_wanted(_open(loaded)) is False


def _truncated(data: Path, manifest: Path) -> None:
    data.write_bytes(data.read_bytes()[: data.stat().st_size // 2])


def _byte_flipped(data: Path, manifest: Path) -> None:
    raw = bytearray(data.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    data.write_bytes(bytes(raw))


def _edited_with_sqlite(data: Path, manifest: Path) -> None:
    with sqlite3.connect(data) as conn:
        conn.execute("UPDATE store_strings SET value = 'loading' WHERE key = ?", (SAMPLE_MARK,))


def _manifest_of_another_year(data: Path, manifest: Path) -> None:
    document = json.loads(manifest.read_text())
    document["key"]["year"] = 2010
    manifest.write_text(json.dumps(document))


def _manifest_with_counts_not_numbers(data: Path, manifest: Path) -> None:
    document = json.loads(manifest.read_text())
    document["accepted"] = {"indicator.reported": "three"}
    manifest.write_text(json.dumps(document))


def _manifest_a_list(data: Path, manifest: Path) -> None:
    manifest.write_text("[]")


def _manifest_not_json(data: Path, manifest: Path) -> None:
    manifest.write_text("{ not json")


def _manifest_nested_deep(data: Path, manifest: Path) -> None:
    manifest.write_text("[" * 30_000 + "]" * 30_000)


def _manifest_padded_past_its_bound(data: Path, manifest: Path) -> None:
    document = json.loads(manifest.read_text())
    document["padding"] = "x" * 100_000  # the right key and counts, but 100 KB
    manifest.write_text(json.dumps(document))


def _database_missing(data: Path, manifest: Path) -> None:
    data.unlink()


@pytest.mark.parametrize(
    "damage",
    [
        _truncated,
        _byte_flipped,
        _edited_with_sqlite,
        _manifest_of_another_year,
        _manifest_with_counts_not_numbers,
        _manifest_a_list,
        _manifest_not_json,
        _manifest_nested_deep,
        _manifest_padded_past_its_bound,
        _database_missing,
    ],
)
def test_a_damaged_or_mismatched_snapshot_is_passed_over_with_a_log_line(
    loaded: Settings, damage: Any, caplog: pytest.LogCaptureFixture
) -> None:
    damage(*snapshot_paths(loaded, snapshot_key(loaded, YEAR)))

    with caplog.at_level(logging.WARNING, logger="riskgate"):
        assert restore_snapshot(loaded, YEAR, home_database(loaded)) is None

    assert "passed over" in caplog.text
    assert not home_database(loaded).parent.exists() or not list(
        home_database(loaded).parent.iterdir()
    )  # nothing half-restored, no file left behind
    assert sample_wanted(_open(loaded))  # the slow load goes ahead


def test_other_rules_do_not_use_the_snapshot_made_with_the_shipped_ones(
    loaded: Settings, tmp_path: Path
) -> None:
    rules = tmp_path / "my-rules"
    shutil.copytree(ROOT / "rules", rules)
    mine = replace(loaded, rules_dir=rules)
    assert find_snapshot(mine, YEAR) is not None  # the same files: the same key

    policies = rules / "policies.yaml"
    policies.write_text(policies.read_text() + "\n# a local change\n")

    assert snapshot_key(mine, YEAR) != snapshot_key(loaded, YEAR)
    assert restore_snapshot(mine, YEAR, home_database(mine)) is None
    assert not home_database(mine).exists()
    assert find_snapshot(loaded, YEAR) is not None  # the first stays for the shipped rules


def test_a_pinned_today_a_group_prefix_or_armed_failpoints_use_no_other_snapshot(
    loaded: Settings,
) -> None:
    import datetime as dt

    for other in (
        replace(loaded, today=dt.date(2010, 1, 4)),
        replace(loaded, consumer_group_prefix="elsewhere"),
        replace(loaded, failpoints=frozenset({"risk.exit_after_publish"})),
    ):
        assert restore_snapshot(other, YEAR, home_database(other)) is None
    assert not home_database(loaded).exists()


def test_no_snapshot_is_saved_of_a_home_that_took_events_beside_the_sample(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = _settings(tmp_path / "home", tmp_path / "snapshots")
    system = _open(settings)
    system.ingest.submit([_neet(4.0, 1), _neet(5.0, 2)])
    mark_sample(system, "loaded")

    with caplog.at_level(logging.WARNING, logger="riskgate"):
        assert save_snapshot(settings, YEAR, home_database(settings), Counter(x=1)) is None

    assert "others came in beside it" in caplog.text
    assert find_snapshot(settings, YEAR) is None
    assert not list((tmp_path / "snapshots").iterdir())


def test_the_snapshot_directory_defaults_to_the_home_and_follows_the_environment(
    tmp_path: Path,
) -> None:
    env = {"RISKGATE_HOME": str(tmp_path / "home")}
    assert Settings.from_env(env).snapshots == tmp_path / "home" / "snapshots"
    shared = Settings.from_env(env | {"RISKGATE_SNAPSHOT_DIR": str(tmp_path / "shared")})
    assert shared.snapshots == tmp_path / "shared"


# --- in memory: `demo`, `report`, `export` and `run --ephemeral` ---------------------------


def _memory(loaded: Settings) -> System:
    return bootstrap(loaded)  # no keep_home: the memory adapters, reading the same snapshots


def test_an_empty_memory_system_runs_the_year_from_the_snapshot_as_the_load_left_it(
    loaded: Settings, tmp_path: Path
) -> None:
    system = _memory(loaded)

    assert run_year(system, YEAR) == ACCEPTED
    assert system.loading.now().state == "loaded" and system.loading.now().total == 3

    source = _dump(tmp_path / "loaded" / "riskgate.sqlite3")
    strings = {k: v for k, v in source["store_strings"] if k != SAMPLE_MARK}
    assert {k: system.store.get(k) for k in strings} == strings
    hashes: dict[str, dict[str, str]] = {}
    for key, name, value in source["store_hashes"]:
        hashes.setdefault(key, {})[name] = value
    assert {k: system.store.hgetall(k) for k in hashes} == hashes
    sets: dict[str, set[str]] = {}
    for key, member in source["store_sets"]:
        sets.setdefault(key, set()).add(member)
    assert {k: system.store.smembers(k) for k in sets} == sets
    assert set(system.store.keys("")) == set(strings) | set(hashes) | set(sets)
    for topic in {t for _, t, *_ in source["bus_records"]}:
        assert [(r.key, r.value) for r in system.bus.read_all(topic)] == [
            (key, value) for _, t, _, key, value in source["bus_records"] if t == topic
        ]
    was_loaded = _open(replace(loaded, home=tmp_path / "loaded"))
    for group, topic, _ in source["bus_positions"]:
        assert system.bus.lag(group, [topic]) == was_loaded.bus.lag(group, [topic])

    new = _neet(15.0, 4) | {"event_id": "6b0d3c1e-0000-4000-8000-000000000002"}
    for home in (was_loaded, system):
        assert home.ingest.submit([new]).accepted
        assert home.pump() > 0
        assert home.pump() == 0
    assert system.store.keys("risk:") == was_loaded.store.keys("risk:")


def test_a_memory_system_holding_events_or_a_damaged_snapshot_is_not_filled(
    loaded: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    busy = _memory(loaded)
    busy.ingest.submit([_neet(1.0, 1)])
    assert fill_from_snapshot(busy, YEAR) is None

    _byte_flipped(*snapshot_paths(loaded, snapshot_key(loaded, YEAR)))
    empty = _memory(loaded)
    with caplog.at_level(logging.WARNING, logger="riskgate"):
        assert fill_from_snapshot(empty, YEAR) is None
    assert "passed over" in caplog.text
    assert empty.store.keys("") == [] and empty.bus.read_all("events.v1") == []


def test_a_folder_keeps_the_newest_snapshots_of_a_year_and_drops_the_older(
    loaded: Settings, tmp_path: Path
) -> None:
    folder = loaded.snapshots
    (data, manifest) = snapshot_paths(loaded, snapshot_key(loaded, YEAR))
    for age, name in enumerate(["sample-2009-old1", "sample-2009-old2", "sample-2009-old3"]):
        for suffix in (".json", ".sqlite3"):
            stale = folder / f"{name}{suffix}"
            stale.write_text("{}")
            os.utime(stale, (1_000_000 - age, 1_000_000 - age))
    other_year = folder / "sample-2010-any.json"
    other_year.write_text("{}")

    home = tmp_path / "loaded"
    assert save_snapshot(replace(loaded, home=home), YEAR, home / "riskgate.sqlite3", ACCEPTED)

    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [data.name, manifest.name, "sample-2009-old1.json", "sample-2009-old1.sqlite3",
         "sample-2009-old2.json", "sample-2009-old2.sqlite3", other_year.name]
    )  # fmt: skip
