"""A forked copy's work comes back whole, or is done here when the copy fails
(service_layer/forked.py: what `assess` reads in a copy while it compares peers)."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable

import pytest

from riskgate.service_layer import forked

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="fork is not available")


def test_the_copy_works_it_out_and_hands_it_back_whole() -> None:
    here = os.getpid()
    # Larger than a pipe holds, so the copy waits for this process to read it.
    result = forked.Later(lambda: (os.getpid(), list(range(200_000))), fork=True).result()
    assert result[0] != here  # worked out in the copy
    assert result[1] == list(range(200_000))


def test_without_a_fork_the_work_is_done_here_when_asked() -> None:
    calls: list[int] = []

    def work() -> str:
        calls.append(os.getpid())
        return "done"

    later = forked.Later(work, fork=False)
    assert calls == []
    assert later.result() == "done"
    assert calls == [os.getpid()]


def _raise() -> None:
    raise RuntimeError("the copy failed")


def _killed() -> None:
    os.kill(os.getpid(), signal.SIGKILL)  # as a kill -9 from outside would


@pytest.mark.parametrize("fail", [_raise, _killed], ids=["raises", "killed part way"])
def test_a_copy_that_fails_leaves_the_work_to_this_process(
    fail: Callable[[], None], caplog: pytest.LogCaptureFixture
) -> None:
    here = os.getpid()

    def work() -> str:
        if os.getpid() != here:
            fail()
        return "worked out here"

    assert forked.Later(work, fork=True).result() == "worked out here"
    assert "forked copy of this process failed" in caplog.text
