"""Extraction off the crawler's event loop, each page under a time and a size budget.

The pure extractor is CPU work, and a page can make it slow: a run of digits that a regex
backtracks over, a 5 MB page. In the reactor's thread that would stop every site's
downloads meanwhile; in a thread (``deferToThread``) it would too, because Python's regex
engine holds the GIL for a whole match, and a thread cannot be stopped. So pages are
extracted in worker processes (a pebble ``ProcessPool``): the reactor awaits a future, a
page over its time budget has its worker killed and replaced, and only that page is lost.
HTML is cut at ``KATDIR_EXTRACT_MAX_CHARS`` before it is sent: facts of clinic pages are near
their top, and the cut bounds both the copy to the worker and the work done there.

``KATDIR_EXTRACT_WORKERS = 0`` extracts in the calling thread instead (no time budget), for
a debugger or a machine without process support.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, Callable

from pebble import ProcessExpired, ProcessPool
from scrapy.utils.misc import load_object

from crawler.lifetime import die_with_parent

logger = logging.getLogger(__name__)

_extract: Callable[..., dict] | None = None


class ExtractionFailed(Exception):
    """The page could not be extracted within its budget; ``kind`` says why."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind


def _init_worker(extractor: str, parent: int) -> None:
    global _extract
    die_with_parent()
    if os.getppid() != parent:  # the crawl died before the request above took effect
        os._exit(0)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the crawl's to handle
    _extract = load_object(extractor)


def _ready() -> bool:
    return True


def _run(text: str, url: str, content_type: str) -> dict:
    assert _extract is not None
    return _extract(text, url, content_type=content_type)


def cut(text: str, max_chars: int) -> str:
    """The first ``max_chars`` characters of a page (all of it when ``max_chars`` is 0)."""
    return text[:max_chars] if max_chars and len(text) > max_chars else text


class Extraction:
    """The crawl's extraction service: ``await extraction.page(text, url, content_type)``."""

    def __init__(
        self, extractor: str, *, workers: int = 2, timeout: float = 15.0, max_chars: int = 1_000_000
    ):
        self.extractor = extractor
        self.timeout = timeout
        self.max_chars = max_chars
        self.pool: ProcessPool | None = None
        # imported here, so that forked workers start with it (in milliseconds, where a
        # fresh interpreter takes seconds to import the extractors and their libraries)
        self.inline = load_object(extractor)
        if workers > 0:
            self.pool = ProcessPool(
                max_workers=workers,
                initializer=_init_worker,
                initargs=(extractor, os.getpid()),
                context=multiprocessing.get_context("fork"),
            )
            self.pool.schedule(_ready)  # start the workers now, before the first page arrives

    @classmethod
    def from_settings(cls, settings: Any) -> Extraction:
        return cls(
            settings.get("KATDIR_EXTRACTOR"),
            workers=settings.getint("KATDIR_EXTRACT_WORKERS", 2),
            timeout=settings.getfloat("KATDIR_EXTRACT_TIMEOUT", 15.0),
            max_chars=settings.getint("KATDIR_EXTRACT_MAX_CHARS", 1_000_000),
        )

    async def page(self, text: str, url: str, content_type: str) -> dict:
        """The facts of one page; raises ``ExtractionFailed`` (kind ``timeout``, ``crashed``
        or ``error``) when they cannot be had within the budget."""
        text = cut(text, self.max_chars)
        if self.pool is None:
            return self.inline(text, url, content_type=content_type)
        future = self.pool.schedule(_run, args=(text, url, content_type), timeout=self.timeout)
        try:
            return await asyncio.wrap_future(future)
        except FutureTimeout:
            raise ExtractionFailed("timeout", f"over {self.timeout:g} s") from None
        except ProcessExpired as exc:  # killed from outside, out of memory
            raise ExtractionFailed("crashed", str(exc)) from None
        except Exception as exc:
            raise ExtractionFailed("error", f"{type(exc).__name__}: {exc}") from exc

    def close(self) -> None:
        if self.pool is not None:
            self.pool.stop()
            self.pool.join(timeout=5)
            self.pool = None
