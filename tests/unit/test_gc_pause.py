"""The collector held off for a one-off pass is left as it was found, whatever the pass does;
a settled process no longer walks what it made to start."""

from __future__ import annotations

import gc
import weakref

import pytest

from riskgate.service_layer.gc_pause import (
    YOUNG_GENERATION,
    collections_paused,
    settle_long_lived,
)


def test_the_collector_runs_again_after_the_pass_even_when_it_fails() -> None:
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collections_paused():
        assert not gc.isenabled()
        raise RuntimeError("the pass failed")
    assert gc.isenabled()


def test_a_nested_pass_leaves_the_collector_to_the_outer_one() -> None:
    with collections_paused():
        with collections_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_collector_turned_off_before_stays_off() -> None:
    gc.disable()
    try:
        with collections_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_settled_process_collects_only_what_came_after_and_less_often() -> None:
    threshold = gc.get_threshold()
    started = [[n] for n in range(1000)]  # what a worker made to start, and keeps
    try:
        settle_long_lived()
        assert gc.get_freeze_count() >= len(started)
        assert gc.get_threshold() == (YOUNG_GENERATION, *threshold[1:])
        walked = {id(o) for o in gc.get_objects()}  # what a collection would walk
        assert not any(id(item) in walked for item in started)

        class Cycle:
            pass

        later = Cycle()
        later.me = later  # type: ignore[attr-defined]  # garbage only the collector can free
        freed: list[bool] = []
        weakref.finalize(later, freed.append, True)
        del later
        gc.collect()
        assert freed == [True]  # what came after settling is still collected
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
