"""A second core for a one-off command's work: a forked copy of this process works out a result
while this one goes on, and hands it back through a pipe.

Only for work that reads state held in this process's memory alone (a forked copy of a file or
connection would share it), that this process does not change meanwhile, and that needs no
thread of this process (the copy has only the one that forked it): `assess` reads each area's
LAA targets and Direction of Travel in a copy while it compares areas with their peers
(annual_assessment.py), and the batch annual pass has its copy answer what the rules make of
each value ahead of it (annual_batch.py). Should the copy fail, the work is done here."""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import signal
from collections.abc import Callable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


def two_cores() -> bool:
    """Whether this process may run on two cores or more, and fork itself."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return hasattr(os, "fork") and (cores or 1) >= 2


def write_all(fd: int, data: bytes | bytearray) -> None:
    """Write every byte of `data` to the pipe `fd`."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


class Copy:
    """A forked copy of this process running `work(fd)`, which writes to the pipe `fd`; this
    process reads what it writes (`fd`) and, with `close`, stops and reaps it."""

    def __init__(self, work: Callable[[int], object]) -> None:
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # the copy: it works, and leaves without running this process's exits
            status = 1
            try:
                os.close(read_fd)
                work(write_fd)
                status = 0
            finally:
                os._exit(status)
        os.close(write_fd)
        self.pid: int | None = pid
        self.fd: int | None = read_fd

    def close(self) -> None:
        """Stop the copy if it still runs, and reap it."""
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        if self.pid is not None:
            with contextlib.suppress(ProcessLookupError):  # it had ended
                os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
            self.pid = None


class Later(Generic[T]):
    """`work()`'s result, worked out in a forked copy (`fork`) or, else, here when asked."""

    def __init__(self, work: Callable[[], T], fork: bool) -> None:
        self._work = work
        self._copy = Copy(lambda fd: write_all(fd, pickle.dumps(work()))) if fork else None

    def result(self) -> T:
        """The result, waiting for the copy; worked out here if it failed."""
        if self._copy is None:
            return self._work()
        chunks = []
        try:
            assert self._copy.fd is not None
            while chunk := os.read(self._copy.fd, 1 << 20):
                chunks.append(chunk)
        finally:
            self._copy.close()
        try:
            result: T = pickle.loads(b"".join(chunks))
        except Exception:  # noqa: BLE001 - a copy that failed wrote nothing, or a part
            log.warning("a forked copy of this process failed; its work is done here instead")
            return self._work()
        return result
