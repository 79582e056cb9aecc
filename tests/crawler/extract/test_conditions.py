"""Conditions treated, not the ones named as reasons not to treat."""

import pytest


@pytest.mark.parametrize("body, expected", [
    ("<p>We treat treatment-resistant depression, anxiety, PTSD and OCD.</p>", ["anxiety", "depression", "ocd", "ptsd"]),
    ("<ul><li>CRPS and neuropathic pain</li><li>Migraine</li><li>Fibromyalgia</li></ul>",
     ["chronic_pain", "migraine", "fibromyalgia"]),
    ("<p>Spravato is for adults with major depressive disorder with acute suicidal ideation.</p>",
     ["depression", "suicidal_ideation"]),
    ("<p>We help people with alcohol use disorder and eating disorders.</p>", ["substance_use", "eating_disorders"]),
    ("<p>People with a history of psychosis or active substance use disorder may not be candidates.</p>", []),
    ("<p>We do not treat people with uncontrolled bipolar disorder.</p>", []),
    ("<p>We track progress with the PHQ-9 and GAD-7.</p>", []),
    ("<p>Ketamine for bipolar depression.</p>", ["bipolar", "depression"]),
    ("<p>Support for existential distress at the end of life.</p>", ["other"]),
])
def test_conditions(extract, body, expected):
    assert sorted(extract(body)["conditions"]) == sorted(expected)
