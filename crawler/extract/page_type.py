"""What kind of page this is: a clinic's own page, a directory of clinics, an article (blog
post, cost guide, news), or something else. Facts read from articles and directories are
never a clinic's facts."""

from __future__ import annotations

import math
import re
from urllib.parse import urlsplit

from .document import MAIN, Document
from .structured import ARTICLE_TYPES, Structured

_ARTICLE_PATH_RE = re.compile(
    r"/(?:blogs?|news|newsroom|articles?|posts?|stor(?:y|ies)|guides?|insights|journal|learn|resources|"
    r"magazine|press|press-releases?|category|tag|amp|p|(?:health|addiction|drug|medication)-information|"
    r"education|library|wiki|opinion|features?)(?:/|$)|/(?:19|20)\d\d/(?:\d\d?/)?",
    re.I,
)
_ARTICLE_QUERY_RE = re.compile(r"(?:^|&)(?:tag|cat|category|author|s)=", re.I)
# publishers, not providers: news and newsletter hosts
_PUBLISHER_HOST_RE = re.compile(
    r"(?:^|[.-])(?:news|feeds|blogspot|substack|medium|wordpress)(?:[.-]|$)|\.news$|"
    r"(?:times|post|tribune|herald|gazette|chronicles?|journal|magazine|daily|weekly|insights|"
    r"newsletter|report|today|wiki\w*)(?:[.-]|\.\w+$)|"
    # health publishers, insurers and manufacturers: they write about treatment, they do not give it
    r"healthline|webmd|verywell|medicalnewstoday|psycom|goodrx|forbes|nytimes|npr\.org|bbc\.|cnn\.|"
    r"theguardian|wikipedia|bcbs|bluecross|blueshield|aetna|cigna|uhc\.|unitedhealthcare|humana|optum|"
    r"janssen|carepath|prnewswire|businesswire|globenewswire|accesswire|einpresswire|newswire|"
    # research publishers and indexes
    r"pubmed|ncbi|scholar|sciencedirect|springer|wiley|frontiersin|jamanetwork|nejm|thelancet|bmj\.|plos|"
    r"nature\.com|academic",
    re.I,
)
# "SAN DIEGO (AP) — ", "LONDON — ": a news dateline opening a paragraph
_DATELINE_RE = re.compile(
    r"^[A-Z][A-Z.'’-]+(?: [A-Z][A-Z.'’-]+){0,3},?(?: [A-Z][a-z]{1,5}\.?)?(?: \([A-Za-z ]{2,20}\))?"
    r" [—–-]{1,2} \S"
)
# a patient's or writer's own story: "I", "my", with no practice of their own
_FIRST_PERSON_RE = re.compile(r"\b(?:I|I['’]m|I['’]ve|me|my)\b")
_OWN_PRACTICE_RE = re.compile(
    r"\bI (?:offer|provide|work with|see|practice|specialize|treat|am a (?:licensed|board))\b|"
    r"\bmy (?:practice|clients|patients|office)\b",
    re.I,
)
_CONSENT_RE = re.compile(
    r"\bI (?:understand|agree|acknowledge|authori[sz]e|consent|certify)\b|\bmy signature\b", re.I
)
_POST_CLASS_RE = re.compile(
    r"\b(single-post|post-template|type-post|single-format|blog-post|et_pb_post|"
    r"post-type-post|article-template)\b",
    re.I,
)
_MONTHS = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DATE_RE = re.compile(
    rf"\b{_MONTHS}\s+\d{{1,2}},?\s+(?:19|20)\d\d\b|\b\d{{1,2}}/\d{{1,2}}/(?:19|20)?\d\d\b|"
    rf"\b(?:19|20)\d\d-\d\d-\d\d\b|\b\d{{1,2}}\s+{_MONTHS}\s+(?:19|20)\d\d\b",
    re.I,
)
_BYLINE_RE = re.compile(
    r"^(?:by|written by|posted by|author:?)\s+[A-Z]|\b(?:posted|published|updated|"
    r"last (?:reviewed|updated)|reviewed)\b|\bmin(?:ute)? read\b|\bmedically reviewed by\b",
    re.I,
)
# a byline, a credit or a reading time standing on its own line (plain text keeps no markup)
_BYLINE_LINE_RE = re.compile(
    r"^(?:written by|posted by|published by|author|by|words by|reviewed by|medically reviewed by)\b(?:\s*[:\-]?\s*\S.*)?$|"
    r"^\d{1,2}\s+min(?:ute)?s?(?: read)?$|^(?:illustration|photo|photograph|image)(?: credit)?\s*(?:by|:)",
    re.I,
)
_ARTICLE_TAIL_RE = re.compile(
    r"\b(related posts|related articles|leave a (?:reply|comment)|share this|"
    r"comments|read more|tags?:|categories:|about the author)\b",
    re.I,
)
# what only a writer about ketamine says: reporting, guides, market figures, insurers' policies
_REPORTING_RE = re.compile(
    r"(?:,|\.)[\"”’']?\s+(?:[A-Z][a-z]+\s+){0,3}(?:said|says|told|explained|added|wrote)\b|"
    r"\b(?:said|told)\s+(?:[A-Z][a-z]+|the|a|an)\b|"
    r"\b(?:press release|reporters?|editor'?s note|for immediate release|media contacts?|"
    r"(?:today )?announced(?: today)?|/PRNewswire/|newswire)\b",
    re.I,
)
_ACCORDING_RE = re.compile(r"\baccording to\b", re.I)
_WRITER_RE = re.compile(
    r"\b(?:this|the following) (?:guide|article|post|blog post|report|story)\b|"
    r"\bin this (?:guide|article|post)\b",
    re.I,
)
_MARKET_TEXT_RE = re.compile(
    r"\b(?:on average|average (?:cost|price|prices|costs|fee|session)|national(?:ly)? (?:range|average)|"
    r"(?:clinics|providers|doctors|practices) (?:typically |usually |often |generally )?charge|"
    r"(?:most|many|some) (?:ketamine )?(?:clinics|providers|practices)|in the (?:US|U\.S\.|United States)|"
    r"(?:prices?|costs?) (?:vary|varies|range)|(?:cost|price)s? (?:can|may) (?:vary|range|run)|can run|"
    r"costs? (?:anywhere )?between|out[- ]of[- ]pocket|price tags?)\b",
    re.I,
)
_POLICY_RE = re.compile(
    r"\b(?:medical|coverage|clinical|reimbursement) polic(?:y|ies)\b|\bCPT\b|\bHCPCS\b|\bplan members?\b|"
    r"\bbenefits? scheme\b|\bsavings program\b|\bhealth ?care (?:professionals?|providers?) (?:only|site)\b|"
    r"\bfor (?:health ?care professionals|HCPs?)\b|\bprescribing information\b|\bmedically necessary\b|"
    r"\bformulary\b|\bcoverage criteria\b|\b(?:medical|pharmacy) benefit\b|\bbenefit plans?\b|\bin-network providers?\b",
    re.I,
)
_GUIDE_TITLE_RE = re.compile(
    r"^(?:.{0,60}\b(?:vs\.?|versus)\s.{0,60}$|how much (?:does|do|is|are|will)\b.*\bcosts?\b|.*\b(?:costs?|prices?|pricing)\b.*(?:guide|explained|\?)$|"
    r"\d+\s+(?:\w+\s+)?(?:facts|things|ways|reasons|tips|questions|signs|myths)\b|"
    r"(?:what (?:you (?:need|should) )?to know|everything you need to know)\b)",
    re.I,
)
# a list of providers as a title: "Best ketamine clinics in Ohio", "Top 10 Spravato providers",
# "Ketamine Clinics in the UK", "Ketamine Clinics Canada" (a title line starts with it; the same
# words inside a sentence are an article's)
_BEST_LIST_RE = re.compile(
    r"^(?:the\s+)?(?:\d{1,3}\s+)?(?i:best|top)\s+(?:\d{1,3}\s+)?(?:[\w-]+\s+){0,3}?(?i:clinics|providers|centers|"
    r"centres|programs|doctors|psychiatrists|companies|services)\b|"
    r"^(?:\d{1,3}\s+)?(?:(?i:online|at-home|telehealth|virtual)\s+)?(?:(?i:IV|ketamine(?:-assisted)?|spravato|esketamine|"
    r"infusion|KAP|therapy)\s+){1,2}(?i:clinics|providers|centers|centres|programs|companies|therapists|psychiatrists|"
    r"practitioners|doctors)\s+"
    r"(?:(?i:compared|reviewed|ranked|rated)\b|(?:(?i:in|near|across|around)\s+(?:the\s+)?)?[A-Z][\w.-]*"
    r"(?:\s+[A-Z][\w.-]*){0,2}(?:,\s*[A-Z]{2})?\s*(?:[:|(–—-]|$))"
)
# "1. Hill Country Infusions — ...": a numbered entry led by a name
_NUMBERED_ENTRY_RE = re.compile(r"^\d{1,2}[.)]\s+(?:[A-Z][\w&'’.-]*\s+){1,5}(?:[—–:-]|\(|$)")
_LIST_HOST_RE = re.compile(
    r"(?:^|[.-])(?:finder|locator|directory|listings)(?:[.-]|$)|(?:best|top|find|directory|finder|near|locator|compare)\w*(?:clinics|providers|doctors|centers)|"
    r"(?:clinics|providers)(?:directory|finder|near|list|locator)",
    re.I,
)
# organisations that inform, fund or insure but do not treat
_NON_PROVIDER_HOST_RE = re.compile(
    r"foundation|association|advocacy|society|coalition|alliance|\.gov$|\.gov\.\w\w$", re.I
)
_DIRECTORY_RE = re.compile(
    r"\b(directory|listings?|listed|find a (?:ketamine )?(?:clinic|provider|doctor)|providers? near|"
    r"clinics? near you|claim (?:your|this) (?:listing|profile)|add your (?:clinic|practice|listing)|"
    r"update your profile|view profile|sponsored|verified providers?|sort by|showing \d+|"
    # bounded digits and one start per run of digits: linear on "1,1,1,..."
    r"(?<![\d,])\d{1,3}(?:,\d{3}){0,3} (?:providers|clinics|listings|results)|for providers|"
    r"compare (?:ketamine )?(?:prices|clinics)|request removal|browse)\b",
    re.I,
)
_OTHER_TITLE_RE = re.compile(
    r"\b(privacy policy|terms of (?:use|service)|cookie policy|careers|jobs|"
    r"page not found|404|accessibility statement|notice of privacy practices|sitemap)\b",
    re.I,
)
_KETAMINE_RE = re.compile(
    r"\b(ketamine|esketamine|spravato|infusion|kap|psychiatr\w*|clinic|therapy)\b", re.I
)
_OFFER_RE = re.compile(
    r"\b(we (?:offer|provide|treat|accept|help|give|use|see|bill)|our (?:clinic|office|team|"
    r"patients|staff|providers|physicians|nurses|therapists|practice|infusions|prices|fees)|"
    r"book (?:a|an|your)|schedule (?:a|an|your)|call us|contact us|request an appointment|"
    r"new patients)\b",
    re.I,
)
# the provider speaking of itself: "we", "our team", "I offer", "call us", a booking line
_OWN_VOICE_RE = re.compile(
    r"\b(?:we|we['’](?:re|ve|ll)|our|us)\b|\bI (?:offer|provide|work|use|am a|practice|see)\b|"
    r"\b(?:book|schedule|request) (?:a|an|your) (?:free )?(?:appointment|consultation|consult|visit|session|call)\b",
    re.I,
)
# "At Riverside Psychiatry, we..." / "Riverside Psychiatry proudly offers": a provider naming itself
_SELF_NAMED_RE = re.compile(  # [^\S\n]: a name stays on its line
    r"\b(?:At|Here at)[^\S\n]+(?:[A-Z][\w&'’.-]*[^\S\n]+){1,6}?(?:[A-Z][\w&'’.-]*)"
    r"(?:[^\S\n]+in[^\S\n]+[A-Z][\w .,-]{2,40}?)?,[^\S\n]+(?:we|our|patients|clients)\b|"
    r"\b[A-Z][\w&'’.-]*(?:[^\S\n]+[A-Z&][\w&'’.-]*){0,5}[^\S\n]+(?:is|are)[^\S\n]+(?:an?[^\S\n]+)?"
    r"(?:proud|pleased|excited|happy|honored|REMS\W*certified|certified)\b|"
    r"\b[A-Z][\w&'’.-]*(?:[^\S\n]+[A-Z&][\w&'’.-]*){0,5}[^\S\n]+(?:proudly |now |also )?(?:offers|provides|administers)\b"
)
# questions a visitor asks the provider: "Do you accept insurance?", "How do I book?"
_ASK_PROVIDER_RE = re.compile(
    r"^(?:q[:.]\s*)?(?:do|does|can|will|are|is) (?:you|your|I|we)\b.*\?$|^how (?:do|can) I\b.*\?$|"
    r"^(?:what|which) (?:\w+ )*(?:do you|does your|will I|should I)\b.*\?$",
    re.I,
)
# a site named for the treatment or the practice, and a page of questions to the provider
_PROVIDER_HOST_RE = re.compile(
    r"ketamine|infusion|psychiatr|clinic|wellness|spravato|esketamine|therap|medicine|kap", re.I
)
_FAQ_PATH_RE = re.compile(
    r"/(?:faqs?|frequently-asked-questions|questions|common-questions)[\w.-]*(?:/|$)|faq", re.I
)
_CRISIS_LINE_RE = re.compile(r"\b(?:988|911|crisis|lifeline|hotline)\b", re.I)


# -- the scoring model ----------------------------------------------------------------------
#
# Each feature below is a named, general signal of how the web writes a provider's own page, an
# article or a directory. Two transparent scores decide the type:
#
# - DIRECTORY_WEIGHTS (set by hand from the set's README: "lists or compares several providers"):
#   a directory when the points reach DIRECTORY_THRESHOLD and the provider's own voice is weaker;
# - ARTICLE_WEIGHTS: a logistic score, article versus the provider's own page. The prior weights
#   are set by hand from how the web is written; the fitted ones are the prior adjusted by the
#   tuning part of the real-page set (crawler/extract/page_type_fit.py, L2 pull towards the prior),
#   and `katdir evaluate --set FILE --page-type-cv` refits them leaving each host out in turn.
#
# features() returns every feature, so a page's type can be explained from its numbers.

_WE_RE = re.compile(r"\b(?:[Ww]e|[Ww]e['’](?:re|ve|ll|d)|[Oo]urs?|us)\b")
_WORD_RE = re.compile(r"\b\w+\b")
# a writer's generic third person: "patients", "clinics", "a ketamine clinic", "your doctor"
_GENERIC_RE = re.compile(
    r"\b(?:patients|clinics|providers|practitioners|clinicians|doctors|physicians|people|individuals|someone|"
    r"many|researchers|studies|(?:a|any|the|your) (?:\w+ )?(?:clinic|provider|doctor|physician|prescriber))\b",
    re.I,
)
# the provider's own offer, in its own voice
_OWN_OFFER_RE = re.compile(
    r"\bwe (?:now |also |currently |proudly |only |exclusively )?(?:offer|provide|specialize|specialise|administer|"
    r"prescribe|treat|accept|bill|deliver|perform|see|use)\b|"
    r"\bwe(?: are|['’]re) (?:proud|pleased|excited|happy|honored|able) to (?:offer|provide)\b|"
    r"\bI (?:offer|provide|specialize|specialise|work with|treat|prescribe|administer)\b|"
    r"\bmy (?:practice|clients|office|clinic)\b|"
    r"\bour (?:clinic|office|offices|team|practice|providers|physicians|doctors|nurses|staff|infusions?|"
    r"patients|center|centre|prices|fees|program|programme|services|treatment rooms?|location|locations|"
    r"medical director|psychiatrists?|therapists?|clinicians)\b",
    re.I,
)
# what a provider offers: "we use cookies" or "our team of writers" is no offer of care
_CARE_RE = re.compile(
    r"\b(?:ketamine|esketamine|spravato|infusions?|KAP|IV|IM|treatments?|therap(?:y|ies|ists?)|"
    r"sessions?|consultations?|patients?|clients?|care|appointments?|insurance|psychiatr\w*|"
    r"depression|anxiety|PTSD|pain|medications?|doses?|dosing|payments?|fees?|billing)\b",
    re.I,
)
_CALL_TO_BOOK_RE = re.compile(
    r"\b(?:book|schedule|request|make)(?: (?:a|an|your))? (?:free |complimentary )?(?:appointment|consultation|"
    r"consult|visit|session|call|evaluation|assessment)\b|\b(?:call|contact|text|email) us\b|"
    r"\bcall (?:today|now)\b|\bnew patients?\b|\bget started\b",
    re.I,
)
# a generic question as a heading ("What is ketamine?", "How much does ketamine cost?")
_QUESTION_LINE_RE = re.compile(
    r"^(?:what|how|why|when|is|are|can|does|do|should|who|which|will)\b.{0,140}\?$", re.I
)
# the last part of an address that names a question or a guide: how-much…, what-is…, cost-of…, …-vs-…
_QUESTION_SLUG_RE = re.compile(
    r"(?:^|[-_/])(?:how-(?:much|long|does|do|can|is|are)|what-(?:is|are|does)|why|when|can-|does-|"
    r"is-(?:ketamine|spravato|esketamine|it)|should|cost-of|costs?-and|guide|vs|versus|everything|"
    r"things|ways|tips|myths|facts|truth|explained|understanding)(?:$|[-_.])",
    re.I,
)
# ketamine as a drug of abuse: a rehab centre's or a health site's information page
_ABUSE_RE = re.compile(
    r"\bketamine (?:addiction|abuse|misuse|use disorder|withdrawal|overdose|dependence)\b|"
    r"\bstreet names?\b|\bspecial k\b|\brecreational(?:ly)?\b|\b(?:detox|inpatient rehab)\b",
    re.I,
)
# what a publisher puts around an article: contents, takeaways, sources, an editorial process
_FURNITURE_RE = re.compile(
    r"\b(?:table of contents|key takeaways|in this article|references|sources|fact[- ]checked|"
    r"editorial (?:policy|team|standards|process)|share this (?:article|post|story))\b",
    re.I,
)
# a research paper or its abstract
_RESEARCH_RE = re.compile(
    r"\b(?:abstract|methods|results|conclusions?|doi|et al|placebo|randomi[sz]ed|"
    r"participants|cohort|meta-analysis|p\s?[<=]\s?0?\.\d+)\b",
    re.I,
)
_EDU_GOV_HOST_RE = re.compile(r"\.(?:gov|edu|mil)(?:\.\w\w)?$|\.nhs\.uk$|\.gc\.ca$", re.I)
# "1. Name …", "Name — City, ST", "(555) 555-0100": rough counts of the items a list repeats
_PHONE_RE = re.compile(r"(?<!\d)\(?\d{3}\)?[ .\-–]\d{3}[ .\-–]\d{4}(?!\d)")
_CITY_STATE_RE = re.compile(r"\b[A-Z][a-z]+(?: [A-Z][a-z]+)?, (?:[A-Z]{2}|[A-Z][a-z]{3,})\b")

ARTICLE_FEATURES = (
    "schema_article",
    "og_article",
    "published_time",
    "post_markup",
    "url_article_path",
    "url_question_slug",
    "host_publisher",
    "host_edu_gov",
    "byline",
    "dateline",
    "reporting",
    "according_to",
    "writer",
    "market",
    "policy",
    "guide_title",
    "story",
    "question_lines",
    "generic_rate",
    "article_tail",
    "abuse_topic",
    "furniture",
    "research",
    "schema_clinic",
    "we_rate",
    "own_offer",
    "self_named_offer",
    "named_only",
    "call_to_book",
    "ask_provider",
    "phone",
    "own_prices",
    "host_provider",
    "faq_path",
    "no_voice",
)
DIRECTORY_FEATURES = (
    "list_title",
    "list_host",
    "list_schema",
    "listed_entities",
    "entries",
    "numbered_entries",
    "providers_named",
    "directory_words",
    "external_hosts",
    "phones_listed",
    "places_listed",
)

# hand-set: log-odds of an article against the provider's own page, one unit of each feature
ARTICLE_PRIOR = {
    "bias": -1.0,
    "schema_article": 3.0,
    "og_article": 1.0,
    "published_time": 2.0,
    "post_markup": 2.0,
    "url_article_path": 1.5,
    "url_question_slug": 1.0,
    "host_publisher": 3.0,
    "host_edu_gov": 1.5,
    "byline": 1.5,
    "dateline": 2.0,
    "reporting": 1.0,
    "according_to": 1.0,
    "writer": 1.5,
    "market": 0.7,
    "policy": 2.5,
    "guide_title": 1.5,
    "story": 2.0,
    "question_lines": 0.3,
    "generic_rate": 0.15,
    "article_tail": 0.5,
    "abuse_topic": 1.0,
    "furniture": 1.5,
    "research": 1.0,
    "schema_clinic": -3.0,
    "we_rate": -0.3,
    "own_offer": -1.5,
    "self_named_offer": -4.5,
    "named_only": -0.5,
    "call_to_book": -1.0,
    "ask_provider": -1.5,
    "phone": -1.0,
    "host_provider": -0.5,
    "faq_path": -1.5,
    "no_voice": 1.0,
    "own_prices": -1.5,
}
# the prior adjusted by the tuning part (crawler/extract/page_type_fit.py); regenerate with
# `katdir evaluate --set ../shared/realweb/pages.jsonl --part tune --page-type-cv`
ARTICLE_WEIGHTS = {
    "bias": -1.17,
    "schema_article": 3.0,
    "og_article": 1.0,
    "published_time": 2.0,
    "post_markup": 2.0,
    "url_article_path": 1.736,
    "url_question_slug": 1.024,
    "host_publisher": 3.142,
    "host_edu_gov": 1.5,
    "byline": 1.545,
    "dateline": 2.0,
    "reporting": 1.026,
    "according_to": 1.054,
    "writer": 1.538,
    "market": 0.95,
    "policy": 2.675,
    "guide_title": 1.367,
    "story": 2.015,
    "question_lines": -0.305,
    "generic_rate": 0.016,
    "article_tail": 0.524,
    "abuse_topic": 0.985,
    "furniture": 1.499,
    "research": 0.873,
    "schema_clinic": -3.0,
    "we_rate": -0.41,
    "own_offer": -1.609,
    "self_named_offer": -4.641,
    "named_only": -0.538,
    "call_to_book": -0.963,
    "ask_provider": -1.502,
    "phone": -0.844,
    "own_prices": -1.508,
    "host_provider": -0.703,
    "faq_path": -1.604,
    "no_voice": 0.928,
}
ARTICLE_THRESHOLD = 0.5  # probability of an article above which the page is one
# a list's structure (its title, host, markup, repeated entries, phones and places) counts
# fully; names and directory words alone also fill reports and guides, so they count less
DIRECTORY_WEIGHTS = {
    "list_title": 5,
    "list_host": 1.5,
    "list_schema": 1.5,
    "listed_entities": 3,
    "entries": 1,
    "numbered_entries": 2,
    "providers_named": 0.5,
    "directory_words": 0.7,
    "external_hosts": 1,
    "phones_listed": 1,
    "places_listed": 0.5,
}
DIRECTORY_THRESHOLD = 5


def features(
    doc: Document,
    data: Structured,
    *,
    entries: int = 0,
    own_prices: int = 0,
    external_hosts: int = 0,
    phones: int = 0,
) -> dict[str, float]:
    """Every named signal of the page's type, each a small number (mostly 0 or 1)."""
    text_all = doc.full_text()
    main = [b for b in doc.blocks if b.region == MAIN]
    main_text = "\n".join(b.text for b in main)
    url = urlsplit(doc.url)
    host = (url.hostname or "").lower()
    first = (main[0].text if main else doc.title or "").strip()
    words = len(_WORD_RE.findall(main_text))  # rates below are per 100 words, damped on short texts
    f: dict[str, float] = {}
    # the address
    f["url_article_path"] = float(
        bool(_ARTICLE_PATH_RE.search(url.path) or _ARTICLE_QUERY_RE.search(url.query))
    )
    last = url.path.rstrip("/").rsplit("/", 1)[-1]
    f["url_question_slug"] = float(bool(_QUESTION_SLUG_RE.search(last)))
    publisher = bool(_PUBLISHER_HOST_RE.search(host) or _NON_PROVIDER_HOST_RE.search(host))
    f["host_publisher"] = float(publisher)
    f["host_edu_gov"] = float(bool(_EDU_GOV_HOST_RE.search(host)))
    list_host = bool(_LIST_HOST_RE.search(host))
    f["host_provider"] = float(
        bool(_PROVIDER_HOST_RE.search(host)) and not (publisher or list_host)
    )
    f["faq_path"] = float(bool(_FAQ_PATH_RE.search(url.path)))
    # markup (HTML pages only)
    f["schema_article"] = float(data.has_type(ARTICLE_TYPES))
    f["og_article"] = float(doc.meta.get("og:type", "").lower() == "article")
    f["published_time"] = float(bool(doc.meta.get("article:published_time")))
    post_xpath = "//article[contains(concat(' ', @class, ' '), ' type-post ')]"
    f["post_markup"] = float(
        bool(
            _POST_CLASS_RE.search(doc.body_classes)
            or (doc.tree is not None and doc.tree.xpath(post_xpath))
        )
    )
    f["schema_clinic"] = float(bool(data.top_clinics()))
    # a writer's page
    byline = 0.0
    for b in main[:12]:
        short = len(b.text) < 160
        if (
            short
            and _BYLINE_RE.search(b.text)
            and (_DATE_RE.search(b.text) or b.text.lower().startswith("by "))
        ) or (
            short
            and (_BYLINE_LINE_RE.search(b.text) or (len(b.text) <= 40 and _DATE_RE.search(b.text)))
        ):
            byline = 1.0
            break
    f["byline"] = byline
    f["dateline"] = float(any(_DATELINE_RE.match(b.text) for b in main[:8]))
    reporting = len(_REPORTING_RE.findall(text_all))
    f["reporting"] = min(reporting, 3) / 1.5
    f["according_to"] = float(bool(_ACCORDING_RE.search(text_all)))
    f["writer"] = float(bool(_WRITER_RE.search(text_all)))
    f["market"] = float(min(len(_MARKET_TEXT_RE.findall(text_all)), 3))
    f["policy"] = float(bool(_POLICY_RE.search(text_all)))
    f["guide_title"] = float(
        bool(_GUIDE_TITLE_RE.search(first) or _GUIDE_TITLE_RE.search(doc.title or ""))
    )
    # a patient's or writer's story; a consent form's "I understand…" is the provider's page
    f["story"] = float(
        len(_FIRST_PERSON_RE.findall(text_all)) >= 6
        and not _OWN_PRACTICE_RE.search(text_all)
        and not _CONSENT_RE.search(text_all)
    )
    f["question_lines"] = float(
        min(
            sum(
                1
                for b in main
                if _QUESTION_LINE_RE.match(b.text) and not _ASK_PROVIDER_RE.search(b.text)
            ),
            5,
        )
    )
    f["generic_rate"] = min(100 * len(_GENERIC_RE.findall(main_text)) / (words + 100), 6.0)
    f["article_tail"] = float(bool(_ARTICLE_TAIL_RE.search(text_all)))
    f["abuse_topic"] = float(min(len(_ABUSE_RE.findall(text_all)), 3))
    f["furniture"] = float(bool(_FURNITURE_RE.search(text_all)))
    research = {m.group(0).lower()[:6] for m in _RESEARCH_RE.finditer(text_all)}
    f["research"] = float(min(max(len(research) - 1, 0), 3))
    # the provider's own voice
    # the page's own voice: not a crisis line, and not a speaker a reporter quotes
    voiced = [
        b for b in main if not _CRISIS_LINE_RE.search(b.text) and not _REPORTING_RE.search(b.text)
    ]
    f["we_rate"] = min(
        100 * len(_WE_RE.findall("\n".join(b.text for b in voiced))) / (words + 100), 4.0
    )
    f["own_offer"] = float(min(sum(1 for b in voiced if _offers_care(b.text)), 3))
    named_matches = list(_SELF_NAMED_RE.finditer(text_all))
    named = {_name_key(m.group(0)) for m in named_matches}
    offers = any(_OFFER_VERB_RE.search(_sentence_at(text_all, m.start())) for m in named_matches)
    # a provider's page that names the provider's own offer; a report naming a clinic is not one
    f["self_named_offer"] = float(
        bool(named) and offers and len(named) <= 2 and not (reporting or publisher)
    )
    f["named_only"] = float(bool(named) and not f["self_named_offer"] and len(named) <= 2)
    f["call_to_book"] = float(
        min(
            sum(
                1
                for b in main
                if _CALL_TO_BOOK_RE.search(b.text) and not _CRISIS_LINE_RE.search(b.text)
            ),
            2,
        )
    )
    f["ask_provider"] = float(any(_ASK_PROVIDER_RE.search(b.text) for b in main))
    f["phone"] = float(bool(phones))
    # nothing on the page speaks as a provider: no "we", no offer, no booking, no phone
    f["no_voice"] = float(
        not (
            f["we_rate"]
            or f["own_offer"]
            or named
            or f["call_to_book"]
            or f["ask_provider"]
            or phones
            or f["schema_clinic"]
        )
    )
    # prices the provider states as its own (crawler.extract.prices: market figures, estimates
    # and unclear voices are not counted); a price list is often all a pricing page says
    f["own_prices"] = float(bool(own_prices))
    f["other_title"] = float(bool(_OTHER_TITLE_RE.search(doc.title or "")))
    f["off_topic"] = float(not _KETAMINE_RE.search(text_all + " " + (doc.title or "")))
    # a directory
    titles = [doc.title or ""] + [b.text for b in main[:10] if len(b.text) <= 120]
    f["list_title"] = float(any(_BEST_LIST_RE.search(t) for t in titles))
    f["list_host"] = float(list_host)
    f["list_schema"] = float(data.has_type({"collectionpage", "searchresultspage", "itemlist"}))
    f["listed_entities"] = float(any(e.listed for e in data.entities) and len(data.listed()) >= 2)
    f["entries"] = float(3 if entries >= 3 else 1 if entries == 2 else 0)
    f["numbered_entries"] = float(sum(1 for b in main if _NUMBERED_ENTRY_RE.match(b.text)) >= 3)
    f["providers_named"] = float(3 if len(named) >= 3 else 0)
    f["directory_words"] = float(
        min(len({m.group(0).lower() for m in _DIRECTORY_RE.finditer(text_all)}), 3)
    )
    f["external_hosts"] = float(2 if external_hosts >= 3 else 0)
    # a practice has a few offices; a list has many entries (beyond the second phone, the third place)
    f["phones_listed"] = float(min(max(len(set(_PHONE_RE.findall(main_text))) - 2, 0), 4))
    f["places_listed"] = float(min(max(len(set(_CITY_STATE_RE.findall(main_text))) - 3, 0), 4))
    return f


def article_probability(f: dict[str, float], weights: dict[str, float] | None = None) -> float:
    """The logistic score of an article against the provider's own page, from 0 to 1."""
    w = ARTICLE_WEIGHTS if weights is None else weights
    z = w.get("bias", 0.0) + sum(w.get(k, 0.0) * f.get(k, 0.0) for k in ARTICLE_FEATURES)
    z = max(min(z, 30.0), -30.0)
    return 1 / (1 + math.exp(-z))


def directory_points(f: dict[str, float]) -> float:
    return sum(DIRECTORY_WEIGHTS[k] * f.get(k, 0.0) for k in DIRECTORY_FEATURES)


def decide(f: dict[str, float], weights: dict[str, float] | None = None) -> tuple[str, float]:
    """The page type and how sure it is (0.5 on the boundary, towards 1 far from it)."""
    p = article_probability(f, weights)
    directory = directory_points(f)
    # a list of providers outweighs a few words of its own voice; one provider's own offer does not
    voice = (
        f["own_offer"]
        + 3 * f["self_named_offer"]
        + f["call_to_book"]
        + f["phone"]
        + 3 * f["schema_clinic"]
    )
    if directory >= DIRECTORY_THRESHOLD and directory > voice:
        margin = min(directory - max(DIRECTORY_THRESHOLD, voice), 8)
        return "directory", round(1 - 0.5 * 0.75**margin, 2)
    if p >= ARTICLE_THRESHOLD:
        return "article", round(p, 2)
    if (f["other_title"] and not f["own_prices"]) or f["off_topic"]:
        return "other", 0.5
    return "clinic", round(1 - p, 2)


_OFFER_VERB_RE = re.compile(
    r"\b(?:offers?|provides?|administers?|treats?|gives?|accepts?|explore|receive|"
    r"prescribes?|certified)\b",
    re.I,
)


def _offers_care(text: str) -> bool:
    """A sentence of the text where the provider offers care in its own voice."""
    return any(_CARE_RE.search(_sentence_at(text, m.start())) for m in _OWN_OFFER_RE.finditer(text))


def _sentence_at(text: str, pos: int) -> str:
    start = max(text.rfind(". ", 0, pos), text.rfind("\n", 0, pos)) + 1
    end = min([i for i in (text.find(". ", pos), text.find("\n", pos)) if i >= 0] or [len(text)])
    return text[start:end]


def _name_key(phrase: str) -> str:
    words = re.sub(r"^(?:here at|at)\s+", "", phrase.strip(), flags=re.I).split()
    return " ".join(words[:2]).lower()


def classify(
    doc: Document,
    data: Structured,
    *,
    entries: int = 0,
    own_prices: int = 0,
    external_hosts: int = 0,
    phones: int = 0,
) -> str:
    f = features(
        doc,
        data,
        entries=entries,
        own_prices=own_prices,
        external_hosts=external_hosts,
        phones=phones,
    )
    kind, sure = decide(f)
    doc.cache["page_type_features"] = f
    doc.cache["page_type_confidence"] = sure
    return kind


def confidence(doc: Document, kind: str) -> float:
    """How sure the page type is: the model's probability of the type it gave (0.5 on the
    boundary, towards 1 far from it). The crawler sends pages under its threshold to the
    curators' review queue."""
    if kind == "other" or "page_type_confidence" not in doc.cache:
        return 0.5
    return doc.cache["page_type_confidence"]
