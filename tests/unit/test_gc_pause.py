"""The collector held off for a one-off pass is left as it was found, whatever the pass does."""

from __future__ import annotations

import gc

import pytest

from riskgate.service_layer.gc_pause import collections_paused


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
