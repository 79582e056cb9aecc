"""Therapy integration, KAT care steps and telehealth."""

import pytest


@pytest.mark.parametrize(
    "body, expected",
    [
        ("<p>Our licensed therapists lead integration sessions after each infusion.</p>", True),
        ("<h2>Ketamine-Assisted Psychotherapy (KAP)</h2><p>Sessions last three hours.</p>", True),
        ("<p>We do not provide psychotherapy ourselves; we work with your therapist.</p>", False),
        ("<p>Studies suggest ketamine may work better when combined with psychotherapy.</p>", None),
        ("<p>Infusions last 45 minutes.</p>", None),
    ],
)
def test_therapy_integrated(extract, body, expected):
    assert extract(body)["therapy_integrated"] is expected


def test_care_steps(extract):
    body = """<ol><li>A medical evaluation and screening questionnaires</li>
    <li>A preparation session about set and setting</li>
    <li>Treatment with continuous blood pressure and oxygen monitoring</li>
    <li>Integration sessions with our therapist</li>
    <li>A follow-up call the next day</li><li>We track your progress with the PHQ-9.</li></ol>"""
    assert extract(body)["care_steps"] == [
        "assessment",
        "preparation",
        "medical_monitoring",
        "integration",
        "follow_up",
        "outcome_tracking",
    ]


@pytest.mark.parametrize(
    "body, expected",
    [
        ("<p>Your first consultation happens over telehealth.</p>", True),
        ("<p>Follow-up visits by secure video.</p>", True),
        ("<p>All visits are in person only.</p>", False),
        ("<p>We are downtown.</p>", None),
    ],
)
def test_telehealth(extract, body, expected):
    assert extract(body)["telehealth"] is expected


@pytest.mark.parametrize(
    "body",
    [
        "<h2>Bring your own therapist</h2><p>We are glad to share notes with your existing therapist.</p>",
        "<p>Patients may keep seeing your current therapist during the infusion series.</p>",
    ],
)
def test_the_patients_own_therapist_is_not_therapy_provided_here(extract, body):
    assert extract(body)["therapy_integrated"] is None
