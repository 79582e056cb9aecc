"""Conditions treated, not the ones named as reasons not to treat."""

import pytest


@pytest.mark.parametrize(
    "body, expected",
    [
        (
            "<p>We treat treatment-resistant depression, anxiety, PTSD and OCD.</p>",
            ["anxiety", "depression", "ocd", "ptsd"],
        ),
        (
            "<ul><li>CRPS and neuropathic pain</li><li>Migraine</li><li>Fibromyalgia</li></ul>",
            ["chronic_pain", "migraine", "fibromyalgia"],
        ),
        (
            "<p>Spravato is for adults with major depressive disorder with acute suicidal ideation.</p>",
            ["depression", "suicidal_ideation"],
        ),
        (
            "<p>We help people with alcohol use disorder and eating disorders.</p>",
            ["substance_use", "eating_disorders"],
        ),
        (
            "<p>People with a history of psychosis or active substance use disorder may not be candidates.</p>",
            [],
        ),
        ("<p>We do not treat people with uncontrolled bipolar disorder.</p>", []),
        ("<p>We track progress with the PHQ-9 and GAD-7.</p>", []),
        ("<p>Ketamine for bipolar depression.</p>", ["bipolar", "depression"]),
        ("<p>Support for existential distress at the end of life.</p>", ["other"]),
    ],
)
def test_conditions(extract, body, expected):
    assert sorted(extract(body)["conditions"]) == sorted(expected)


@pytest.mark.parametrize(
    "body, expected",
    [
        # a crisis-line notice is safety advice, not a condition treated here
        (
            "<p>We treat depression.</p><p>Having thoughts of suicide right now? Dial 988 or 911.</p>",
            ["depression"],
        ),
        ("<p>We can't treat anyone with bipolar disorder at this time.</p>", []),
        ("<p>We don’t currently treat OCD.</p><p>We treat anxiety.</p>", ["anxiety"]),
        # a clinician's specialty is not a condition the clinic treats
        ("<p>Dr. Reyes is board-certified in addiction psychiatry. We treat PTSD.</p>", ["ptsd"]),
    ],
)
def test_conditions_not_treated_here(extract, body, expected):
    assert sorted(extract(body)["conditions"]) == sorted(expected)
