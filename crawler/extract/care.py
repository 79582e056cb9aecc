"""The parts of a complete ketamine-assisted therapy programme a clinic says it provides:
whether psychotherapy is integrated, the KAT care steps (docs/architecture.md §3), and telehealth."""

from __future__ import annotations

import re

from katdir.model import CARE_STEPS

from . import language as L
from .document import Document
from .reading import sentences

_THERAPY_POS_RE = re.compile(
    r"\bketamine[- ]assisted (?:psycho)?therapy\b|\bKAP\b|\bpsychedelic[- ]assisted therapy\b|"
    r"\bintegration (?:sessions?|therapy|therapists?|work|support|appointments?|calls?|visits?|coaching|groups?)\b|"
    # not "your own / existing therapist": an outside therapist the clinic coordinates with
    r"\b(?:our|in-house|licensed|trained|your) (?!(?:own|existing|current|outside|regular|usual|personal)\b)"
    r"(?:\w+ )?(?:psycho)?therapists?\b|"
    r"\b(?:our|in-house) (?:\w+ )?(?:psychologists?|counsel(?:l)?ors?|social workers?)\b|"
    r"\bpsychotherap(?:y|ists?)\b|\btalk therapy\b|\btherapy sessions?\b|\btherapist(?:s)? (?:present|stays?|guides?|joins?)\b",
    re.I,
)
_THERAPY_NEG_RE = re.compile(
    r"\b(?:do|does|can|will)(?: not|n'?t) (?:provide|offer|include|do)\w* (?:any )?(?:\w+ )?(?:psycho)?therap|"
    r"\bnot (?:a|an) (?:psycho)?therapy (?:practice|clinic|provider)\b|\bwe are not therapists\b|"
    r"\bno (?:psycho)?therapy (?:is )?(?:provided|offered|included)\b|\bmedication[- ]only\b",
    re.I,
)
_GENERAL_RE = re.compile(
    r"\b(studies|study|research|researchers|suggests?|evidence|may|might|"
    r"can (?:help|improve|enhance|deepen|be (?:combined|paired|used))|could|"
    r"is paired|are paired|in KAP,|when combined)\b",
    re.I,
)
# a psychologist's evaluation is an intake, not psychotherapy
_INTAKE_RE = re.compile(r"\b(evaluation|assessment|consultation|screening|intake)\b", re.I)
_CLINICIAN_ONLY_RE = re.compile(r"(?:psychologists?|counsel(?:l)?ors?|social workers?)$", re.I)

_STEPS: dict[str, re.Pattern] = {
    "assessment": re.compile(
        r"\b(consultation|evaluation|assessment|screening|intake|medical history|health history)\b",
        re.I,
    ),
    "education": re.compile(
        r"\b(educat\w+|explain\w*|informed consent|what to expect|teach\w*|go over how|learn about)\b",
        re.I,
    ),
    "preparation": re.compile(
        r"\b(preparation|preparatory|prep sessions?|set and setting|intention[- ]setting|prepare you|to prepare)\b",
        re.I,
    ),
    "medical_monitoring": re.compile(
        r"\b(monitor\w*|vital signs?|vitals|blood pressure|pulse oximetry|oxygen|heart (?:rate|rhythm)|"
        r"anesthesi\w+|nurse (?:stays|checks|watches)|medically supervised|observ\w+)\b",
        re.I,
    ),
    "integration": re.compile(r"\bintegrat(?:ion|e|ing)\b", re.I),
    "follow_up": re.compile(
        r"\b(follow[- ]?ups?|follow up|check[- ]?ins?|check in|aftercare|call (?:every patient|you) the next)\b",
        re.I,
    ),
    "outcome_tracking": re.compile(
        r"\b(PHQ-?9|GAD-?7|rating scales?|questionnaires?|track\w* (?:your )?(?:progress|symptoms|outcomes)|"
        r"measur\w+ (?:your )?(?:progress|symptoms|outcomes)|score your symptoms|outcome measures?|measurement-based)\b",
        re.I,
    ),
}
assert set(_STEPS) <= set(CARE_STEPS)

_TELE_RE = re.compile(
    r"\btele(?:health|medicine|psychiatry)\b|\bvirtual (?:visits?|consult\w*|appointments?|care|sessions?)\b|"
    r"\b(?:by|via|over|through) (?:secure )?video\b|\bvideo (?:visits?|calls?|check-?ins?|consult\w*|appointments?)\b|"
    r"\bonline (?:consult\w*|appointments?|visits?|evaluations?)\b|\bremote (?:consult\w*|visits?|care)\b",
    re.I,
)
_TELE_NEG_RE = re.compile(
    r"\b(?:in[- ]person only|only in person|do(?:es)?(?: not|n'?t) offer (?:tele\w+|virtual|video)|"
    r"no (?:tele\w+|virtual visits))\b",
    re.I,
)


def therapy(doc: Document) -> tuple[bool | None, list[dict]]:
    pos, neg = [], []
    for s in sentences(doc):
        text = s.text
        if s.question:
            continue
        if _THERAPY_NEG_RE.search(text):
            neg.append(text)
            continue
        m = _THERAPY_POS_RE.search(text)
        if not m:
            continue
        seg = L.span_at(L.segments(text), m.start())
        if L.CONTRAST_START_RE.search(seg.text) or L.THIRD_PARTY_RE.search(seg.text):
            continue
        if text[: m.start()].count('"') % 2 or text[: m.start()].count("“") > text[
            : m.start()
        ].count("”"):
            continue  # inside a quotation: a figure of speech or someone's words
        if _CLINICIAN_ONLY_RE.search(m.group(0)) and _INTAKE_RE.search(text):
            continue
        if _GENERAL_RE.search(text) and not L.OWN_RE.search(text):
            continue
        pos.append(text)
    if neg:
        return False, [{"value": False, "quote": L.quote(neg[0])}]
    if pos:
        return True, [{"value": True, "quote": L.quote(pos[0])}]
    return None, []


def care_steps(doc: Document) -> tuple[list[str], list[dict]]:
    found: dict[str, str] = {}
    for s in sentences(doc):
        text = s.text
        if s.question or (L.NEGATION_RE.search(text) and L.OFFER_VERB_RE.search(text)):
            continue
        if L.GENERAL_INFO_RE.search(text) and not L.OWN_RE.search(text):
            continue
        for step, pattern in _STEPS.items():
            if step not in found and pattern.search(text):
                found[step] = text
    ordered = [c for c in CARE_STEPS if c in found]
    return ordered, [{"value": c, "quote": L.quote(found[c])} for c in ordered]


def telehealth(doc: Document) -> tuple[bool | None, list[dict]]:
    for s in sentences(doc):
        if _TELE_NEG_RE.search(s.text):
            return False, [{"value": False, "quote": L.quote(s.text)}]
    for s in sentences(doc):
        if s.question:
            continue
        if _TELE_RE.search(s.text) and not (
            L.NEGATION_RE.search(s.text) and L.OFFER_VERB_RE.search(s.text)
        ):
            return True, [{"value": True, "quote": L.quote(s.text)}]
    return None, []
