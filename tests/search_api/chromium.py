"""Debian's Chromium as the page tests drive it (Playwright, no browser download), with the
crawler's launch flags (crawler.browser: sandbox off as root, none of the vendor's hosts)."""

from crawler.browser import CHROMIUM_ARGS

CHROMIUM = "/usr/bin/chromium"

__all__ = ["CHROMIUM", "CHROMIUM_ARGS"]
