"""Conditions the clinic says it treats (docs/architecture.md §3 vocabulary), leaving out the ones named
as reasons not to treat ("a history of psychosis or active substance use")."""

from __future__ import annotations

import re

from katdir.model import CONDITIONS

from . import language as L
from .document import Document
from .reading import sentences

_LEXICON: list[tuple[str, re.Pattern]] = [
    (
        "depression",
        re.compile(
            r"\bdepress(?:ion|ive|ed)\b|\bMDD\b|\bTRD\b|\blow mood\b|\bpostpartum\b|\bperinatal mood\b",
            re.I,
        ),
    ),
    (
        "anxiety",
        re.compile(
            r"\banxi(?:ety|eties|ous)\b|\bGAD\b(?!-?7)|\bpanic (?:disorder|attacks)\b", re.I
        ),
    ),
    (
        "ptsd",
        re.compile(
            r"\bc?-?PTSD\b|\bpost[- ]?traumatic stress\b|\bposttraumatic\b|\btrauma[- ]related\b",
            re.I,
        ),
    ),
    ("ocd", re.compile(r"\bOCD\b|\bobsessive[- ]compulsive\b", re.I)),
    (
        "chronic_pain",
        re.compile(
            r"\bchronic pain\b|\bCRPS\b|\bcomplex regional pain\b|\bneuropath(?:ic|y|ies)\b|\bRSD\b|"
            r"\breflex sympathetic\b|\bpain (?:conditions|syndromes?|management|disorders)\b|\bphantom limb\b|"
            r"\bchronic (?:back|neck|pelvic) pain\b",
            re.I,
        ),
    ),
    ("bipolar", re.compile(r"\bbipolar\b", re.I)),
    (
        "suicidal_ideation",
        re.compile(
            r"\bsuicidal (?:ideation|thoughts|thinking|behaviou?rs?|feelings)\b|\bsuicidality\b|"
            r"\bthoughts of (?:suicide|self-harm|ending)\b",
            re.I,
        ),
    ),
    (
        "substance_use",
        re.compile(
            r"\bsubstance (?:use|abuse|misuse)\b|\b(?:alcohol|opioid|opiate|cocaine|stimulant|methamphetamine|drug)"
            r"(?: use)? (?:use|dependence|addiction|abuse|misuse|disorders?)\b|\baddictions?\b|\balcoholism\b|"
            r"\b(?:problem|problematic|heavy|binge) drinking\b|\bAUD\b|\bOUD\b",
            re.I,
        ),
    ),
    (
        "eating_disorders",
        re.compile(
            r"\beating disorders?\b|\banorexia\b|\bbulimia\b|\bbinge[- ]eating\b|\bARFID\b", re.I
        ),
    ),
    ("migraine", re.compile(r"\bmigraines?\b", re.I)),
    ("fibromyalgia", re.compile(r"\bfibromyalgia\b", re.I)),
    (
        "other",
        re.compile(
            r"\b(?:existential|end[- ]of[- ]life) (?:distress|anxiety|suffering)\b|\bgrief\b|\bburn-?out\b|"
            r"\btinnitus\b|\bcluster headaches?\b|\bchronic fatigue\b|\blyme\b|\bADHD\b|\bautism\b",
            re.I,
        ),
    ),
]
assert {c for c, _ in _LEXICON} <= set(CONDITIONS)

# Reasons not to treat, and treating refused: the condition is not one the clinic treats.
_EXCLUDE_SENTENCE_RE = re.compile(
    r"\b(not (?:a )?(?:good |suitable |appropriate )?candidates?|not appropriate|not suitable|not recommended|"
    r"contraindicat\w*|exclu\w+|(?:(?:do|does|can) not|(?:don|doesn|can)['’]?t|cannot)(?: \w+ly)? treat|"
    r"ineligible|not eligible|"
    r"(?:may|might|would) not be (?:a )?(?:good )?(?:candidates?|eligible|safe|right)|"
    # uses a drug is not approved for, and the drug's history: not what this provider treats
    r"not (?:FDA[- ])?approved|not (?:been )?studied|not indicated|(?:has|have) been used|was (?:first )?(?:used|developed))\b",
    re.I,
)
# anxiety about the procedure itself: "medication to ease any anxiety before the infusion"
_PROCEDURAL_ANXIETY_RE = re.compile(
    r"\banxi\w+\s+(?:\w+\s+)?(?:before|prior to|during|about|around)\b|"
    r"\b(?:any|minimi[sz]e|reduce|ease|calm|relieve|avoid\w*)\s+(?:\w+\s+){0,3}?(?:for\s+)?anxi\w+",
    re.I,
)
_EXCLUDE_SEGMENT_RE = re.compile(
    r"\b(history of|active(?! duty)|uncontrolled|unmanaged|untreated|unstable|rule out|screen(?:ed|ing)? for|"
    r"risk of|side effects?|pregnan\w*|psychosis|psychotic)\b",
    re.I,
)

# Crisis-line notices ("thinking of suicide? call 988") are safety advice, not a treated condition.
_CRISIS_RE = re.compile(
    r"\b(?:988|911|crisis (?:line|lifeline|text line|center|centre)|lifeline|emergency (?:room|department)|"
    r"emergency services|(?:go|get|going) (?:immediately |right away )?to (?:the|your nearest) (?:ER|hospital)|"
    r"contact your (?:local )?(?:crisis|physician|doctor))\b",
    re.I,
)
# "addiction medicine", "pain psychiatry": a clinician's specialty, not a condition treated here
_SPECIALTY_AFTER_RE = re.compile(
    r"(?<!\s)\s+(?:medicine|psychiatry|specialists?|fellowship)\b", re.I
)

_ANY_RE = re.compile("|".join(f"(?:{pattern.pattern})" for _, pattern in _LEXICON), re.I)


def find(doc: Document) -> tuple[list[str], list[dict]]:
    found: dict[str, str] = {}
    for s in sentences(doc):
        text = s.text
        if not _ANY_RE.search(text):
            continue
        hits = [(c, m) for c, pattern in _LEXICON for m in pattern.finditer(text)]
        if not hits:
            continue
        # a crisis notice may be a short block of its own ("Thinking of suicide? Call 988.")
        crisis = _CRISIS_RE.search(text) or (
            len(L.words(s.block.text)) <= 30 and _CRISIS_RE.search(s.block.text)
        )
        if _EXCLUDE_SENTENCE_RE.search(text) or crisis:
            continue
        for condition, m in hits:
            if condition == "anxiety" and _PROCEDURAL_ANXIETY_RE.search(text):
                continue
            if L.near_before(text, m.start(), _EXCLUDE_SEGMENT_RE, 8) or _SPECIALTY_AFTER_RE.match(
                text, m.end()
            ):
                continue
            found.setdefault(condition, text)
    ordered = [c for c in CONDITIONS if c in found]
    return ordered, [{"value": c, "quote": L.quote(found[c])} for c in ordered]
