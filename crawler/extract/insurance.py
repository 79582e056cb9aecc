"""How a clinic can be paid: insurance (and Spravato's insurance coverage), the VA's
Community Care programme, HSA/FSA cards and financing.

Statements about insurance in general ("insurance rarely covers ketamine infusions") say
nothing about the clinic; a clinic that bills insurance for any of its ketamine services
(typically Spravato) accepts insurance.
"""

from __future__ import annotations

import re

from katdir.model import INSURANCE_FIELDS

from . import language as L
from .document import Document
from .reading import sentences

FIELDS = INSURANCE_FIELDS

_INSURANCE_RE = re.compile(
    r"\b(insurance|insurances|insurers?|health plans?|(?:your|most|all|many|commercial|major) (?:\w+ )?plans|"
    r"coverage|benefits|in[- ]network|out[- ]of[- ]network|medicare|medicaid|tricare|aetna|cigna|"
    r"blue ?cross|bcbs|blue ?shield|united ?health\w*|humana|kaiser|premera|regence|anthem|florida blue|"
    r"apple health|ahcccs|optum|prior auth\w*|authorization paperwork|superbills?)\b",
    re.I,
)
_ACCEPT_NEG_RE = re.compile(
    r"\b(?:do|does|can|will|are)(?: not|n['’]?t)(?: currently)? (?:accept|take|bill|file|work with|participate|contract|submit)\w*|"
    r"\bcan['’]?t bill\b|\bunable to (?:accept|bill)\b|\bnot (?:in[- ]network|contracted|accepted)\b|"
    r"\b(?:isn|aren)['’]?t accepted\b|\bout[- ]of[- ]network\b|\bself[- ]pay\b|\bcash[- ](?:pay|based|only)\b|"
    r"\bprivate[- ]pay\b|\bfee[- ]for[- ]service\b|\bsuperbills?\b|\bno insurance\b|"
    # "not covered by insurance, and you pay the full cost": payment due in full (README convention)
    r"\bnot covered by (?:any |your )?insurance\b(?=.*\b(?:we|responsible|in full|full cost|out of pocket)\b)|"
    r"\b(?:make|makes) no attempt to (?:collect|bill|file)\b|\bwill not (?:submit|file|bill)\b|"
    r"\bnon-?participating (?:provider|practice)s?\b",
    re.I,
)
_ACCEPT_POS_RE = re.compile(
    r"\b(?:we|our (?:office|clinic|practice|team|staff|billing \w+))(?:['’]re|['’]ll| are| will| can| do| also| gladly|"
    r" happily| currently| now|\s)+(?:\w+ )?(?:accept|take|bill|file|submit|verify|verifies|handle|handles|complete|"
    r"completes|work with|participate|contract|in[- ]network)\w*|"
    r"\b(?:billed|billable) (?:directly )?to (?:your )?(?:insurance|health plan|plan|insurer)\b|"
    r"\binsurance (?:is )?accepted\b|\b(?:in[- ]network|in network) (?:with|for)\b|\baccept(?:s|ed|ing)? (?:most |many |all )?"
    r"(?:major )?(?:insurance|plans|medicare|medicaid|tricare|aetna|cigna)\b|\bverify your (?:benefits|coverage|insurance)\b|"
    r"\bprior auth\w* for you\b",
    re.I,
)
# a self-pay practice says it takes no insurance without naming insurance
_SELF_PAY_PRACTICE_RE = re.compile(
    r"\b(?:self|cash|private)[- ](?:pay|based|only)(?: only)?[- ](?:practice|clinic|office|model|basis|provider|center|centre)\b|"
    r"\bwe are (?:an? )?(?:self|cash|private)[- ](?:pay|based)\b|\bfee[- ]for[- ]service (?:practice|clinic|model)\b",
    re.I,
)
_COVERED_RE = re.compile(
    r"\b(covered|covers|cover|coverage|pays? for|billed|bill|in[- ]network|prior auth\w*|"
    r"authorization|accept\w*|reimburs\w*)\b",
    re.I,
)
_NOT_COVERED_RE = re.compile(
    r"\b(not|never|isn'?t|aren'?t|rarely) (?:\w+ )?(?:covered|cover|pay)\b", re.I
)
_SPRAVATO_RE = re.compile(r"\b(spravato|esketamine)\b", re.I)
_VA_RE = re.compile(
    r"\bVA['’]?s? Community Care\b|\bCommunity Care Network\b|\bVA CCN\b|\bTriWest\b|\bOptum Serve\b|"
    r"\bVA (?:referrals?|MISSION Act|-approved|approved|authorized)\b|\bthrough the VA\b|\bVA community provider\b",
    re.I,
)
_HSA_RE = re.compile(r"\b(HSA|FSA|health savings accounts?|flexible spending accounts?)\b", re.I)
_FINANCING_RE = re.compile(
    r"\b(financing|finance|CareCredit|Care Credit|Advance Care|Cherry|Affirm|Sunbit|PatientFi|"
    r"Prosper Healthcare Lending|LendingClub|payment plans?|monthly payments?|installments?)\b",
    re.I,
)
_NEG_NEAR_RE = re.compile(
    r"\b(not|no|don'?t|doesn'?t|do not|does not|cannot|can'?t|unable)\b|n['’]t\b", re.I
)
_ASKS_RE = re.compile(r"\b(do|does|can|will|is|are)\b", re.I)
# "We do not bill insurance" answers no, though it starts with "we do"
_YES_RE = re.compile(r"^\s*(yes|yep|absolutely|of course|certainly|we do(?!\s+not\b)|sure)\b", re.I)
_NO_RE = re.compile(r"^\s*(no|nope|we don'?t|we do not|unfortunately)\b", re.I)


# cheap pre-filter: sentences without any payment vocabulary are skipped
_ANY_RE = re.compile(
    r"insur|plan|cover|network|medic|tricare|aetna|cigna|blue|united|humana|kaiser|premera|regence|"
    r"anthem|auth|superbill|pay|cash|\bVA\b|veteran|community care|CCN|triwest|optum|HSA|FSA|savings|"
    r"spending|financ|credit|cherry|affirm|sunbit|advance care|installment|monthly|ahcccs|benefit|"
    r"bill|accept|fee[- ]for|spravato|esketamine",
    re.I,
)


def _contrast_spravato(clause: str) -> bool:
    """Spravato named only as a contrast: "Unlike Spravato, which plans cover, IV ketamine is not"."""
    m = _SPRAVATO_RE.search(clause)
    seg = L.span_at(L.segments(clause), m.start()).text if m else ""
    return bool(L.CONTRAST_START_RE.search(seg) or L.CONTRAST_INLINE_RE.search(seg))


def _label_of(doc: Document, block) -> str | None:
    """The label of a short value block in a label / value pair (two short blocks in a row)."""
    i = block.index
    if i <= 0 or len(L.words(block.text)) > 5 or block.is_heading:
        return None
    prev = doc.blocks[i - 1]
    if prev.region != block.region or len(L.words(prev.text)) > 8 or prev.is_heading:
        return None
    return prev.text


# "Most insurance plans cover this treatment" on a page about Spravato alone
_THIS_COVERED_RE = re.compile(
    r"\b(?:is|are|and) (?:usually |often |generally |typically )?covered by (?:most )?(?:insurance|insurers|health plans|"
    r"(?:your |most |many )?(?:insurance )?plans)\b|\b(?:insurance|insurers|(?:most |many )?(?:insurance |health )?plans) "
    r"(?:usually |often |generally |typically )?cover (?:this|the|it|Spravato|esketamine)\b",
    re.I,
)


def find(
    doc: Document, *, spravato_not_offered: bool = False, spravato_page: bool = False
) -> tuple[dict[str, bool | None], list[dict]]:
    """spravato_not_offered: the page says the clinic does not offer Spravato, so what it says
    about Spravato's coverage is general information, not the clinic's billing.
    spravato_page: Spravato is the only treatment the page offers, so "this treatment is
    covered by insurance" speaks of Spravato at this practice."""
    votes: dict[str, list[tuple[bool, str]]] = {f: [] for f in FIELDS}
    for s in sentences(doc):
        text = s.text
        if s.question or (s.answers is None and not _ANY_RE.search(text)):
            continue
        # answers to "Do you take insurance?" / "Do you offer financing?"
        if s.answers and _ASKS_RE.search(s.answers):
            answer = True if _YES_RE.search(text) else False if _NO_RE.search(text) else None
            if answer is not None:
                q = s.answers
                if _INSURANCE_RE.search(q) and not _SPRAVATO_RE.search(q):
                    votes["accepts_insurance"].append((answer, q + " " + text))
                for field, pattern in (
                    ("va_community_care", _VA_RE),
                    ("hsa_fsa", _HSA_RE),
                    ("financing", _FINANCING_RE),
                ):
                    if pattern.search(q):
                        votes[field].append((answer, q + " " + text))
        general = bool(
            re.search(
                r"\b(rarely|generally|usually|typically|most insurers|few insurers|"
                r"health plans generally|insurers? (?:generally|usually|rarely))\b",
                text,
                re.I,
            )
        )
        if _INSURANCE_RE.search(text):
            if _ACCEPT_NEG_RE.search(text) and not (general and not L.OWN_RE.search(text)):
                votes["accepts_insurance"].append((False, text))
            if _ACCEPT_POS_RE.search(text):
                for clause in L.clauses(text):
                    c = clause.text
                    if (
                        _ACCEPT_POS_RE.search(c)
                        and _INSURANCE_RE.search(c)
                        and not _ACCEPT_NEG_RE.search(c)
                    ):
                        votes["accepts_insurance"].append((True, text))
                        break
        elif _SELF_PAY_PRACTICE_RE.search(text):
            votes["accepts_insurance"].append((False, text))
        # what a billing statement is about may be in its label ("Spravato sessions | Billed to
        # insurance") or its section heading ("Is Spravato covered?" — "Our team handles the
        # prior authorization")
        label = _label_of(doc, s.block)
        if not label and s.block.headings and _ACCEPT_POS_RE.search(text):
            label = s.block.headings[-1]
        sp_text = (
            f"{label}: {text}"
            if label and _SPRAVATO_RE.search(label) and not _SPRAVATO_RE.search(text)
            else text
        )
        if (
            not spravato_not_offered
            and _SPRAVATO_RE.search(sp_text)
            and (_INSURANCE_RE.search(sp_text) or re.search(r"\bcovered\b", sp_text, re.I))
        ):
            for clause in L.clauses(sp_text):
                if not (_SPRAVATO_RE.search(clause.text) or _INSURANCE_RE.search(clause.text)):
                    continue
                if _contrast_spravato(clause.text):
                    continue
                if _NOT_COVERED_RE.search(clause.text) and _SPRAVATO_RE.search(clause.text):
                    votes["spravato_insurance"].append((False, text))
                    break
                covered = [
                    m
                    for m in _COVERED_RE.finditer(clause.text)
                    if not re.search(
                        r"\b(without|no|lack(?:ing)?|lose|losing)\s+(?:\w+\s+)?$",
                        clause.text[: m.start()],
                        re.I,
                    )
                ]
                if covered:
                    votes["spravato_insurance"].append((True, text))
                    break
        if (
            spravato_page
            and _THIS_COVERED_RE.search(text)
            and not _NOT_COVERED_RE.search(text)
            and not L.CONTRAST_START_RE.search(text)
        ):
            votes["spravato_insurance"].append((True, text))
        for field, pattern in (
            ("va_community_care", _VA_RE),
            ("hsa_fsa", _HSA_RE),
            ("financing", _FINANCING_RE),
        ):
            m = pattern.search(text)
            if not m:
                continue
            negated = L.near_before(text, m.start(), _NEG_NEAR_RE, 5) and L.OFFER_VERB_RE.search(
                text
            )
            votes[field].append((not negated, text))
    result: dict[str, bool | None] = {}
    evidence: list[dict] = []
    for field in FIELDS:
        vs = votes[field]
        value = None
        if any(v for v, _ in vs):
            value = True
        elif vs:
            value = False
        result[field] = value
        if value is not None:
            q = next(t for v, t in vs if v == value)
            evidence.append({"field": field, "value": value, "quote": L.quote(q)})
    if result["spravato_insurance"] and not result["accepts_insurance"]:
        q = next(t for v, t in votes["spravato_insurance"] if v)
        result["accepts_insurance"] = True
        evidence.append({"field": "accepts_insurance", "value": True, "quote": L.quote(q)})
    return result, evidence
