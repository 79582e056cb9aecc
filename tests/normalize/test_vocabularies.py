"""Words mapped to the model's vocabularies."""

from __future__ import annotations

import pytest

from katdir.normalize import (
    normalize_care_step,
    normalize_condition,
    normalize_route,
)


@pytest.mark.parametrize(
    ("word", "route"),
    [
        ("IV infusion", "iv"),
        ("intravenous", "iv"),
        ("IM injection", "im"),
        ("troches", "oral"),
        ("sublingual RDT", "oral"),
        ("Spravato®", "spravato"),
        ("esketamine nasal spray", "spravato"),
        ("compounded nasal spray", "intranasal_ketamine"),
        ("iv", "iv"),
        ("acupuncture", None),
    ],
)
def test_routes_map_to_the_vocabulary(word, route):
    assert normalize_route(word) == route


@pytest.mark.parametrize(
    ("word", "condition"),
    [
        ("treatment-resistant depression", "depression"),
        ("TRD", "depression"),
        ("post-traumatic stress", "ptsd"),
        ("CRPS", "chronic_pain"),
        ("bipolar depression", "bipolar"),
        ("suicidal thoughts", "suicidal_ideation"),
        ("alcohol use disorder", "substance_use"),
        ("migraines", "migraine"),
        ("tinnitus", "other"),
    ],
)
def test_conditions_map_to_the_vocabulary(word, condition):
    assert normalize_condition(word) == condition


@pytest.mark.parametrize(
    ("word", "step"),
    [
        ("medical screening", "assessment"),
        ("integration sessions", "integration"),
        ("PHQ-9 outcome measures", "outcome_tracking"),
        ("vital signs monitored", "medical_monitoring"),
        ("follow-up call", "follow_up"),
        ("preparation session", "preparation"),
    ],
)
def test_care_steps_map_to_the_vocabulary(word, step):
    assert normalize_care_step(word) == step
