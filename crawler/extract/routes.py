"""How ketamine is given: find route mentions and decide which routes the clinic offers.

A mention counts for the clinic only when it is stated as the clinic's own; negations ("we
do not offer Spravato", "IV ketamine is not available"), contrasts ("unlike IV clinics, we
use IM"), third parties ("some practices give..."), referrals, conditions, questions and
general explanations ("ketamine can be given IV, IM or orally") do not count, and an explicit
negation outweighs weak mentions such as headings and list items.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from katdir.model import ROUTES

from . import language as L
from .document import Document
from .reading import sentences
from .structured import Structured, service_names

# Services that are not ketamine, even when given by IV or injection.
NON_KETAMINE_RE = re.compile(
    r"\b(vitamins?|hydration|hydrat\w+|nad\+?|myers|hangover|immunity|immune|b-?12|glutathione|"
    r"botox|fillers?|weight[- ]loss|semaglutide|tirzepatide|glp-?1|testosterone|hormones?|prp|"
    r"tms|peptides?|facials?|massage|acupuncture|iron|antibiotics?|lidocaine|trigger[- ]point|"
    r"steroid|cortisone|epidural|nerve block|stellate|sgb|biotin|detox|beauty|electrolytes?|"
    r"cocktail|wellness menu|nutrient|amino|nitrous|laughing gas)\b|\bnad\+",
    re.I,
)

KETAMINE_RE = re.compile(r"\b(ketamine|esketamine|spravato|kap|kat)\b", re.I)

_PATTERNS: list[tuple[str, re.Pattern]] = [
    ("spravato", re.compile(r"\b(spravato|esketamine|s-ketamine)\b", re.I)),
    (
        "intranasal_ketamine",
        re.compile(
            r"\b(?:intranasal|nasal)\s+(?:racemic\s+)?ketamine\b|\bketamine\s+(?:nasal|intranasal)\s+sprays?\b|"
            r"\bcompounded\s+(?:ketamine\s+)?(?:nasal|intranasal)(?:\s+sprays?)?\b|\bnasal\s+sprays?\b|"
            r"\bintranasal\b",
            re.I,
        ),
    ),
    (
        "oral",
        re.compile(
            r"\boral(?:ly)?\s+(?:racemic\s+)?ketamine\b|\bketamine\s+(?:tablets?|troches?|lozenges?|rdts?)\b|"
            r"\blozenges?\b|\btroches?\b|\bRDTs?\b|\brapid[- ]dissolv\w*(?:\s+tablets?)?|\bsublingual(?:ly)?\b|"
            r"\borally\b|\bby mouth\b|\bbuccal(?:ly)?\b|"
            r"\bdissolv\w+\s+(?:tablets?|under the tongue)",
            re.I,
        ),
    ),
    (
        "iv",
        re.compile(
            r"\bIV\b|\bI\.V\.|\bintravenous(?:ly)?\b|\binfusions?\b|\bketamine drips?\b|\bIV drips?\b"
        ),
    ),
    ("iv_ci", re.compile(r"\bintravenous(?:ly)?\b|\binfusions?\b", re.I)),
    ("im", re.compile(r"(?<!['’])\bIM\b|\bI\.M\.|\bintramuscular(?:ly)?\b")),
    (
        "im_ci",
        re.compile(
            r"\bintramuscular(?:ly)?\b|\binjections?\b|\binjectables?\b|\bketamine shots?\b", re.I
        ),
    ),
]
_SPRAVATO_RE = re.compile(r"\b(spravato|esketamine|s-ketamine)\b", re.I)
_FDA_RE = re.compile(r"\bFDA[- ]approved\b", re.I)
_RACEMIC_NASAL_RE = re.compile(
    r"\b(compounded|racemic|ketamine (?:nasal|intranasal)|(?:nasal|intranasal) ketamine)\b", re.I
)
# a ketamine nasal spray that cannot be Spravato (README of shared/realweb): compounded, generic,
# racemic, or used at home
_NOT_SPRAVATO_NASAL_RE = re.compile(
    r"\b(compounded|racemic|generic|at[- ]home|at home|home use|pharmacy)\b", re.I
)
# "Riverside Psychiatry proudly offers Spravato", "Harbor Clinic is REMS-certified to provide": a
# provider naming itself as the one who gives the route
_SELF_OFFER_RE = re.compile(
    r"(?:^|[.;:]\s+)[A-Z][\w&'’.-]*(?:\s+(?:[A-Z&][\w&'’.-]*|of|and|for))*\s+(?:proudly |now |also |currently )?"
    r"(?:offers|provides|administers|is (?:a )?(?:REMS\W*)?certified (?:to (?:provide|administer|offer)|\w+ center))\b"
)
_DIRECT_NEG_RE = re.compile(
    r"\b(?:no|not|never|without|non|nor|neither)[- ](?:(?:an?|the|any|in-clinic|in-office|at-home|more|longer|"
    r"by|with|through|via|as|of|for|using|offer|provide|use)[- ]){0,2}$",
    re.I,
)
_OTHER_FACILITY_RE = re.compile(
    r"\b(?:a|an|another|other|nearby|local|outside|certified|the nearest)\s+(?:\w+\s+){0,2}$", re.I
)
_FACILITY_AFTER_RE = re.compile(
    r"^\s*(?:ketamine\s+)?(?:centers?|centres?|clinics?|providers?|practices?|programs?|facilit\w+)\b",
    re.I,
)
_NOT_A_PROVIDER_RE = re.compile(
    r"\bnot an?\s+(?:\w+\s+){0,3}(?:provider|clinic|center|centre|practice|prescriber)\b", re.I
)
_LOCATION_SCOPED_RE = re.compile(
    r"\b(?:at|in) (?:this|that|our|the) (?:\w+ ){0,2}(?:location|office|clinic|site|branch)\b|"
    r"\bat this location\b|\bonly (?:at|in)\b",
    re.I,
)
_ASKS_OFFER_RE = re.compile(
    r"\b(do|does|can|will|is|are)\b.*\b(you|your|this clinic|this office|it)\b", re.I
)
_YES_RE = re.compile(
    r"^\s*(yes|yep|yeah|absolutely|of course|certainly|we do\b(?!\s*(?:not|n['’]t)))\b", re.I
)
_NO_RE = re.compile(
    r"^\s*(no|nope|not at|not currently|unfortunately,? (?:no|not|we do not|we don'?t))\b", re.I
)

_MONEY_RE = re.compile(r"\$\s?\d")
# "we do not bill insurance for infusions": a negation about paying, not about the treatment
_PAYMENT_RE = re.compile(
    r"\b(insurance|insurers?|health plans?|your plan|medicare|medicaid|coverage|covered|cover|"
    r"reimburs\w*|superbills?|claims?|co-?pays?|payment|refund\w*|deposits?|cancel\w*)\b",
    re.I,
)

STRONG, WEAK, NEUTRAL, NEGATIVE = 2, 1, 0, -1


@dataclass
class Mention:
    route: str
    start: int
    end: int


@dataclass
class RouteEvidence:
    strong: list[str] = field(default_factory=list)
    weak: list[str] = field(default_factory=list)
    negative: list[str] = field(default_factory=list)
    scoped_negative: list[str] = field(default_factory=list)


@dataclass
class RouteFindings:
    offered: list[str]
    evidence: list[dict]
    negated: list[str]
    detail: dict[str, RouteEvidence]


_ANY_ROUTE_RE = re.compile(
    r"IV|I\.V|IM|I\.M|intravenous|infusion|intramuscular|inject|shot|spravato|esketamine|"
    r"nasal|lozenge|troche|RDT|dissolv|sublingual|oral|drip",
    re.I,
)


def mentions(text: str, *, spravato_page: bool = False, iv_page: bool = False) -> list[Mention]:
    """Route mentions in a piece of text (ketamine services only). On a page that names
    Spravato, a nasal spray that is not said to be compounded or racemic is Spravato."""
    if not _ANY_ROUTE_RE.search(text):
        return []
    found: list[Mention] = []
    taken: list[tuple[int, int]] = []
    # the only FDA-approved ketamine nasal spray is Spravato
    has_spravato = spravato_page or bool(_SPRAVATO_RE.search(text) or _FDA_RE.search(text))
    for key, pattern in _PATTERNS:
        route = key.split("_ci")[0] if key.endswith("_ci") else key
        for m in pattern.finditer(text):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            if (
                route == "intranasal_ketamine"
                and has_spravato
                and not _RACEMIC_NASAL_RE.search(m.group(0))
            ):
                route_here = "spravato"
            else:
                route_here = route
            if route_here in ("iv", "im", "oral") and _non_ketamine_context(
                text, m.start(), m.end()
            ):
                continue
            if (
                key == "im_ci"
                and _BARE_INJECTION_RE.fullmatch(m.group(0))
                and not _im_injection(text, m.start(), m.end(), iv_page)
            ):
                # a bare "injection" may be an IV one (the realweb README): not coded
                taken.append((m.start(), m.end()))
                continue
            if _FACILITY_AFTER_RE.match(text[m.end() :]) and _OTHER_FACILITY_RE.search(
                text[: m.start()]
            ):
                # "an infusion center", "a certified Spravato clinic": another facility
                continue
            taken.append((m.start(), m.end()))
            found.append(Mention(route_here, m.start(), m.end()))
    found.sort(key=lambda x: x.start)
    # "IM injection", "IV ketamine infusion": one mention, so that "never by IM injection" is one negation
    merged: list[Mention] = []
    for m in found:
        if (
            merged
            and merged[-1].route == m.route
            and re.fullmatch(
                r"[\s\-–/()]*(?:ketamine|racemic|ketamine-assisted)?[\s\-–/()]*",
                text[merged[-1].end : m.start],
            )
        ):
            merged[-1] = Mention(m.route, merged[-1].start, m.end)
        else:
            merged.append(m)
    return merged


_BARE_INJECTION_RE = re.compile(r"injections?|injectables?", re.I)
_IV_WORDS_RE = re.compile(r"\bIV\b|\bintravenous(?:ly)?\b|\binfusions?\b", re.I)
_MUSCLE_RE = re.compile(
    r"\b(?:muscles?|intramuscular(?:ly)?|IM|arm|shoulders?|thighs?|deltoid|glute\w*|shots?)\b", re.I
)
_SUBCUTANEOUS_RE = re.compile(r"\b(?:subcutaneous(?:ly)?|sub-?q|under the skin)\b", re.I)


def _im_injection(text: str, start: int, end: int, iv_page: bool = False) -> bool:
    """An injection is IM when it goes into a muscle, or is listed apart from IV ("IV infusions
    and injections", or on a page that names IV elsewhere); a subcutaneous one has no code."""
    window = text[max(0, start - 80) : end + 80]
    if _SUBCUTANEOUS_RE.search(window):
        return False
    return bool(_MUSCLE_RE.search(window) or iv_page or _IV_WORDS_RE.search(text))


# oral medicines that are not ketamine: "antidepressants taken orally"
_OTHER_ORAL_RE = re.compile(
    r"\b(?:antidepressants?|ssris?|snris?|pills?|medications?|medicines?|drugs?|supplements?|"
    r"tablets? of (?!ketamine)\w+|lithium|naltrexone|buprenorphine)\b",
    re.I,
)


def _non_ketamine_context(text: str, start: int, end: int, route: str = "") -> bool:
    left = text[max(0, start - 60) : start]
    right = text[end : end + 60]
    window_words = (
        " ".join(L.words(left)[-6:]) + " " + text[start:end] + " " + " ".join(L.words(right)[:6])
    )
    if KETAMINE_RE.search(window_words):
        return False
    return bool(NON_KETAMINE_RE.search(window_words)) or bool(
        re.match(r"(?i)oral|by mouth|sublingual|buccal", text[start:end])
        and _OTHER_ORAL_RE.search(window_words)
    )


def routes_in(text: str, *, iv_page: bool = False) -> list[str]:
    """Routes mentioned positively in a short text (a price line, a heading)."""
    out = []
    for m in mentions(text, iv_page=iv_page):
        if _DIRECT_NEG_RE.search(text[: m.start][-40:]):
            continue
        if m.route not in out:
            out.append(m.route)
    return out


def polarity(sentence: str, mention: Mention, answers: str | None = None) -> int:
    """How one mention bears on whether the clinic offers the route."""
    segs = L.segments(sentence)
    seg = L.span_at(segs, mention.start)
    before_in_seg = sentence[seg.start : mention.start]
    seg_text = seg.text
    clause = L.span_at(L.clauses(sentence), mention.start).text
    if _PAYMENT_RE.search(clause) and L.NEGATION_RE.search(clause):
        return NEUTRAL
    if _DIRECT_NEG_RE.search(sentence[: mention.start][-40:]):
        return NEGATIVE
    # a bare list item or label value belongs to its head: "We do not offer IV, IM, or X", "Coming soon: X"
    head = _list_head(sentence, segs, seg)
    for text in (seg_text, head.text if head is not None else ""):
        if (
            L.UNAVAILABLE_RE.search(text)
            or _NOT_A_PROVIDER_RE.search(text)
            or L.REFERRAL_RE.search(text)
        ):
            return NEGATIVE
        if _negates_offer(text):
            return NEGATIVE
    own_text = seg_text + (" " + head.text if head is not None else "")
    if L.CONTRAST_START_RE.search(seg_text) or (
        head is not None and L.CONTRAST_START_RE.search(head.text)
    ):
        return NEUTRAL
    if L.CONTRAST_INLINE_RE.search(before_in_seg) or (
        head is not None and L.CONTRAST_INLINE_RE.search(head.text)
    ):
        return NEUTRAL
    if L.PATIENT_HISTORY_RE.search(clause):
        return NEUTRAL
    if _SELF_OFFER_RE.search(sentence[: mention.start]) and not L.GENERAL_INFO_RE.search(seg_text):
        return STRONG
    if L.THIRD_PARTY_RE.search(own_text) and not L.OWN_RE.search(own_text):
        return NEUTRAL
    if L.GENERAL_INFO_RE.search(sentence) and not L.OWN_RE.search(own_text):
        return NEUTRAL
    # a route named in a sentence about market prices is only mentioned
    if (
        _MONEY_RE.search(sentence)
        and (L.MARKET_RE.search(sentence) or L.GENERAL_RE.search(sentence))
        and not L.OWN_RE.search(own_text)
    ):
        return NEUTRAL
    if L.REFERRAL_RE.search(sentence) and not L.OWN_RE.search(own_text):
        return NEGATIVE
    if answers is not None and _ASKS_OFFER_RE.search(answers):
        if _YES_RE.search(sentence):
            return STRONG
    if L.OWN_RE.search(own_text):
        return STRONG
    return WEAK


def _negates_offer(text: str) -> bool:
    """A negation that governs an offer verb ("we don't currently offer", "isn't available"),
    not one in a later relative clause ("we offer X for depression that hasn't responded")."""
    for neg in L.NEGATION_RE.finditer(text):
        if L.OFFER_VERB_RE.search(" ".join(text[neg.end() :].split()[:3])):
            return True
    return bool(L.NEG_DO_RE.search(text))


def _list_head(sentence: str, segs: list[L.Span], seg: L.Span) -> L.Span | None:
    """The segment a bare list item belongs to ("IM injections" in "we offer IV, IM injections")."""
    idx = segs.index(seg) if seg in segs else -1
    head = seg
    while idx > 0 and _is_bare(head.text):
        idx -= 1
        head = segs[idx]
    return head if head is not seg else None


def _is_bare(text: str) -> bool:
    t = text.strip().lower()
    t = re.sub(r"^(and|or|nor|as well as|plus)\s+", "", t)
    toks = L.words(t)
    if not toks or len(toks) > 6:
        return False
    return not (
        L.OWN_RE.search(t) or L.OFFER_VERB_RE.search(t) or re.search(r"\b(is|are|was|were)\b", t)
    )


_DESCRIBING_RE = re.compile(
    r"\b(?:is|are|can|may|be|given|administered|taken|delivered|comes?|forms?|ways?|"
    r"routes?|methods?)\b",
    re.I,
)


# "these options", "both treatments", "either of them": routes named just before
_ANAPHORIC_OFFER_RE = re.compile(
    r"\b(?:these|both|either of these|all of these|each of these)\s+(?:\w+\s+)?(?:options|treatments|therapies|"
    r"approaches|services|modalities|forms)\b.*?|\b(?:offer|provide|explore|choose|receive|access)\w*\s+(?:both|either)\b",
    re.I,
)
_VERSUS_RE = re.compile(
    r"\b(?:vs\.?|versus|compared (?:to|with)|or)\b|\bdifference between\b", re.I
)


def _compares_routes(text: str, found: list[Mention]) -> bool:
    """ "Spravato vs. IV Ketamine", "IV Ketamine or Spravato: which is right for you": a title
    weighing two routes against each other, with no provider speaking."""
    if L.OWN_RE.search(text) or len({m.route for m in found}) < 2 or len(L.words(text)) > 14:
        return False
    a, b = sorted(found, key=lambda m: m.start)[:2]
    return bool(_VERSUS_RE.search(text[a.end : b.start])) or bool(
        re.search(r"\bdifference between\b", text, re.I)
    )


def _enumerates_forms(text: str, found: list[Mention]) -> bool:
    """ "It is given as an IV infusion, an IM injection or a lozenge": several routes in one
    sentence with no provider speaking is a description of the ways ketamine is given."""
    if L.OWN_RE.search(text) or _SELF_OFFER_RE.search(text) or not _DESCRIBING_RE.search(text):
        return False  # a provider speaking, or a service list ("Services: IV · IM")
    routes = {m.route for m in found}
    if len(routes) >= 3:
        return True
    if len(routes) == 2:
        a, b = sorted(found, key=lambda m: m.start)[:2]
        return bool(re.search(r"\bor\b", text[a.end : b.start]))
    return False


def find(doc: Document, data: Structured, *, n_locations: int = 1) -> RouteFindings:
    detail = {r: RouteEvidence() for r in ROUTES}
    spravato_page = any(_SPRAVATO_RE.search(s.text) for s in sentences(doc))
    iv_page = any(_IV_WORDS_RE.search(s.text) for s in sentences(doc))
    recent: list[tuple[int, set[str]]] = []  # (block index, routes) of the last sentences
    for s in sentences(doc):
        if s.question:
            continue
        text = s.text
        # "we offer both of these options": the provider offers the routes the sentences just
        # before it described (in its own voice: a capitalised name alone is anyone's)
        if (
            _ANAPHORIC_OFFER_RE.search(text)
            and L.OWN_RE.search(text)
            and not L.NEGATION_RE.search(text)
        ):
            for index, rs in recent[-4:]:
                if s.block.index - index <= 2:
                    for r in rs:
                        detail[r].weak.append(text)
        # a plain "nasal spray" under a Spravato heading is Spravato
        under_spravato = bool(
            s.block.headings
            and _SPRAVATO_RE.search(s.block.headings[-1])
            and not _RACEMIC_NASAL_RE.search(text)
        )
        found = mentions(text, spravato_page=spravato_page, iv_page=iv_page)
        if found:
            recent.append(
                (s.block.index, {m.route for m in found if m.route != "intranasal_ketamine"})
            )
        if _enumerates_forms(text, found) or _compares_routes(text, found):
            continue
        for m in found:
            if m.route == "intranasal_ketamine" and under_spravato:
                m = Mention("spravato", m.start, m.end)
            p = polarity(text, m, s.answers)
            ev = detail[m.route]
            if p == STRONG:
                ev.strong.append(text)
            elif p == WEAK:
                ev.weak.append(text)
            elif p == NEGATIVE:
                if _LOCATION_SCOPED_RE.search(text):
                    ev.scoped_negative.append(text)
                else:
                    ev.negative.append(text)
        # "Do you offer Spravato?" — "No, not at this time."
        if s.answers and _ASKS_OFFER_RE.search(s.answers):
            asked = {m.route for m in mentions(s.answers)}
            if _NO_RE.search(text):
                for r in asked:
                    detail[r].negative.append(s.answers + " " + text)
            elif _YES_RE.search(text):
                for r in asked:
                    detail[r].strong.append(s.answers + " " + text)
    for entity in data.top_clinics() + data.clinics():
        for name in service_names(entity):
            for r in routes_in(name):
                detail[r].strong.append(name)
    offered, negated, evidence = [], [], []
    for route in ROUTES:
        ev = detail[route]
        if route == "intranasal_ketamine":
            # a ketamine nasal spray may be Spravato: offered only where it cannot be
            ev.strong = [t for t in ev.strong if _NOT_SPRAVATO_NASAL_RE.search(t)]
            ev.weak = [t for t in ev.weak if _NOT_SPRAVATO_NASAL_RE.search(t)]
        negatives = len(ev.negative) + (len(ev.scoped_negative) if n_locations <= 1 else 0)
        if ev.strong or (ev.weak and not negatives):
            offered.append(route)
            # the quotes the confidence weighs: the plainest first
            said = list(dict.fromkeys(ev.strong or ev.weak))
            # a short line naming the route is a service list's item ("IV Ketamine Infusions")
            strength = (
                "strong"
                if ev.strong
                else (
                    "label"
                    if any(len(L.words(t)) <= 6 and not re.search(r"[.!?]\s*$", t) for t in ev.weak)
                    else "weak"
                )
            )
            evidence.append(
                {
                    "value": route,
                    "quote": L.quote(said[0]),
                    "strength": strength,
                    "more_quotes": [L.quote(t) for t in said[1:3]],
                }
            )
        elif negatives:
            negated.append(route)
    if not offered and not negated:
        topic = _faq_topic(doc, spravato_page)
        if topic is not None:
            route, question = topic
            offered.append(route)
            evidence.append(
                {"value": route, "quote": L.quote(question), "strength": "faq", "more_quotes": []}
            )
    return RouteFindings(offered=sorted(offered), evidence=evidence, negated=negated, detail=detail)


def _faq_topic(doc: Document, spravato_page: bool) -> tuple[str, str] | None:
    """A provider's FAQ whose questions ask about one treatment ("How long does an infusion
    take?") and whose page names no other route: that treatment is the one it gives (the
    realweb labels read such pages so). A nasal spray that may be Spravato is never enough."""
    named: set[str] = set()
    question = None
    for s in sentences(doc):
        found = mentions(s.text, spravato_page=spravato_page)
        named |= {m.route for m in found}
        if s.question and found and question is None:
            question = s.text
        if len(named) > 1:
            return None
    if len(named) != 1 or question is None or named == {"intranasal_ketamine"}:
        return None
    return named.pop(), question
