"""Routes offered: negations, contrasts, third parties, referrals, questions and general
explanations are not offers."""

import pytest

from crawler.extract.routes import mentions


@pytest.mark.parametrize(
    "body, offered",
    [
        ("<p>We offer IV ketamine infusions and Spravato.</p>", ["iv", "spravato"]),
        ("<p>Unlike IV clinics, we use IM injections.</p>", ["im"]),
        ("<p>We do not offer Spravato. Our IV infusions take 45 minutes.</p>", ["iv"]),
        (
            "<p>IV ketamine is not available at this location. We provide intramuscular ketamine.</p>",
            ["im"],
        ),
        ("<p>We use IM injections instead of IV infusions.</p>", ["im"]),
        ("<p>We give ketamine only by infusion, never by IM injection.</p>", ["iv"]),
        ("<p>We offer IM and oral ketamine, but not Spravato.</p>", ["im", "oral"]),
        (
            "<p>We do not offer IV infusions, IM injections, or nasal ketamine. Spravato is our only treatment.</p>",
            ["spravato"],
        ),
        ("<p>Some practices give ketamine as an intramuscular shot; we use infusions.</p>", ["iv"]),
        (
            "<p>If you are looking for Spravato, we are happy to refer you to a certified center.</p><p>Our infusions are calm.</p>",
            ["iv"],
        ),
        (
            "<p>Ketamine can be given IV, IM, orally or as a nasal spray. Our clinic provides infusions.</p>",
            ["iv"],
        ),
        (
            "<h3>Do you offer Spravato?</h3><p>No, not at this time.</p><p>We provide IV ketamine.</p>",
            ["iv"],
        ),
        (
            "<h3>Do you offer at-home ketamine?</h3><p>Yes, we prescribe sublingual lozenges.</p>",
            ["oral"],
        ),
        (
            "<p>IV therapy is not something we provide, and we are not a Spravato clinic. Sessions use intramuscular ketamine.</p>",
            ["im"],
        ),
        (
            "<p>Our psychiatrist prescribes a compounded ketamine nasal spray.</p>",
            ["intranasal_ketamine"],
        ),
        ("<p>Spravato (esketamine) nasal spray is given in our office.</p>", ["spravato"]),
        (
            "<p>We do not treat with IV vitamin drips. Ketamine is given by intramuscular injection.</p>",
            ["im"],
        ),
        (
            "<p>Also available: IV vitamin therapy and NAD+ infusions. We offer Spravato.</p>",
            ["spravato"],
        ),
        ("<p>Coming soon: Spravato. We currently offer IV ketamine.</p>", ["iv"]),
        (
            "<p>We don't do IV infusions; if an infusion is a better fit, we coordinate with an infusion center.</p>"
            "<p>We offer IM ketamine.</p>",
            ["im"],
        ),
        ("<h2>IV vs. IM ketamine: which is right for you?</h2><p>We offer both.</p>", []),
    ],
)
def test_routes_offered(extract, body, offered):
    assert extract(body)["routes_offered"] == sorted(offered)


def test_location_scoped_negation_on_a_multi_location_page(extract):
    body = """<h2>Tampa</h2><address>2701 W Swann Ave, Tampa, FL 33606</address><p>IV ketamine · Spravato</p>
    <h2>St. Petersburg</h2><address>150 2nd Ave N, St. Petersburg, FL 33701</address>
    <p>IV ketamine. Spravato is not offered at this location.</p>"""
    assert extract(body)["routes_offered"] == ["iv", "spravato"]


def test_routes_in_menus_and_footers_do_not_count(extract):
    # the helper page has "IV Ketamine" and "Spravato" in its menu only
    assert extract("<p>Contact us to book your first visit.</p>")["routes_offered"] == []


def test_each_route_offered_has_a_quote(extract):
    result = extract("<p>We offer IV ketamine infusions.</p>")
    assert result["evidence"]["routes_offered"] == [
        {
            "value": "iv",
            "quote": "We offer IV ketamine infusions.",
            "strength": "strong",
            "more_quotes": [],
        }
    ]


@pytest.mark.parametrize(
    "text, routes",
    [
        ("IV ketamine infusion", ["iv"]),
        ("I'm here to help", []),
        ("intramuscular (IM) injections", ["im"]),
        ("rapid-dissolve tablets (RDTs) and troches", ["oral"]),
        ("Spravato, an esketamine nasal spray", ["spravato"]),
        ("Myers' cocktail IV and NAD+ infusion", []),
        ("trigger point injections", []),
    ],
)
def test_route_mentions(text, routes):
    assert sorted({m.route for m in mentions(text)}) == routes


@pytest.mark.parametrize(
    "body, offered",
    [
        # the negation is in a relative clause, not on the offer
        (
            "<p>For pain that hasn't improved with other care, we provide intramuscular ketamine.</p>",
            ["im"],
        ),
        (
            "<p>We offer one treatment for anxiety that isn't helped by medication: IM ketamine.</p>",
            ["im"],
        ),
        # a plain "nasal spray" under a Spravato heading, or FDA-approved, is Spravato
        (
            "<h2>Esketamine</h2><p>A nasal spray you use in our office under supervision.</p>",
            ["spravato"],
        ),
        ("<p>We provide the FDA-approved nasal spray for depression.</p>", ["spravato"]),
    ],
)
def test_routes_offered_more(extract, body, offered):
    assert extract(body)["routes_offered"] == sorted(offered)
