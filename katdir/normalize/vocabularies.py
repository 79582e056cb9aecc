"""Words for routes, conditions and care steps mapped to the model's vocabularies."""

from __future__ import annotations

import re
from typing import Any

from katdir.model import CARE_STEPS, CONDITIONS, ROUTES

_ROUTE_WORDS: tuple[tuple[re.Pattern, str], ...] = tuple(
    (re.compile(p, re.I), v)
    for p, v in (
        (r"spravato|esketamine|nasal spray \(esk", "spravato"),
        (r"intra-?nasal|nasal spray|nasal", "intranasal_ketamine"),
        (r"\biv\b|intravenous|infusion", "iv"),
        (r"\bim\b|intramuscular|injection|shot", "im"),
        (r"oral|troche|lozenge|sublingual|\brdt\b|tablet|at-?home|capsule|buccal", "oral"),
    )
)
_CONDITION_WORDS: tuple[tuple[re.Pattern, str], ...] = tuple(
    (re.compile(p, re.I), v)
    for p, v in (
        (r"suicid", "suicidal_ideation"),
        (r"bipolar", "bipolar"),
        (r"ptsd|post-?traumatic|trauma", "ptsd"),
        (r"\bocd\b|obsessive", "ocd"),
        (r"depress|\bmdd\b|\btrd\b|mood disorder", "depression"),
        (r"anxiety|panic|\bgad\b", "anxiety"),
        (r"fibromyalgia", "fibromyalgia"),
        (r"migraine|headache", "migraine"),
        (r"pain|crps|\brsd\b|neuropath", "chronic_pain"),
        (r"substance|addiction|alcohol|opioid|\baud\b|\bsud\b|dependence", "substance_use"),
        (r"eating|anorexia|bulimia|binge", "eating_disorders"),
    )
)
_CARE_STEP_WORDS: tuple[tuple[re.Pattern, str], ...] = tuple(
    (re.compile(p, re.I), v)
    for p, v in (
        (r"outcome|phq|gad-?7|questionnaire|measure|track", "outcome_tracking"),
        (r"follow", "follow_up"),
        (r"integrat", "integration"),
        (r"prepar|\bprep\b|set and setting", "preparation"),
        (r"monitor|vital|nurse|anesthesi|supervis", "medical_monitoring"),
        (r"educat|informed consent|orientation", "education"),
        (r"assess|screen|evaluat|intake|consult", "assessment"),
    )
)


def _vocabulary(word: Any, known: tuple[str, ...], table) -> str | None:
    if not isinstance(word, str):
        return None
    text = word.strip().lower().replace("-", "_").replace(" ", "_")
    if text in known:
        return text
    for pattern, value in table:
        if pattern.search(word):
            return value
    return None


def normalize_route(word: Any) -> str | None:
    """'IV infusion' → 'iv'; 'Spravato®' → 'spravato'; 'troches' → 'oral'; None if unknown."""
    return _vocabulary(word, ROUTES, _ROUTE_WORDS)


def normalize_condition(word: Any) -> str | None:
    """'treatment-resistant depression' → 'depression'; 'CRPS' → 'chronic_pain'."""
    value = _vocabulary(word, CONDITIONS, _CONDITION_WORDS)
    if value is None and isinstance(word, str) and word.strip():
        return "other"
    return value


def normalize_care_step(word: Any) -> str | None:
    """'integration sessions' → 'integration'; 'PHQ-9 tracking' → 'outcome_tracking'."""
    return _vocabulary(word, CARE_STEPS, _CARE_STEP_WORDS)
