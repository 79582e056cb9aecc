"""A confidence for each extracted fact: plain offers score high; market figures, hedged
mentions, implausible amounts and pages of unclear type score low."""

from __future__ import annotations

from crawler.extract import extract_page
from crawler.extract.confidence import price_confidence, route_confidence

PLAIN = """<html><head><title>Alder Ketamine</title></head><body><main><h1>Alder Ketamine</h1>
<p>We offer IV ketamine infusions for depression at our Bend office.</p>
<h2>Fees</h2><ul><li>IV ketamine infusion: $475</li><li>Series of six IV ketamine infusions: $2,600</li></ul>
<p>Call (541) 555-0147 to book your IV ketamine infusion.</p></main></body></html>"""

# a clinic page by its words, but published as an article
AS_ARTICLE = PLAIN.replace(
    "<head>",
    '<head><meta property="og:type" content="article">'
    '<meta property="article:published_time" content="2024-02-01">',
)


def test_plain_offers_are_sure():
    result = extract_page(PLAIN, "https://alder-ketamine.example/fees/")
    assert result["confidence"]["page_type"] >= 0.9
    assert result["confidence"]["routes_offered"]["iv"] >= 0.8
    assert [p["confidence"] for p in result["prices"]] and min(
        p["confidence"] for p in result["prices"]
    ) >= 0.9


def test_a_page_whose_type_is_in_doubt_makes_its_facts_unsure():
    result = extract_page(AS_ARTICLE, "https://alder-ketamine.example/blog/2024/02/our-fees/")
    if result["page_type"] == "clinic":  # the page-type rules may call it an article instead
        assert result["confidence"]["page_type"] < 0.6
        assert all(p["confidence"] < 0.6 for p in result["prices"])


def test_market_figures_hedges_and_odd_amounts_lower_a_fact():
    own = {"route": "iv", "kind": "per_session", "amount_min": 450.0, "quote": "IV infusion: $450"}
    assert price_confidence(own) >= 0.9
    market = {**own, "quote": "The average clinic charges $450 per IV infusion"}
    assert price_confidence(market) < 0.6
    odd = {**own, "amount_min": 12.0, "quote": "IV infusion: $12"}
    assert price_confidence(odd) < 0.6
    free = {"route": None, "kind": "consultation", "amount_min": 0.0, "quote": "Free consultation"}
    assert price_confidence(free) >= 0.6  # $0 consultations are real offers
    assert route_confidence(["We offer IV ketamine.", "Book an IV infusion."]) > route_confidence(
        ["We offer IV ketamine."]
    )
    assert route_confidence(["Ketamine can be given by IV, IM or nasal spray."]) < 0.6
    assert route_confidence(["Our psychiatrist may prescribe ketamine lozenges."]) >= 0.6
