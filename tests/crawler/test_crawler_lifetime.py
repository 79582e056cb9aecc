"""A crawl's processes die with the program that started them (issue 11, item 2): killing
`katdir crawl`, even with SIGKILL, leaves no crawl child or extraction worker running."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.run import PROJECT_ROOT

PARENT = """
import sys
from crawler.run import LOCAL_WEB_SETTINGS, crawl
crawl([sys.argv[1]], sys.argv[2], progress=False, settings_overrides={
    **LOCAL_WEB_SETTINGS, "DOWNLOAD_TIMEOUT": 300, "RETRY_ENABLED": False})
"""


def _processes() -> dict[int, tuple[int, int]]:
    """pid → (parent pid, process group) of every process on the machine."""
    out = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        out[int(entry.name)] = (int(fields[1]), int(fields[2]))
    return out


def _wait_for(condition, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    return condition()


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A site on 127.0.0.1 that accepts connections and never answers: the crawl waits."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(64)
        yield f"http://127.0.0.1:{server.getsockname()[1]}/"


@pytest.fixture
def running_crawl(silent_server, tmp_path) -> Iterator[tuple[subprocess.Popen, int]]:
    """A parent process running crawl(), and the process group of its crawl child."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, silent_server, str(tmp_path / "out.jsonl")], env=env
    )
    child = _wait_for(
        lambda: next((pid for pid, (ppid, _) in _processes().items() if ppid == parent.pid), None)
    )
    assert child, "the crawl child did not start"
    # the child leads its own group, and has started its extraction workers in it
    assert _wait_for(lambda: len([p for p, (_, g) in _processes().items() if g == child]) >= 3)
    yield parent, child
    for pid, (_, group) in _processes().items():  # never leave anything behind, whatever failed
        if group == child:
            os.kill(pid, signal.SIGKILL)
    parent.kill()
    parent.wait()


def _group_gone(group: int) -> bool:
    return not [pid for pid, (_, g) in _processes().items() if g == group]


def test_killing_the_parent_kills_the_crawl_and_its_workers(running_crawl):
    parent, group = running_crawl
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    assert _wait_for(lambda: _group_gone(group), timeout=20), (
        "crawl processes outlived their parent"
    )


def test_sigterm_to_the_parent_is_forwarded_to_the_crawl(running_crawl):
    parent, group = running_crawl
    parent.send_signal(signal.SIGTERM)
    assert parent.wait(timeout=60) == 128 + signal.SIGTERM
    assert _wait_for(lambda: _group_gone(group), timeout=20)
