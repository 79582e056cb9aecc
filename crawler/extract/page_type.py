"""What kind of page this is: a clinic's own page, a directory of clinics, an article (blog
post, cost guide, news), or something else. Facts read from articles and directories are
never a clinic's facts."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from .document import MAIN, Document
from .structured import ARTICLE_TYPES, Structured

_ARTICLE_PATH_RE = re.compile(
    r"/(?:blogs?|news|newsroom|articles?|posts?|stor(?:y|ies)|guides?|insights|journal|learn|resources|"
    r"magazine|press|press-releases?|category|tag|amp|p|(?:health|addiction|drug|medication)-information|"
    r"education|library|wiki|opinion|features?)(?:/|$)|/(?:19|20)\d\d/(?:\d\d?/)?", re.I)
_ARTICLE_QUERY_RE = re.compile(r"(?:^|&)(?:tag|cat|category|author|s)=", re.I)
# publishers, not providers: news and newsletter hosts
_PUBLISHER_HOST_RE = re.compile(
    r"(?:^|[.-])(?:news|feeds|blogspot|substack|medium|wordpress)(?:[.-]|$)|\.news$|"
    r"(?:times|post|tribune|herald|gazette|chronicles?|journal|magazine|daily|weekly|insights|"
    r"newsletter|report|today|wiki\w*)(?:[.-]|\.\w+$)|"
    # health publishers, insurers and manufacturers: they write about treatment, they do not give it
    r"healthline|webmd|verywell|medicalnewstoday|psycom|goodrx|forbes|nytimes|npr\.org|bbc\.|cnn\.|"
    r"theguardian|wikipedia|bcbs|bluecross|blueshield|aetna|cigna|uhc\.|unitedhealthcare|humana|optum|"
    r"janssen|carepath|prnewswire|businesswire|globenewswire|accesswire|einpresswire|newswire", re.I)
# "SAN DIEGO (AP) — ", "LONDON — ": a news dateline opening a paragraph
_DATELINE_RE = re.compile(r"^[A-Z][A-Z.'’-]+(?: [A-Z][A-Z.'’-]+){0,3},?(?: [A-Z][a-z]{1,5}\.?)?(?: \([A-Za-z ]{2,20}\))?"
                          r" [—–-]{1,2} \S")
# a patient's or writer's own story: "I", "my", with no practice of their own
_FIRST_PERSON_RE = re.compile(r"\b(?:I|I['’]m|I['’]ve|me|my)\b")
_OWN_PRACTICE_RE = re.compile(r"\bI (?:offer|provide|work with|see|practice|specialize|treat|am a (?:licensed|board))\b|"
                              r"\bmy (?:practice|clients|patients|office)\b", re.I)
_POST_CLASS_RE = re.compile(r"\b(single-post|post-template|type-post|single-format|blog-post|et_pb_post|"
                            r"post-type-post|article-template)\b", re.I)
_MONTHS = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DATE_RE = re.compile(rf"\b{_MONTHS}\s+\d{{1,2}},?\s+(?:19|20)\d\d\b|\b\d{{1,2}}/\d{{1,2}}/(?:19|20)?\d\d\b|"
                      rf"\b(?:19|20)\d\d-\d\d-\d\d\b|\b\d{{1,2}}\s+{_MONTHS}\s+(?:19|20)\d\d\b", re.I)
_BYLINE_RE = re.compile(r"^(?:by|written by|posted by|author:?)\s+[A-Z]|\b(?:posted|published|updated|"
                        r"last (?:reviewed|updated)|reviewed)\b|\bmin(?:ute)? read\b|\bmedically reviewed by\b", re.I)
# a byline, a credit or a reading time standing on its own line (plain text keeps no markup)
_BYLINE_LINE_RE = re.compile(
    r"^(?:written by|posted by|published by|author|by|words by|reviewed by|medically reviewed by)\b(?:\s*[:\-]?\s*\S.*)?$|"
    r"^\d{1,2}\s+min(?:ute)?s?(?: read)?$|^(?:illustration|photo|photograph|image)(?: credit)?\s*(?:by|:)", re.I)
_ARTICLE_TAIL_RE = re.compile(r"\b(related posts|related articles|leave a (?:reply|comment)|share this|"
                              r"comments|read more|tags?:|categories:|about the author|newsletter)\b", re.I)
# what only a writer about ketamine says: reporting, guides, market figures, insurers' policies
_REPORTING_RE = re.compile(
    r"(?:,|\.)[\"”’']?\s+(?:[A-Z][a-z]+\s+){0,3}(?:said|says|told|explained|added|wrote)\b|"
    r"\b(?:said|told)\s+(?:[A-Z][a-z]+|the|a|an)\b|"
    r"\b(?:press release|reporters?|newsletter|subscribe|editor'?s note|for immediate release|media contacts?|"
    r"(?:today )?announced(?: today)?|/PRNewswire/|newswire)\b", re.I)
_ACCORDING_RE = re.compile(r"\baccording to\b", re.I)
_WRITER_RE = re.compile(r"\b(?:this|the following) (?:guide|article|post|blog post|report|story)\b|"
                        r"\bin this (?:guide|article|post)\b", re.I)
_MARKET_TEXT_RE = re.compile(
    r"\b(?:on average|average (?:cost|price|prices|costs|fee|session)|national(?:ly)? (?:range|average)|"
    r"(?:clinics|providers|doctors|practices) (?:typically |usually |often |generally )?charge|"
    r"(?:most|many|some) (?:ketamine )?(?:clinics|providers|practices)|in the (?:US|U\.S\.|United States)|"
    r"(?:prices?|costs?) (?:vary|varies|range)|(?:cost|price)s? (?:can|may) (?:vary|range|run)|can run|"
    r"costs? (?:anywhere )?between|out[- ]of[- ]pocket|price tags?)\b", re.I)
_POLICY_RE = re.compile(
    r"\b(?:medical|coverage|clinical|reimbursement) polic(?:y|ies)\b|\bCPT\b|\bHCPCS\b|\bplan members?\b|"
    r"\bbenefits? scheme\b|\bsavings program\b|\bhealth ?care (?:professionals?|providers?) (?:only|site)\b|"
    r"\bfor (?:health ?care professionals|HCPs?)\b|\bprescribing information\b|\bmedically necessary\b", re.I)
_GUIDE_TITLE_RE = re.compile(
    r"^(?:.{0,60}\b(?:vs\.?|versus)\s.{0,60}$|how much (?:does|do|is|are|will)\b.*\bcosts?\b|.*\b(?:costs?|prices?|pricing)\b.*(?:guide|explained|\?)$|"
    r"\d+\s+(?:\w+\s+)?(?:facts|things|ways|reasons|tips|questions|signs|myths)\b|"
    r"(?:what you need to know|everything you need to know)\b)", re.I)
# a list of providers in its title: "Best ketamine clinics", "Ketamine Clinics in the UK"
_BEST_LIST_RE = re.compile(r"\b(?i:best|top)\s+(?:\d+\s+)?(?:\w+\s+){0,3}?(?i:clinics|providers|centers|centres|programs)\b|"
                           r"\b(?i:ketamine|spravato|infusion|esketamine)\s+(?i:clinics|providers|centers|centres)\s+"
                           r"(?:(?i:in|near|across|around|of)\s+(?:the\s+)?)?[A-Z]")
# "1. Hill Country Infusions — ...": a numbered entry led by a name
_NUMBERED_ENTRY_RE = re.compile(r"^\d{1,2}[.)]\s+(?:[A-Z][\w&'’.-]*\s+){1,5}(?:[—–:-]|\(|$)")
_LIST_HOST_RE = re.compile(r"(?:^|[.-])(?:finder|locator|directory|listings)(?:[.-]|$)|(?:best|top|find|directory|finder|near|locator|compare)\w*(?:clinics|providers|doctors|centers)|"
                           r"(?:clinics|providers)(?:directory|finder|near|list|locator)", re.I)
# organisations that inform, fund or insure but do not treat
_NON_PROVIDER_HOST_RE = re.compile(r"foundation|association|advocacy|society|coalition|alliance|\.gov$|\.gov\.\w\w$",
                                   re.I)
_DIRECTORY_RE = re.compile(
    r"\b(directory|listings?|listed|find a (?:ketamine )?(?:clinic|provider|doctor)|providers? near|"
    r"clinics? near you|claim (?:your|this) (?:listing|profile)|add your (?:clinic|practice|listing)|"
    r"update your profile|view profile|sponsored|verified providers?|sort by|showing \d+|"
    # bounded digits and one start per run of digits: linear on "1,1,1,..."
    r"(?<![\d,])\d{1,3}(?:,\d{3}){0,3} (?:providers|clinics|listings|results)|for providers|"
    r"compare (?:ketamine )?(?:prices|clinics)|request removal|browse)\b", re.I)
_OTHER_TITLE_RE = re.compile(r"\b(privacy policy|terms of (?:use|service)|cookie policy|careers|jobs|"
                             r"page not found|404|accessibility statement|notice of privacy practices|sitemap)\b", re.I)
_KETAMINE_RE = re.compile(r"\b(ketamine|esketamine|spravato|infusion|kap|psychiatr\w*|clinic|therapy)\b", re.I)
_OFFER_RE = re.compile(r"\b(we (?:offer|provide|treat|accept|help|give|use|see|bill)|our (?:clinic|office|team|"
                       r"patients|staff|providers|physicians|nurses|therapists|practice|infusions|prices|fees)|"
                       r"book (?:a|an|your)|schedule (?:a|an|your)|call us|contact us|request an appointment|"
                       r"new patients)\b", re.I)
# the provider speaking of itself: "we", "our team", "I offer", "call us", a booking line
_OWN_VOICE_RE = re.compile(
    r"\b(?:we|we['’](?:re|ve|ll)|our|us)\b|\bI (?:offer|provide|work|use|am a|practice|see)\b|"
    r"\b(?:book|schedule|request) (?:a|an|your) (?:free )?(?:appointment|consultation|consult|visit|session|call)\b",
    re.I)
# "At Riverside Psychiatry, we..." / "Riverside Psychiatry proudly offers": a provider naming itself
_SELF_NAMED_RE = re.compile(
    r"\b(?:At|Here at)\s+(?:[A-Z][\w&'’.-]*\s+){1,6}?(?:[A-Z][\w&'’.-]*)(?:\s+in\s+[A-Z][\w .,-]{2,40}?)?,\s+"
    r"(?:we|our|patients|clients)\b|"
    r"\b[A-Z][\w&'’.-]*(?:\s+[A-Z&][\w&'’.-]*){0,5}\s+(?:is|are)\s+(?:proud|pleased|excited|happy|honored|"
    r"REMS\W*certified|certified)\b|"
    r"\b[A-Z][\w&'’.-]*(?:\s+[A-Z&][\w&'’.-]*){0,5}\s+(?:proudly |now |also )?(?:offers|provides|administers)\b")
# questions a visitor asks the provider: "Do you accept insurance?", "How do I book?"
_ASK_PROVIDER_RE = re.compile(
    r"^(?:q[:.]\s*)?(?:do|does|can|will|are|is) (?:you|your|I|we)\b.*\?$|^how (?:do|can) I\b.*\?$|"
    r"^(?:what|which) (?:\w+ )*(?:do you|does your|will I|should I)\b.*\?$", re.I)
# a site named for the treatment or the practice, and a page of questions to the provider
_PROVIDER_HOST_RE = re.compile(r"ketamine|infusion|psychiatr|clinic|wellness|spravato|esketamine|therap|medicine|kap",
                               re.I)
_FAQ_PATH_RE = re.compile(r"/(?:faqs?|frequently-asked-questions|questions|common-questions)[\w.-]*(?:/|$)|faq", re.I)
_CRISIS_LINE_RE = re.compile(r"\b(?:988|911|crisis|lifeline|hotline)\b", re.I)


def signals(doc: Document, data: Structured, *, entries: int = 0, own_prices: int = 0,
            external_hosts: int = 0, phones: int = 0) -> dict[str, int]:
    """The evidence for each page type, as points (kept for the page type's confidence)."""
    text_all = doc.full_text()
    main = [b for b in doc.blocks if b.region == MAIN]
    url = urlsplit(doc.url)
    host = (url.hostname or "").lower()
    first = (main[0].text if main else doc.title or "").strip()
    # articles
    article = 0
    if data.has_type(ARTICLE_TYPES):
        article += 3
    if doc.meta.get("og:type", "").lower() == "article":
        article += 1
    if doc.meta.get("article:published_time"):
        article += 2
    post_xpath = "//article[contains(concat(' ', @class, ' '), ' type-post ')]"
    if _POST_CLASS_RE.search(doc.body_classes) or (doc.tree is not None and doc.tree.xpath(post_xpath)):
        article += 2
    if _ARTICLE_PATH_RE.search(url.path) or _ARTICLE_QUERY_RE.search(url.query):
        article += 2
    publisher = bool(_PUBLISHER_HOST_RE.search(host) or _NON_PROVIDER_HOST_RE.search(host))
    if publisher:
        article += 2
    address_points = article                # what the URL alone says
    for b in main[:12]:
        short = len(b.text) < 160
        if short and _BYLINE_RE.search(b.text) and (_DATE_RE.search(b.text) or b.text.lower().startswith("by ")):
            article += 2
            break
        if short and (_BYLINE_LINE_RE.search(b.text) or (len(b.text) <= 40 and _DATE_RE.search(b.text))):
            article += 2
            break
    if _ARTICLE_TAIL_RE.search(text_all):
        article += 1
    if any(_DATELINE_RE.match(b.text) for b in main[:8]):
        article += 2
    if len(_FIRST_PERSON_RE.findall(text_all)) >= 6 and not _OWN_PRACTICE_RE.search(text_all):
        article += 3
    reporting = len(_REPORTING_RE.findall(text_all))
    according = len(_ACCORDING_RE.findall(text_all))
    article += 3 if reporting >= 3 else 2 if reporting else 0
    article += 1 if according else 0
    if _WRITER_RE.search(text_all):
        article += 2
    market = len(_MARKET_TEXT_RE.findall(text_all))
    article += 2 if market >= 2 else market
    if _POLICY_RE.search(text_all):
        article += 3
    if _GUIDE_TITLE_RE.search(first) or _GUIDE_TITLE_RE.search(doc.title or ""):
        article += 2
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
    titles = [doc.title or ""] + [b.text for b in main[:10] if len(b.text) <= 120]
    if any(_BEST_LIST_RE.search(t) for t in titles):
        directory += 5
    if sum(1 for b in main if _NUMBERED_ENTRY_RE.match(b.text)) >= 3:
        directory += 2
    if _LIST_HOST_RE.search(host):
        directory += 2
    # the provider's own voice
    clinic = 0
    if data.top_clinics():
        clinic += 3
    own = sum(1 for b in main if _OFFER_RE.search(b.text))
    clinic += min(own, 3)
    voice = sum(1 for b in main if _OWN_VOICE_RE.search(b.text) and not _CRISIS_LINE_RE.search(b.text))
    clinic += min(voice // 2, 2)
    named_matches = list(_SELF_NAMED_RE.finditer(text_all))
    named = {_name_key(m.group(0)) for m in named_matches}
    offers = any(_OFFER_VERB_RE.search(_sentence_at(text_all, m.start())) for m in named_matches)
    if len(named) >= 3:
        directory += 3                 # several providers, each with its own offer
    elif named:
        # a provider's blog post that names the provider's own offer is the provider's page;
        # a report naming a clinic, or a post that only names its author, is not
        clinic += 6 if (offers and not (reporting or publisher or len(named) > 1)) else 2
    if any(_ASK_PROVIDER_RE.search(b.text) for b in main):
        clinic += 2
    if phones:
        clinic += 1
    if own_prices:
        clinic += 1
    if _PROVIDER_HOST_RE.search(host) and not (publisher or _LIST_HOST_RE.search(host)):
        clinic += 1
    if _FAQ_PATH_RE.search(url.path):
        clinic += 1
    return {"article": article, "directory": directory, "clinic": clinic, "article_url": address_points}


_OFFER_VERB_RE = re.compile(r"\b(?:offers?|provides?|administers?|treats?|gives?|accepts?|explore|receive|"
                            r"prescribes?|certified)\b", re.I)


def _sentence_at(text: str, pos: int) -> str:
    start = max(text.rfind(". ", 0, pos), text.rfind("\n", 0, pos)) + 1
    end = min([i for i in (text.find(". ", pos), text.find("\n", pos)) if i >= 0] or [len(text)])
    return text[start:end]


def _name_key(phrase: str) -> str:
    words = re.sub(r"^(?:here at|at)\s+", "", phrase.strip(), flags=re.I).split()
    return " ".join(words[:2]).lower()


def classify(doc: Document, data: Structured, *, entries: int = 0, own_prices: int = 0,
             external_hosts: int = 0, phones: int = 0) -> str:
    points = signals(doc, data, entries=entries, own_prices=own_prices, external_hosts=external_hosts,
                     phones=phones)
    doc.cache["page_type_points"] = points
    article, directory, clinic = points["article"], points["directory"], points["clinic"]
    text_all = doc.full_text()
    if directory >= 5 and directory >= clinic:
        return "directory"
    # text cues alone (a market figure, "according to") also occur on providers' FAQs: an
    # article needs three points, or its address and a page that never speaks as a provider
    if (article >= 3 and article > clinic) or (points["article_url"] >= 2 and clinic <= 1) \
            or (article >= 1 and clinic == 0):
        return "article"
    if _OTHER_TITLE_RE.search(doc.title or "") and not own_prices:
        return "other"
    if not _KETAMINE_RE.search(text_all + " " + (doc.title or "")):
        return "other"
    return "clinic"


def confidence(doc: Document, kind: str) -> float:
    """How sure the page type is, from the margin of its points over the nearest other type:
    0.5 on a tie or without evidence, towards 1 as the margin grows. (The review queue can hold
    pages whose type is uncertain.)"""
    points = doc.cache.get("page_type_points")
    if not points or kind == "other":
        return 0.5
    others = {"clinic": ("article", "directory"), "article": ("clinic",), "directory": ("clinic", "article")}[kind]
    margin = points[kind] - max(points[o] for o in others)
    return round(1 - 0.5 * 0.75 ** max(margin, 0), 2)

