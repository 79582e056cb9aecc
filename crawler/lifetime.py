"""A crawl's processes live no longer than the program that started them.

``katdir crawl`` (or any caller of ``crawler.run.crawl``) starts the crawl in a child process
of its own process group; the child starts a forkserver and extraction workers in that group.
Three rules keep none of them running alone:

- the child asks Linux to kill it when its parent exits, however the parent ends (even by
  ``kill -9``), and the extraction workers ask the same of theirs (``die_with_parent``);
- signals the parent is sent (SIGTERM, SIGHUP, and Ctrl-C, which the terminal no longer
  delivers to the child's group) are forwarded to the whole group (``forward_signals``);
- a parent that gives up on the child (a timeout, its own shutdown) stops the whole group:
  SIGINT first, so Scrapy finishes gracefully, then SIGKILL (``stop_group``).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import threading
from collections.abc import Iterator

_PR_SET_PDEATHSIG = 1
PARENT_ENV = "_KATDIR_CRAWL_PARENT"  # internal: outside the KATDIR_ settings namespace
FORWARDED = (signal.SIGTERM, signal.SIGHUP)


class Stopped(SystemExit):
    """The parent was told to stop by a signal (forwarded to the crawl first)."""


def die_with_parent(sig: int = signal.SIGKILL) -> None:
    """Ask Linux to send ``sig`` to this process when its parent exits (``PR_SET_PDEATHSIG``).
    A no-op where there is no such call."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(
            ctypes.c_int(_PR_SET_PDEATHSIG),
            ctypes.c_ulong(int(sig)),
            ctypes.c_ulong(0),
            ctypes.c_ulong(0),
            ctypes.c_ulong(0),
        )
    except (OSError, AttributeError):
        return


def child_of_crawl_parent() -> bool:
    """In the crawl child: die with the parent named in the environment. False when that
    parent is already gone (it died before the request above took effect)."""
    parent = os.environ.get(PARENT_ENV)
    if not parent:
        return True
    die_with_parent()
    return os.getppid() == int(parent)


def signal_group(process: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)


@contextlib.contextmanager
def forward_signals(process: subprocess.Popen) -> Iterator[None]:
    """While the child runs: SIGTERM and SIGHUP sent to this process go to the child's group,
    then stop this process too (``Stopped``). Only the main thread can install handlers;
    elsewhere the child still dies with this process."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def forward(signum: int, _frame: object) -> None:
        signal_group(process, signum)
        raise Stopped(128 + signum)

    previous = {sig: signal.signal(sig, forward) for sig in FORWARDED}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def stop_group(process: subprocess.Popen, grace: float = 30.0) -> None:
    """Stop the child's group: SIGINT (Scrapy shuts down gracefully), SIGKILL after ``grace``."""
    signal_group(process, signal.SIGINT)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pass
    signal_group(process, signal.SIGKILL)  # the child, and any worker it left behind
    process.wait()
