"""Sentence-level reading shared by the extractors: sentences, clauses and segments, and
the cues that tell whether a statement is the clinic's own, negated, a contrast, a question,
or general information about the market.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from katdir.normalize.money import NUMBER_WORDS as COUNT_WORDS

NUMBER_WORDS = {**COUNT_WORDS, "single": 1, "a dozen": 12}
NUMBER_RE = r"(?:\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"

_ABBREV = (
    "dr",
    "st",
    "ste",
    "mr",
    "mrs",
    "ms",
    "vs",
    "no",
    "inc",
    "co",
    "jr",
    "sr",
    "e.g",
    "i.e",
    "approx",
    "dept",
    "ave",
    "blvd",
    "rd",
    "fl",
    "mt",
    "ft",
    "u.s",
    "a.m",
    "p.m",
    "etc",
    "min",
    "hrs",
    "hr",
    "mo",
    "avg",
    "est",
    "apt",
    "bldg",
    "fig",
)
_SENT_END_RE = re.compile(r"(?<=[.!?])[\"'”’)]*\s+(?=[\"“'(\[]?[A-Z0-9$])")


def split_sentences(text: str) -> list[str]:
    """Sentences of a block: split at line breaks and at sentence ends (not at "Dr.",
    "Ste.", "vs." and the like)."""
    out: list[str] = []
    for line in text.split("\n"):
        line = line.strip()
        if not line:
            continue
        start = 0
        for m in _SENT_END_RE.finditer(line):
            before = line[start : m.start()].rstrip("\"'”’)")
            word = re.search(r"([A-Za-z.]+)\.$", before)
            if word and (word.group(1).lower().rstrip(".") in _ABBREV or len(word.group(1)) == 1):
                continue
            piece = line[start : m.start()].strip()
            if piece:
                out.append(piece)
            start = m.end()
        piece = line[start:].strip()
        if piece:
            out.append(piece)
    return out


# Clause boundaries: semicolons and contrastive conjunctions start a new clause.
_CLAUSE_RE = re.compile(
    r";|(?<!\s)\s+[-–—]\s+(?=[a-z])|\b(?=(?:but|however|whereas|while|although|though|yet)\b)", re.I
)
# Segment boundaries: also commas, colons, brackets, table-cell bars, dashes, "and not".
_SEGMENT_RE = re.compile(
    r"[,;:()\[\]|•·]|\s[-–—]\s|(?<=\s)[–—](?=\s)|"
    r"\b(?=(?:but|however|whereas|while|although|though|yet|instead|rather than|unlike|"
    r"except|as opposed to|compared (?:to|with)|and not|or not|because|so that)\b)",
    re.I,
)


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    text: str


def _split(text: str, pattern: re.Pattern) -> list[Span]:
    spans, start = [], 0
    for m in pattern.finditer(text):
        if m.start() > start or m.end() > m.start():
            if text[start : m.start()].strip():
                spans.append(Span(start, m.start(), text[start : m.start()]))
            start = m.end() if m.end() > m.start() else m.start()
    if text[start:].strip():
        spans.append(Span(start, len(text), text[start:]))
    return spans or [Span(0, len(text), text)]


def clauses(sentence: str) -> list[Span]:
    return _split(sentence, _CLAUSE_RE)


def segments(sentence: str) -> list[Span]:
    return _split(sentence, _SEGMENT_RE)


def span_at(spans: list[Span], pos: int) -> Span:
    for span in spans:
        if span.start <= pos < span.end:
            return span
    return spans[-1]


def is_question(sentence: str) -> bool:
    s = sentence.strip()
    return s.endswith("?") or bool(re.match(r"^(q|question)\s*[:.]", s, re.I))


def strip_qa_prefix(sentence: str) -> str:
    return re.sub(r"^\s*(?:q|a|question|answer)\s*[:.)]\s*", "", sentence, flags=re.I)


# -- cues -----------------------------------------------------------------------------------

OWN_RE = re.compile(
    r"\b(we|we'?re|we'?ve|we'?ll|our|ours|(?-i:us|Us)|here at|at our|in our|this clinic|this practice|"
    r"this office)\b|\bwe[’']",
    re.I,
)  # "US" is the country

# Market prices and other third parties: enough on their own to make a price not the clinic's.
MARKET_RE = re.compile(
    r"\b(on average|averages?|avg\.?|median|nationally|national(?:ly)?|nationwide|"
    r"across (?:the )?(?:country|nation|u\.?s\.?|united states|industry)|in the u\.?s\.?(?!\w)|"
    r"in the united states|most (?:clinics|providers|practices|centers|insurers|programs)|"
    r"many (?:clinics|providers|practices|centers|programs)|other (?:clinics|providers|practices|centers|programs)|"
    r"some (?:clinics|providers|practices|centers|programs)|typical (?:clinics?|providers?|price|prices|cost|costs|rate)|"
    r"(?:infusion|ketamine|iv|im) (?:clinics|centers|centres|providers|programs)|"
    r"hospital[- ]based|hospitals|elsewhere|industry|market|going rate|list price|wholesale|"
    r"retail price|according to|survey(?:ed)?|study|studies|report(?:ed|s)?|"
    r"anywhere from|expect to pay|compared (?:to|with)|in comparison|for comparison|by comparison|"
    r"versus|vs\.?|depending on (?:the )?(?:clinic|provider|practice|location|city|state|where)|"
    r"clinic owners|the owner of|another clinic|one (?:\w+ )?clinic|a clinic (?:in|that))\b",
    re.I,
)
# Hedged, general wording: makes a price general unless the clinic speaks of itself.
GENERAL_RE = re.compile(
    r"\b(typically|typical|usually|generally|in general|commonly|often|tends? to|"
    r"(?:can|may|could|might|will) (?:cost|run|range|reach|be as|charge|bill|exceed|total|add up)|"
    r"(?:prices?|costs?) (?:vary|varies|range)|vary|varies|upwards of|or more|estimated?|rarely|seldom)\b",
    re.I,
)

NEGATION_RE = re.compile(
    r"\b(not|never|no longer|cannot|can'?t|won'?t|isn'?t|aren'?t|don'?t|"
    r"doesn'?t|didn'?t|nor|neither)\b|n['’]t\b",
    re.I,
)
OFFER_VERB_RE = re.compile(
    r"\b(offer\w*|provid\w*|administer\w*|perform\w*|carry|carries|have|has|give|gives|"
    r"giving|prescrib\w*|availab\w*|part of|something we|an option|use|uses|using|deliver\w*|"
    r"treat with|supply|supplies|dispens\w*|accept\w*|bill\w*|take|takes|participat\w*|"
    r"include|includes|included|support\w*|furnish\w*|stock\w*)\b",
    re.I,
)
# "we don't do IV infusions": "do" as the main verb, after the negation
NEG_DO_RE = re.compile(r"(?:\bnot|n['’]t|\bnever)\s+(?:\w+\s+)?do\b(?!\s+(?:not|so)\b)", re.I)
UNAVAILABLE_RE = re.compile(
    r"\b(unavailable|not (?:currently |yet )?available|discontinued|no longer|coming soon|"
    r"not yet|in the future|waitlist|wait list|do not have|don'?t have|not part of|isn'?t part of|"
    r"not something we)\b",
    re.I,
)
REFERRAL_RE = re.compile(
    r"\b(refer (?:you|patients|clients|them|out)|(?:discuss|arrange|provide|make|give you|request) a referral|"
    r"referral (?:to|elsewhere)|coordinate with (?:an?|another|your) |glad to refer|happy to refer)",
    re.I,
)
CONTRAST_START_RE = re.compile(
    r"^\s*(unlike|instead|rather than|as opposed to|in contrast|compared (?:to|with)|versus|vs\.?|"
    r"other than|apart from|except|whereas|while|if|whether|unless|although|though)\b",
    re.I,
)
CONTRAST_INLINE_RE = re.compile(
    r"\b(than|versus|vs\.?|over|compared (?:to|with)|instead of|rather than|unlike|"
    r"alternative to|alternatives to|as opposed to|in place of|not (?:just|only)|similar(?:ly)? to|as with|"
    r"(?:see|seen) with)\b",
    re.I,
)
THIRD_PARTY_RE = re.compile(
    r"(?<!our )\b(?:some|many|most|other|traditional|typical|conventional|certain|few)\s+(?:\w+\s+)?"
    r"(?:practices|clinics|providers|centers|centres|doctors|physicians|places|offices|programs|"
    r"psychiatrists|prescribers|clinicians|therapists|insurers|plans|companies|startups|services)\b|"
    r"\b(?:online|telehealth|mail-order|direct-to-consumer)\s+(?:companies|services|providers|startups|platforms)\b|\b(?:hospitals|they|researchers|scientists|studies)\b",
    re.I,
)
GENERAL_INFO_RE = re.compile(
    r"\b(can be (?:given|administered|delivered|taken|used|prescribed)|may be (?:given|administered|delivered)|"
    r"there are (?:several|many|different|a few|\w+) (?:ways|routes|forms|options|types)|several ways|"
    r"different ways|routes of administration|forms of ketamine|studies|study|research|researchers|"
    r"(?:as|for) (?:an? )?(?:general |induction of |maintenance of )?an(?:a)?esthe\w+|(?:FDA[- ])?approved (?:as|for use as)|"
    r"trials?|such as|for example|e\.g\.|is the most|are the most|sometimes prescribed|"
    r"one day|in the future|each route|which is right|depends on|"
    # definitions: "Spravato is an FDA-approved nasal spray", "esketamine was approved in 2019"
    r"(?:is|was|are|were) (?:an? |the )?(?:first |only )?(?:FDA[- ])?approved|"
    r"(?:is|was) (?:an? )?(?:prescription |dissociative |anesthetic |novel )?(?:medication|medicine|drug|derivative)|"
    # "Spravato is a nasal spray of esketamine": what a treatment is, not who gives it
    r"(?:is|are) (?:an? |the )(?:\w+ ){0,2}(?:nasal sprays?|sprays?|tablets?|lozenges?|troches?|molecules?|"
    r"compounds?|enantiomers?|formulations?)|"
    r"works by|acts on|mechanism|(?:is|are) (?:an? )?(?:\w+ ){0,2}(?:form|version|type|kind) of|"
    # where a treatment is given in general, and its history
    r"(?:only )?available (?:only )?(?:at|through|in) (?:select|certified|some|many|specific|participating|approved)|"
    r"(?:typically|usually|generally|commonly|often|traditionally) (?:given|administered|delivered|used)|"
    r"studied|(?:has|have) been used|for decades|derived from|(?:also )?available as)\b",
    re.I,
)
# what patients ask about or tried before, even "our patients": not what is given here
PATIENT_HISTORY_RE = re.compile(
    r"\b(?:ask|asks|asked|asking|wonder|wondering|curious|heard) (?:about|whether|if|of)\b|"
    r"\b(?:had|have|previously|already) tried\b|\bbefore coming to\b|\btried (?:and failed|without)\b",
    re.I,
)


def words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z0-9$][A-Za-z0-9$,.'’+-]*", text)


def near_before(text: str, pos: int, pattern: re.Pattern, n_words: int) -> bool:
    """Whether pattern matches within the n words before pos."""
    before = text[:pos]
    toks = list(re.finditer(r"\S+", before))
    if not toks:
        return False
    start = toks[max(0, len(toks) - n_words)].start()
    return bool(pattern.search(before[start:]))


def quote(sentence: str, limit: int = 240) -> str:
    s = re.sub(r"\s+", " ", sentence).strip()
    return s if len(s) <= limit else s[: limit - 1].rstrip() + "…"
