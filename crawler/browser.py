"""Pages that show their content only in a browser (single-page apps, site builders that
render with JavaScript): found by their empty or script-only body, and fetched once more
through scrapy-playwright with Debian's Chromium.

Never for every page: only for such pages, at most ``KATDIR_BROWSER_MAX_PAGES`` per crawl,
each within ``KATDIR_BROWSER_TIMEOUT`` seconds. In the browser, images, fonts, media and
style sheets are not loaded (the text is what we read), nor anything the crawler's SSRF
rules would refuse (``abort_request``).
"""

from __future__ import annotations

import shutil
from typing import Any

from scrapy.http import TextResponse

from crawler.net import url_block_reason

# Without these, Chromium runs as root only without its sandbox, and keeps reaching for
# its vendor's hosts (updates, sync, field trials), which a crawler has no business with.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--mute-audio",
]
SKIPPED_RESOURCES = frozenset(
    {"image", "media", "font", "stylesheet", "manifest", "texttrack", "websocket", "eventsource"}
)
RENDERED = "katdir_rendered"
# a body with less visible text than this, and scripts, is a page that renders in the browser
MIN_TEXT_CHARS = 80
_VISIBLE_TEXT = (
    "//body//text()[not(ancestor::script or ancestor::style or ancestor::noscript "
    "or ancestor::template)]"
)


def usable_browser(path: str | None) -> str:
    """The browser's path when it is installed, else "" (pages that need a browser are then
    read as they come, and counted as ``katdir/browser/unavailable``)."""
    return path if path and shutil.which(path) else ""


def needs_browser(response: TextResponse) -> bool:
    """An HTML page whose body shows (next to) nothing without running its scripts."""
    if response.meta.get(RENDERED) or not response.xpath("//script"):
        return False
    text = "".join(response.xpath(_VISIBLE_TEXT).getall())
    return len("".join(text.split())) < MIN_TEXT_CHARS


def render_meta(timeout_s: float) -> dict[str, Any]:
    """The request meta that has scrapy-playwright fetch a page in Chromium and wait until
    its scripts have settled."""
    return {
        "playwright": True,
        RENDERED: True,
        "playwright_page_goto_kwargs": {"wait_until": "networkidle", "timeout": timeout_s * 1000},
        "download_timeout": timeout_s + 5,
    }


def abort_request(request: Any) -> bool:
    """scrapy-playwright's PLAYWRIGHT_ABORT_REQUEST: no heavy resources, nothing the SSRF
    rules refuse before resolving a name (schemes, localhost, private addresses)."""
    return request.resource_type in SKIPPED_RESOURCES or url_block_reason(request.url) is not None


def abort_request_local(request: Any) -> bool:
    """The same for a web served on this machine (the tests' and the demo's)."""
    return request.resource_type in SKIPPED_RESOURCES or not request.url.startswith(
        ("http://", "https://")
    )
