"""Files that several processes may set out to make at the same time (the gazetteer's index,
the benchmarks' stores): each is made once, and no reader ever sees half of one."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def exclusive(lock_path: Path) -> Iterator[None]:
    """Hold an exclusive lock on `lock_path` (made if missing), waiting for it if need be."""
    with open(lock_path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def made_once(path: Path, make: Callable[[Path], None]) -> bool:
    """Make `path` by `make(partial)` unless it exists; True if it was made here.

    Under an exclusive lock beside it (`<name>.lock`): a second process waits, then finds it
    made. `make` writes to a name of this process's own, renamed into place once complete; if
    `make` fails, nothing named after that partial file is left (an SQLite file's -wal and
    -shm included)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with exclusive(path.with_name(path.name + ".lock")):
        if path.exists():
            return False
        partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
        _remove_all(partial)
        try:
            make(partial)
            os.replace(partial, path)
        finally:
            _remove_all(partial)
        return True


def _remove_all(partial: Path) -> None:
    for left in partial.parent.iterdir():  # not glob: a name may hold [ or *
        if left.name.startswith(partial.name):
            left.unlink(missing_ok=True)
