"""A page as the extractors read it: title, metadata, links, and the visible text cut into
blocks (paragraphs, list items, table rows, headings) that know their region of the page.

Boilerplate is kept but labelled (navigation, site header, footer, sidebar); cookie banners,
scripts and styles are dropped. Facts about what a clinic offers are read from the main
region only; contact details are read everywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

import lxml.html
from lxml import etree

MAIN, NAV, HEADER, FOOTER, ASIDE = "main", "nav", "header", "footer", "aside"

_DROP_TAGS = {
    "script",
    "style",
    "noscript",
    "template",
    "svg",
    "iframe",
    "canvas",
    "select",
    "option",
    "textarea",
    "input",
    "object",
    "embed",
    "video",
    "audio",
    "map",
}
_BLOCK_TAGS = {
    "address",
    "article",
    "aside",
    "blockquote",
    "body",
    "caption",
    "dd",
    "details",
    "dialog",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "html",
    "legend",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
    "center",
}
_CELL_TAGS = {"td", "th"}
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}

_COOKIE_RE = re.compile(r"cookie|consent|gdpr|cmplz|ccpa", re.I)
_FOOTER_RE = re.compile(r"(^|[-_])(footer|foot|ftr|footbar|colophon|copyright)([-_]|$)", re.I)
_HEADER_RE = re.compile(
    r"(^|[-_])(header|masthead|topbar|top-bar|util-bar|utility-bar|navbar|hdr|announcement|"
    r"announcement-bar|topline|top-header|site-head|skip-link)([-_]|$)",
    re.I,
)
_NAV_RE = re.compile(
    r"(^|[-_])(nav|navbar|navigation|menu|mainnav|topnav|breadcrumbs?|submenu|"
    r"sub-menu|menubar|dropdown-menu)([-_]|$)",
    re.I,
)
_ASIDE_RE = re.compile(r"(^|[-_])(sidebar|widget-area)([-_]|$)", re.I)

_WS_RE = re.compile(r"[ \t\r\f\v\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_LEADER_RE = re.compile(r"(?<!\s)\s*(?:\.{3,}|…{2,}|_{3,}|·{3,})\s*")
# an e-mail address, tried only where a run of address characters starts: linear on long runs
EMAIL_RE = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]+(?:\.[\w-]+)+")
_META_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)


@dataclass
class Block:
    """A run of visible text that the page shows as one unit."""

    text: str
    tag: str
    region: str
    index: int = 0
    heading_level: int = 0  # 1..6 for headings, 0 otherwise
    headings: tuple[str, ...] = ()  # enclosing section headings, nearest last
    anc: tuple[int, ...] = ()  # serial numbers of the ancestor elements, outermost first
    links: tuple[str, ...] = ()  # absolute hrefs of the links inside the block
    link_only: bool = False  # the block is the text of one link

    @property
    def is_heading(self) -> bool:
        return self.heading_level > 0


@dataclass
class Document:
    url: str
    is_html: bool = True
    title: str = ""
    meta: dict[str, str] = field(default_factory=dict)
    body_classes: str = ""
    blocks: list[Block] = field(default_factory=list)
    tel_links: list[tuple[str, str, str]] = field(default_factory=list)  # (href, text, region)
    mailto_links: list[str] = field(default_factory=list)
    links: list[tuple[str, str, str]] = field(default_factory=list)  # (abs href, text, region)
    brand_texts: list[str] = field(default_factory=list)
    tree: object | None = None
    cache: dict = field(default_factory=dict, repr=False)

    def full_text(self) -> str:
        return "\n".join(b.text for b in self.blocks)


def clean_text(text: str) -> str:
    text = _WS_RE.sub(" ", text.replace("\u00ad", ""))
    text = _LEADER_RE.sub(" — ", text)
    lines = [line.strip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


def looks_like_html(content: str | bytes) -> bool:
    head = content[:2048]
    if isinstance(head, bytes):
        head = head.decode("latin-1")
    return bool(
        re.search(r"<(!doctype|html|head|body|div|p|meta|title|table|span|a)\b", head, re.I)
    )


def decode(content: str | bytes) -> str:
    if isinstance(content, str):
        return content
    if content.startswith(b"\xef\xbb\xbf"):
        return content[3:].decode("utf-8", "replace")
    if content[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return content.decode("utf-16", "replace")
    m = _META_CHARSET_RE.search(content[:4096])
    candidates = ["utf-8"]
    if m:
        candidates.insert(0, m.group(1).decode("ascii", "ignore").lower())
    for enc in candidates:
        try:
            return content.decode(enc)
        except (LookupError, UnicodeDecodeError):
            continue
    return content.decode("cp1252", "replace")


def parse(content: str | bytes, url: str, content_type: str = "text/html") -> Document:
    """HTML when the content type says so and the content looks like markup, else text."""
    text = decode(content)
    if "html" in (content_type or "text/html").lower() and looks_like_html(text):
        return parse_html(text, url)
    return parse_text(text, url)


# -- plain text ---------------------------------------------------------------------------

_TEXT_HEADING_RE = re.compile(r"^(?:[A-Z0-9][A-Z0-9 &/'’,.\-–—()]{2,80}|.{2,60}:)$")


def parse_text(text: str, url: str) -> Document:
    """Plain text: paragraphs are separated by blank lines; lines that wrap a sentence are
    joined, lines that stand alone (price lists, Q/A lines) stay blocks of their own."""
    doc = Document(url=url, is_html=False)
    paragraphs = re.split(r"\n\s*\n", text.replace("\r\n", "\n").replace("\r", "\n"))
    headings: list[str] = []
    index = 0
    for para in paragraphs:
        lines = [clean_text(line) for line in para.split("\n")]
        lines = [line for line in lines if line]
        merged: list[str] = []
        for line in lines:
            if merged and not re.search(r"[.:!?$\d)\]]$", merged[-1]) and line[:1].islower():
                merged[-1] += " " + line
            else:
                merged.append(line)
        for line in merged:
            level = (
                2
                if (
                    _TEXT_HEADING_RE.match(line)
                    and not re.search(r"\$\s?\d", line)
                    and len(line.split()) <= 10
                )
                else 0
            )
            block = Block(
                text=line,
                tag="h2" if level else "p",
                region=MAIN,
                index=index,
                heading_level=level,
                headings=tuple(headings[-2:]),
            )
            doc.blocks.append(block)
            index += 1
            if level:
                headings.append(line)
    if doc.blocks:
        doc.title = doc.blocks[0].text
    for m in EMAIL_RE.finditer(text):
        doc.mailto_links.append(m.group(0))
    return doc


# -- HTML ---------------------------------------------------------------------------------


def _tokens(el) -> list[str]:
    out = []
    for attr in ("class", "id"):
        value = el.get(attr)
        if value:
            out.extend(t for t in value.split() if "__" not in t)
    return out


def _region_of(el, inside_main: bool) -> str | None:
    """The boilerplate region an element starts, or None when it is ordinary content."""
    tag = el.tag
    if tag in ("html", "body", "main", "article"):
        return None
    toks = _tokens(el)
    if any(_COOKIE_RE.search(t) for t in toks) or _COOKIE_RE.search(el.get("aria-label") or ""):
        return "cookie"
    role = (el.get("role") or "").lower()
    if tag == "nav" or role in ("navigation", "menubar", "menu"):
        return NAV
    if inside_main:
        return None
    if tag == "footer" or role == "contentinfo" or any(_FOOTER_RE.search(t) for t in toks):
        return FOOTER
    if tag == "header" or role == "banner" or any(_HEADER_RE.search(t) for t in toks):
        return HEADER
    if tag == "aside" or role == "complementary" or any(_ASIDE_RE.search(t) for t in toks):
        return ASIDE
    if any(_NAV_RE.search(t) for t in toks):
        return NAV
    return None


def _holds_most_of_page(el, page_chars: int) -> bool:
    """A wrapper whose class merely mentions a menu or a header ("has-nav", "et_fixed_nav")
    is not boilerplate when it holds most of the page's text."""
    return page_chars > 0 and len(el.text_content()) > 0.5 * page_chars


class _Walker:
    def __init__(self, doc: Document):
        self.doc = doc
        self.buf: list[str] = []
        self.buf_links: list[str] = []
        self.buf_link_text: list[str] = []
        self.headings: dict[str, list[tuple[int, str]]] = {}
        self.serial = 0  # element numbers: lxml proxies have no stable id()
        self.page_chars = 0

    # text accumulation
    def add(self, text: str | None, boundary: bool = False) -> None:
        if not text:
            return
        if boundary and self.buf and self.buf[-1] and text.strip():
            prev, nxt = self.buf[-1][-1:], text.lstrip()[:1]
            if (prev.isdigit() and nxt.isalpha()) or (prev.isalpha() and nxt.isdigit()):
                self.buf.append(" ")
        self.buf.append(text)

    def flush(self, el, region: str, anc: tuple[int, ...]) -> None:
        raw = "".join(self.buf)
        self.buf = []
        links, self.buf_links = self.buf_links, []
        link_text, self.buf_link_text = " ".join(self.buf_link_text), []
        text = clean_text(raw)
        if not text or not re.search(r"\w|\$", text):
            return
        text = re.sub(r"^(\|\s*)+|(\s*\|)+$", "", text).strip()
        if not text:
            return
        tag = el.tag if isinstance(el.tag, str) else "div"
        level = _HEADINGS.get(tag, 0)
        if not level and (el.get("role") == "heading"):
            level = int(el.get("aria-level") or 3) if (el.get("aria-level") or "3").isdigit() else 3
        stack = self.headings.setdefault(region, [])
        block = Block(
            text=text,
            tag=tag,
            region=region,
            index=len(self.doc.blocks),
            heading_level=level,
            headings=tuple(h for _, h in stack[-3:]),
            anc=anc,
            links=tuple(links),
            link_only=bool(links) and clean_text(link_text) == text,
        )
        self.doc.blocks.append(block)
        if level:
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, text.replace("\n", " ")))

    def walk(self, el, region: str, inside_main: bool, anc: tuple[int, ...], container) -> None:
        tag = el.tag
        if not isinstance(tag, str):  # comments, processing instructions
            self.add(el.tail)
            return
        tag = tag.lower()
        if tag in _DROP_TAGS:
            self.add(el.tail)
            return
        new_region = _region_of(el, inside_main)
        if (
            new_region in (NAV, HEADER, FOOTER, ASIDE)
            and tag not in ("nav", "header", "footer", "aside")
            and _holds_most_of_page(el, self.page_chars)
        ):
            new_region = None
        if new_region == "cookie":
            self.add(el.tail)
            return
        if tag in ("main", "article") or (el.get("role") or "").lower() == "main":
            inside_main = True
        my_region = new_region if (new_region and region == MAIN) else region
        if tag == "br":
            self.buf.append("\n")
            self.add(el.tail)
            return
        if tag == "a":
            href = (el.get("href") or "").strip()
            text = clean_text(el.text_content())
            if href.lower().startswith("tel:"):
                self.doc.tel_links.append((href, text, my_region))
            elif href.lower().startswith("mailto:"):
                self.doc.mailto_links.append(href[7:].split("?")[0])
            elif href and not href.startswith(("#", "javascript:")):
                absolute = urljoin(self.doc.url, href)
                self.doc.links.append((absolute, text, my_region))
                self.buf_links.append(absolute)
                self.buf_link_text.append(text)
        if tag == "hr":
            c_el, c_region, c_anc = container
            self.flush(c_el, c_region, c_anc)
            self.add(el.tail)
            return
        if tag == "img":
            self.add(el.tail)
            return
        is_cell = tag in _CELL_TAGS
        is_block = tag in _BLOCK_TAGS and not (is_cell and not _has_block_child(el))
        self.serial += 1
        my_anc = anc + (self.serial,)
        if is_block:
            c_el, c_region, c_anc = container
            self.flush(c_el, c_region, c_anc)
            container = (el, my_region, my_anc)
        elif is_cell and "".join(self.buf).strip():
            self.buf.append(" | ")
        self.add(el.text, boundary=not is_block)
        for child in el:
            self.walk(child, my_region, inside_main, my_anc, container)
        if is_block:
            self.flush(el, my_region, my_anc)
        self.add(el.tail, boundary=True)


_BRAND_RE = re.compile(
    r"logo|brand|site-?title|site-?name|wordmark|header-title|navbar-brand", re.I
)


def parse_html(text: str, url: str) -> Document:
    doc = Document(url=url, is_html=True)
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    try:
        root = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        return doc
    doc.tree = root
    title = root.find(".//title")
    if title is not None:
        doc.title = clean_text(title.text_content()).replace("\n", " ")
    for meta in root.iter("meta"):
        key = (meta.get("property") or meta.get("name") or "").strip().lower()
        if key and meta.get("content") is not None and key not in doc.meta:
            doc.meta[key] = clean_text(meta.get("content")).replace("\n", " ")
    for link in root.iter("link"):
        if (link.get("rel") or "").lower() == "canonical" and link.get("href"):
            doc.meta.setdefault("canonical", urljoin(url, link.get("href")))
    body = root.find("body")
    if body is None:
        body = root
    doc.body_classes = body.get("class") or ""
    for el in body.iter():
        if not isinstance(el.tag, str):
            continue
        toks = " ".join(_tokens(el))
        if toks and _BRAND_RE.search(toks) and not _COOKIE_RE.search(toks):
            value = clean_text(el.text_content()).replace("\n", " ")
            if not value:
                img = el if el.tag == "img" else el.find(".//img")
                value = (img.get("alt") or "").strip() if img is not None else ""
            if value and len(value.split()) <= 8:
                doc.brand_texts.append(value)
    walker = _Walker(doc)
    walker.page_chars = len(body.text_content())
    walker.walk(body, MAIN, False, (), (body, MAIN, ()))
    walker.flush(body, MAIN, ())
    return doc


def _has_block_child(el) -> bool:
    for child in el.iterdescendants():
        if isinstance(child.tag, str) and child.tag in _BLOCK_TAGS:
            return True
    return False
