"""scrapy-playwright's download handler, started at the first page that needs a browser.

The stock handler starts Playwright (a Node.js driver process) when the engine starts, on
every crawl; most crawls meet no JavaScript-only page and should not pay for it.
"""

from __future__ import annotations

import asyncio
from typing import Any

from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler


class LazyPlaywrightDownloadHandler(ScrapyPlaywrightDownloadHandler):
    async def _maybe_launch_in_thread(self) -> None:  # on engine_started: not yet
        return None

    async def _download_request(self, request: Any, spider: Any = None) -> Any:
        if not hasattr(self, "browser_provider"):
            lock = self.__dict__.setdefault("_katdir_launch_lock", asyncio.Lock())
            async with lock:
                if not hasattr(self, "browser_provider"):
                    await self._launch()
        return await super()._download_request(request, spider)
