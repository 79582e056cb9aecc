"""What kind of page this is: a clinic's own page, a directory of clinics, an article (blog
post, cost guide, news), or something else. Facts read from articles and directories are
never a clinic's facts."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from .document import MAIN, Document
from .structured import ARTICLE_TYPES, Structured

_ARTICLE_PATH_RE = re.compile(r"/(blog|blogs|news|article|articles|post|posts|guides?|insights|journal|"
                              r"stories|learn|resources|magazine|press)(/|$)|/(19|20)\d\d/(\d\d/)?", re.I)
_POST_CLASS_RE = re.compile(r"\b(single-post|post-template|type-post|single-format|blog-post|et_pb_post|"
                            r"post-type-post|article-template)\b", re.I)
_MONTHS = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DATE_RE = re.compile(rf"\b{_MONTHS}\s+\d{{1,2}},?\s+(?:19|20)\d\d\b|\b\d{{1,2}}/\d{{1,2}}/(?:19|20)?\d\d\b|"
                      rf"\b(?:19|20)\d\d-\d\d-\d\d\b|\b\d{{1,2}}\s+{_MONTHS}\s+(?:19|20)\d\d\b", re.I)
_BYLINE_RE = re.compile(r"^(?:by|written by|posted by|author:?)\s+[A-Z]|\b(?:posted|published|updated|"
                        r"last (?:reviewed|updated)|reviewed)\b|\bmin(?:ute)? read\b|\bmedically reviewed by\b", re.I)
_ARTICLE_TAIL_RE = re.compile(r"\b(related posts|related articles|leave a (?:reply|comment)|share this|"
                              r"comments|read more|tags?:|categories:|about the author|newsletter)\b", re.I)
_DIRECTORY_RE = re.compile(
    r"\b(directory|listings?|listed|find a (?:ketamine )?(?:clinic|provider|doctor)|providers? near|"
    r"clinics? near you|claim (?:your|this) (?:listing|profile)|add your (?:clinic|practice|listing)|"
    r"update your profile|view profile|sponsored|verified providers?|sort by|showing \d+|"
    r"\d[\d,]* (?:providers|clinics|listings|results)|for providers|compare (?:ketamine )?(?:prices|clinics)|"
    r"request removal|browse)\b", re.I)
_OTHER_TITLE_RE = re.compile(r"\b(privacy policy|terms of (?:use|service)|cookie policy|careers|jobs|"
                             r"page not found|404|accessibility statement|notice of privacy practices|sitemap)\b", re.I)
_KETAMINE_RE = re.compile(r"\b(ketamine|esketamine|spravato|infusion|kap|psychiatr\w*|clinic|therapy)\b", re.I)
_OFFER_RE = re.compile(r"\b(we (?:offer|provide|treat|accept|help|are|give|use|see|bill)|our (?:clinic|office|team|"
                       r"patients|staff|providers|physicians|nurses|therapists|practice|infusions|prices|fees)|"
                       r"book (?:a|an|your)|schedule (?:a|an|your)|call us|contact us|request an appointment|"
                       r"new patients)\b", re.I)


def classify(doc: Document, data: Structured, *, entries: int = 0, own_prices: int = 0,
             external_hosts: int = 0) -> str:
    text_all = doc.full_text()
    main = [b for b in doc.blocks if b.region == MAIN]
    # articles
    article = 0
    if data.has_type(ARTICLE_TYPES):
        article += 3
    if doc.meta.get("og:type", "").lower() == "article":
        article += 1
    if doc.meta.get("article:published_time"):
        article += 2
    if _POST_CLASS_RE.search(doc.body_classes):
        article += 2
    elif doc.tree is not None and doc.tree.xpath("//article[contains(concat(' ', @class, ' '), ' type-post ')]"):
        article += 2
    if _ARTICLE_PATH_RE.search(urlsplit(doc.url).path):
        article += 2
    for b in main[:12]:
        if len(b.text) < 160 and _BYLINE_RE.search(b.text) and (_DATE_RE.search(b.text) or b.text.lower().startswith("by ")):
            article += 2
            break
    if _ARTICLE_TAIL_RE.search(text_all):
        article += 1
    # directories
    directory = 0
    if any(e.listed for e in data.entities) and len(data.listed()) >= 2:
        directory += 3
    if data.has_type({"collectionpage", "searchresultspage"}):
        directory += 2
    vocab = {m.group(0).lower() for m in _DIRECTORY_RE.finditer(text_all)}
    directory += min(len(vocab), 3)
    if entries >= 3:
        directory += 3
    elif entries == 2:
        directory += 1
    if external_hosts >= 3:
        directory += 2
    # the clinic's own voice
    clinic = 0
    if data.top_clinics():
        clinic += 3
    own = sum(1 for b in main if _OFFER_RE.search(b.text))
    clinic += min(own, 3)
    if own_prices:
        clinic += 1
    if directory >= 5 and directory >= clinic:
        return "directory"
    if article >= 3 and article >= clinic - 1:
        return "article"
    if _OTHER_TITLE_RE.search(doc.title or "") and not own_prices:
        return "other"
    if not _KETAMINE_RE.search(text_all + " " + (doc.title or "")):
        return "other"
    return "clinic"
