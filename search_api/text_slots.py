"""Text searches take turns: at most `KATDIR_TEXT_SEARCHES` run at once on the machine.

A text (`q`) over a wide radius is the one search whose cost a visitor chooses — a single
letter within 500 miles matches thousands of clinics — so a few clients sending such texts
could keep every core busy and make everyone else wait. Searches by place alone never wait
here. A text search that finds every slot taken is not queued (a waiting request would hold
one of the worker's threads just the same): it is answered 503 with Retry-After at once.

The slots are shared by every worker process of one var folder: each is a lock file, taken
with a non-blocking `flock` (released by the kernel if the holder dies) and, inside one
process, by a lock of its own — flock does not tell the threads of one process apart.

A text search that has its slot runs on a thread of the process's own with a lower CPU
priority (`nice` +10): when the cores are wanted by searches by place they get them first,
and on an idle machine the text search still has a whole core.
"""

from __future__ import annotations

import contextvars
import fcntl
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from katdir.settings import Settings, usable_cores

T = TypeVar("T")
NICENESS = 10  # added to the text-search threads' nice value: a lower CPU priority


def lower_priority() -> None:
    """This thread only (Linux schedules threads one by one) gives way to the others."""
    try:
        os.setpriority(
            os.PRIO_PROCESS,
            threading.get_native_id(),
            os.getpriority(os.PRIO_PROCESS, 0) + NICENESS,
        )
    except OSError:  # not allowed here: the text search runs at the usual priority
        pass


# For the request being handled: True when its slot was taken before the app saw it, False
# when every slot was found taken then (search_api.answers.TextSlotsFirst); None otherwise.
taken_early: contextvars.ContextVar[bool | None] = contextvars.ContextVar(
    "text_slot_taken_early", default=None
)


class TextSearchBusy(Exception):
    """Every text-search slot is taken: a 503 with Retry-After."""


def slot_count(settings: Settings) -> int:
    if settings.text_searches:
        return settings.text_searches
    return max(1, usable_cores() // 2)


class TextSlots:
    def __init__(self, folder: Path, count: int):
        self.folder = folder
        self.count = count
        self._locks = [threading.Lock() for _ in range(count)]
        self._files: list[int] = []
        self._pid = 0
        self._opening = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None
        self.refused = 0

    def _fds(self) -> list[int]:
        with self._opening:
            if self._pid != os.getpid():  # first use, or a forked worker: its own descriptors
                self.folder.mkdir(parents=True, exist_ok=True)
                self._files = [
                    os.open(
                        self.folder / f"slot-{i}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600
                    )
                    for i in range(self.count)
                ]
                self._executor = ThreadPoolExecutor(
                    self.count, "text-search", initializer=lower_priority
                )
                self._pid = os.getpid()
            return self._files

    def run(self, work: Callable[[], T]) -> T:
        """`work()` in a slot, on a low-priority thread (with this thread's context: the
        store's hang-up check goes with it); TextSearchBusy when no slot is free. A request
        whose slot was taken before the app saw it (`taken_early`) uses that one."""
        early = taken_early.get()
        if early is None:
            with self.held():
                return self._at_low_priority(work)
        if not early:  # found every slot taken (and counted) before the app saw it
            raise TextSearchBusy(f"all {self.count} text-search slots are taken")
        return self._at_low_priority(work)

    def _at_low_priority(self, work: Callable[[], T]) -> T:
        self._fds()  # the executor of this process
        assert self._executor is not None
        return self._executor.submit(contextvars.copy_context().run, work).result()

    @contextmanager
    def held(self) -> Iterator[None]:
        """One slot while the block runs; TextSearchBusy when none is free."""
        fds = self._fds()
        for lock, fd in zip(self._locks, fds, strict=True):
            if not lock.acquire(blocking=False):
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                lock.release()
                continue
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
                lock.release()
            return
        self.refused += 1
        raise TextSearchBusy(f"all {self.count} text-search slots are taken")
