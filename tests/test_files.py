"""katdir.files: a file several processes set out to make is made once, and only whole."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

import pytest

from katdir.files import made_once


def _slow_make(partial: Path) -> None:
    """Writes its file in two parts with a pause between, and notes each call."""
    with open(partial.parent / "calls", "a") as calls:
        calls.write(f"{partial.name}\n")
    partial.write_text("first half, ")
    time.sleep(0.3)  # long enough for the other processes to find the file missing
    with open(partial, "a") as out:
        out.write("second half")


def _make_in_a_process(path: Path, made: multiprocessing.Queue) -> None:
    made.put(made_once(path, _slow_make))


def test_processes_that_start_together_make_the_file_once(tmp_path):
    path = tmp_path / "shared.db"
    context = multiprocessing.get_context("fork")
    made = context.Queue()
    processes = [context.Process(target=_make_in_a_process, args=(path, made)) for _ in range(3)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=30)
        assert process.exitcode == 0
    answers = sorted(made.get(timeout=5) for _ in processes)

    assert answers == [False, False, True]
    assert len((tmp_path / "calls").read_text().splitlines()) == 1
    assert path.read_text() == "first half, second half"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["calls", "shared.db", "shared.db.lock"]


def test_a_file_that_exists_is_not_made_again(tmp_path):
    path = tmp_path / "shared.db"
    path.write_text("as it was")

    assert made_once(path, _slow_make) is False
    assert path.read_text() == "as it was"
    assert not (tmp_path / "calls").exists()


def test_a_failed_make_leaves_nothing_behind_and_the_next_one_makes_it(tmp_path):
    path = tmp_path / "nested" / "shared.db"

    def fails(partial: Path) -> None:
        partial.write_text("half")
        partial.with_name(partial.name + "-wal").write_text("its journal")  # as SQLite leaves
        raise RuntimeError("the disk is full")

    with pytest.raises(RuntimeError, match="the disk is full"):
        made_once(path, fails)
    assert [p.name for p in path.parent.iterdir()] == ["shared.db.lock"]

    assert made_once(path, _slow_make) is True
    assert path.read_text() == "first half, second half"
