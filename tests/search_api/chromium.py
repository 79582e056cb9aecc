"""Debian's Chromium as the page tests drive it (Playwright, no browser download)."""

CHROMIUM = "/usr/bin/chromium"
# Without these, Chromium keeps reaching for Google's hosts, which this network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
