"""Who publishes the page: the clinic's (or directory's, or publisher's) name and website."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from katdir.normalize import site_root

from .document import HEADER, NAV, Document
from .structured import Structured, text_value

_TITLE_SEP_RE = re.compile(r"(?<!\s)\s+(?:\||-|–|—|·|::|»|~|:)\s+")
_BRANDISH_RE = re.compile(
    r"\b(clinic|clinics|center|centre|centers|institute|wellness|health|psychiatry|partners|collective|"
    r"therapy|ketamine|care|group|medical|medicine|associates|practice|infusions?|mind|guide|map|"
    r"directory|news|journal|money)\b",
    re.I,
)
_GENERIC_PART_RE = re.compile(
    r"^(home|homepage|welcome|about( us)?|contact( us)?|faq|pricing|fees|rates|blog|services|our team|"
    r"locations|offices|menu & prices|questions|clinicians)$",
    re.I,
)
_LOCATION_PART_RE = re.compile(r",\s*[A-Z]{2}\b|\b(near me|in [A-Z][a-z]+)\b")
_HOME_PATH_RE = re.compile(r"^/?(?:(?:index|home|default)(?:\.\w+)?)?$", re.I)
_LEGAL_RE = re.compile(r",?(?<!\s)\s+\b(llc|pllc|inc\.?|p\.?c\.?|pc|ltd\.?|corp\.?|co\.)$", re.I)


def _norm(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", s.lower()).strip()


def clean_name(name: str | None) -> str | None:
    if not name:
        return None
    name = re.sub(r"\s+", " ", name).strip(" |-–—·,")
    name = _LEGAL_RE.sub("", name).strip()
    if name.isupper() and len(name) > 4:
        name = name.title().replace("'S ", "'s ")
    return name or None


def _common_prefix_name(names: list[str]) -> str | None:
    words = [n.split() for n in names]
    prefix = []
    for tokens in zip(*words):
        if len(set(t.lower() for t in tokens)) != 1:
            break
        prefix.append(tokens[0])
    out = " ".join(prefix).strip(" -–—|,")
    return out if len(out.split()) >= 2 else None


def page_name(doc: Document, data: Structured, page_type: str) -> str | None:
    site_name = doc.meta.get("og:site_name")
    if page_type != "directory":
        clinics = data.top_clinics() or data.clinics()
        names = [e.name for e in clinics if e.name]
        if len(set(names)) > 1:
            common = _common_prefix_name(names)
            if common:
                return clean_name(common)
        if names:
            return clean_name(names[0])
    if page_type in ("article", "other"):
        for article in data.articles():
            publisher = article.data.get("publisher")
            name = text_value(publisher) if isinstance(publisher, (dict, list)) else None
            if name:
                return clean_name(name)
        orgs = [e.name for e in data.orgs() if e.name]
        if orgs:
            return clean_name(orgs[0])
    if site_name:
        return clean_name(site_name)
    if page_type not in ("article", "other"):
        orgs = [e.name for e in data.orgs() if e.name]
        if orgs:
            return clean_name(orgs[0])
    website = data.website_name()
    if website:
        return clean_name(website)
    return clean_name(_from_title(doc))


def _from_title(doc: Document) -> str | None:
    title = doc.title or ""
    if not doc.is_html:
        first = title.split("\n")[0]
        part = _TITLE_SEP_RE.split(first)[0]
        part = re.split(r"\s+[-–—:]\s+|:\s", part)[0]
        return part.strip() or None
    parts = [p.strip() for p in _TITLE_SEP_RE.split(title) if p.strip()]
    if not parts:
        return doc.brand_texts[0] if doc.brand_texts else None
    text = _norm(doc.full_text())
    brands = [_norm(b) for b in doc.brand_texts]
    # a title part that is a menu label of an inner page ("Services & Fees") names the page
    menu_pages = {
        _norm(label)
        for href, label, region in doc.links
        if region in (NAV, HEADER) and not _HOME_PATH_RE.match(urlsplit(href).path)
    }

    def score(i_part):
        i, part = i_part
        n = _norm(part)
        s = 0.0
        if any(
            n and (n == b or (len(b) > 3 and b in n) or (len(n) > 3 and n in b)) for b in brands
        ):
            s += 3
        occurrences = text.count(n) if n else 0
        s += min(occurrences, 3)
        if _BRANDISH_RE.search(part):
            s += 1
        if _GENERIC_PART_RE.match(part) or n in menu_pages:
            s -= 5
        if _LOCATION_PART_RE.search(part) or "?" in part:
            s -= 2
        if len(part.split()) > 7:
            s -= 2
        s -= 0.1 * i if len(parts) > 2 else 0
        return s

    best = max(enumerate(parts), key=score)[1]
    return best


def website(doc: Document, data: Structured) -> str | None:
    for entity in data.top_clinics() + data.orgs():
        url = text_value(entity.data.get("url"))
        if url and url.startswith("http"):
            return site_root(url)
    return site_root(doc.meta.get("og:url") or doc.meta.get("canonical") or doc.url)
