"""The page's main content, as trafilatura sees it, laid over the document's own blocks.

``document.parse_html`` labels boilerplate it can name from the markup (``<nav>``, footers,
headers, sidebars, cookie banners). Many sites mark nothing: their menus, "related posts",
newsletter boxes and footers are plain ``<div>``s and read as main content, so an offer in a
menu or a price in a teaser would count as the clinic's. trafilatura decides from the text
and the link density which part of a page is its content. Its output is used only as a mask:
a main-region block whose text trafilatura does not keep becomes ``BOILERPLATE``. The blocks
themselves, with their tables, lists and headings, stay the document's, so price tables keep
their rows and cells.

When trafilatura finds no content (a short page, a page of link lists) or keeps too little of
what the markup calls main, the markup's labels stand as they are.
"""

from __future__ import annotations

import logging
import re

import trafilatura

from .document import MAIN, Document

BOILERPLATE = "boilerplate"
# trafilatura's output below this many characters (letters and digits) is no judgement
MIN_CONTENT_CHARS = 120
# nor is one that keeps less than this share of the main region's blocks
MIN_KEPT_SHARE = 0.2
# the content container holds at least this share of the text trafilatura keeps
CONTAINER_SHARE = 0.9
# lines just before the container that stay content (an article's heading, byline and date)
TITLE_LINES = 3

_NON_WORD_RE = re.compile(r"[\W_]+")

# trafilatura logs every page it cannot read at WARNING; the crawler reports its own outcome
logging.getLogger("trafilatura").setLevel(logging.ERROR)


def _key(text: str) -> str:
    """Text reduced to lower-case letters and digits, so that the separators trafilatura and
    the document's walker put between cells, list items and lines do not matter."""
    return _NON_WORD_RE.sub("", text.lower())


def content_text(html: str, url: str | None = None) -> str | None:
    """The main content of a page as plain text (tables and lists kept), or None."""
    try:
        return trafilatura.extract(
            html,
            url=url,
            output_format="txt",
            include_tables=True,
            include_comments=False,
            include_links=False,
            include_images=False,
            favor_recall=True,
            fast=True,
            deduplicate=False,
            with_metadata=False,
        )
    except Exception:  # noqa: BLE001 — trafilatura on a page it cannot read: the markup's labels stand
        return None


def mark_boilerplate(doc: Document, html: str) -> int:
    """Relabel main-region blocks outside trafilatura's content container as ``BOILERPLATE``;
    returns how many were relabelled (0 when trafilatura's judgement is not used).

    The container is the innermost element that holds nearly all of the text trafilatura
    keeps. Everything the document reads inside it stays content, whatever trafilatura
    dropped there (a grid of prices in ``<div>``s, a short line between two paragraphs), so
    the page keeps its own structure; blocks after it (related posts, comment forms,
    unlabelled footers) and menus before it are boilerplate. The page's title heading and
    the lines without links next to it (byline, date) stay: they say what the page is.
    """
    main = [b for b in doc.blocks if b.region == MAIN]
    if not main:
        return 0
    content = _key(content_text(html, doc.url) or "")
    if len(content) < MIN_CONTENT_CHARS:
        return 0
    kept_chars: dict[int, int] = {}
    total = 0
    for block in main:
        key = _key(block.text)
        if key and key in content:
            total += len(key)
            for serial in block.anc:
                kept_chars[serial] = kept_chars.get(serial, 0) + len(key)
    if total < MIN_KEPT_SHARE * len(content):
        return 0
    # the innermost element (the longest ancestor chain) holding nearly all the kept text
    container = None
    depth = -1
    for block in main:
        for level, serial in enumerate(block.anc):
            if kept_chars.get(serial, 0) >= CONTAINER_SHARE * total and level > depth:
                container, depth = serial, level
    if container is None:
        return 0
    inside = [container in b.anc for b in main]
    first = inside.index(True)
    outside = []
    for i, block in enumerate(main):
        if inside[i]:
            continue
        if i < first and not block.links and (block.heading_level == 1 or first - i <= TITLE_LINES):
            continue
        outside.append(block)
    for block in outside:
        block.region = BOILERPLATE
    doc.cache.clear()
    return len(outside)
