"""Insurance, Spravato coverage, VA Community Care, HSA/FSA, financing."""

import pytest


def flags(result):
    return {k: v for k, v in result["insurance"].items() if v is not None}


@pytest.mark.parametrize(
    "body, expected",
    [
        (
            "<p>Spravato is covered by most insurance plans.</p>",
            {"spravato_insurance": True, "accepts_insurance": True},
        ),
        ("<p>We accept Aetna, Cigna and Medicare.</p>", {"accepts_insurance": True}),
        (
            "<p>We do not bill insurance, but we provide a superbill.</p>",
            {"accepts_insurance": False},
        ),
        ("<p>We are a cash-based practice.</p>", {"accepts_insurance": False}),
        (
            "<p>IV infusions are self-pay; we bill your insurance for Spravato.</p>",
            {"accepts_insurance": True, "spravato_insurance": True},
        ),
        ("<p>Insurance rarely covers ketamine infusions for depression.</p>", {}),
        (
            "<h3>Do you take insurance?</h3><p>No. Payment is due at each visit.</p>",
            {"accepts_insurance": False},
        ),
        (
            "<h3>Do you take insurance?</h3><p>We do not bill insurance for ketamine sessions.</p>",
            {"accepts_insurance": False},
        ),
        (
            "<p>We don't take insurance, but we do accept HSA cards.</p>",
            {"accepts_insurance": False, "hsa_fsa": True},
        ),
        ("<p>We are a VA Community Care Network provider.</p>", {"va_community_care": True}),
        (
            "<p>Veterans may be seen through the VA's Community Care program.</p>",
            {"va_community_care": True},
        ),
        ("<p>HSA and FSA cards accepted.</p>", {"hsa_fsa": True}),
        ("<p>Financing is available through CareCredit.</p>", {"financing": True}),
        ("<p>We do not offer payment plans.</p>", {"financing": False}),
    ],
)
def test_insurance_flags(extract, body, expected):
    assert flags(extract(body)) == expected


def test_insurance_evidence_has_quotes(extract):
    result = extract("<p>We accept HSA and FSA cards.</p>")
    assert {"field": "hsa_fsa", "value": True, "quote": "We accept HSA and FSA cards."} in result[
        "evidence"
    ]["insurance"]


@pytest.mark.parametrize(
    "body, expected",
    [
        # Spravato only as a contrast
        (
            "<p>Compared with Spravato, which most insurance plans cover, our infusions are self-pay.</p>",
            {"accepts_insurance": False},
        ),
        # the clinic says it does not offer Spravato: its coverage is general information
        (
            "<h3>Is Spravato available at your clinic?</h3><p>No. Spravato is covered by many insurance plans, "
            "and we can refer you.</p>",
            {},
        ),
        # label / value pair and section heading
        (
            "<div>Esketamine visits</div><div>We bill your insurer</div><p>We provide Spravato.</p>",
            {"accepts_insurance": True, "spravato_insurance": True},
        ),
        (
            "<h2>Spravato and your insurance</h2><p>Our staff submits the prior authorization for you.</p>",
            {"accepts_insurance": True, "spravato_insurance": True},
        ),
    ],
)
def test_spravato_coverage_in_context(extract, body, expected):
    assert flags(extract(body)) == expected
