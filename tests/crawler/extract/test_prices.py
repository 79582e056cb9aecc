"""Prices in context: kinds, series, ranges, starting-at, and the prices that are not the
clinic's own (market prices, equivalents, savings, non-ketamine services)."""

import pytest

from crawler.extract.prices import money_in, series_count

from .helpers import price_keys


@pytest.mark.parametrize(
    "sentence, expected",
    [
        ("We charge $450 per infusion.", {(450.0, None, "per_session", None, "iv")}),
        ("A series of six infusions is $2,400.", {(2400.0, None, "series", 6, "iv")}),
        ("Six infusions for $2,400.", {(2400.0, None, "series", 6, "iv")}),
        ("Our six-infusion package costs $2,550.", {(2550.0, None, "series", 6, "iv")}),
        ("Consultation: $150", {(150.0, None, "consultation", None, None)}),
        ("Initial psychiatric evaluation — $300", {(300.0, None, "consultation", None, None)}),
        ("IV ketamine infusions starting at $399.", {(399.0, None, "per_session", None, "iv")}),
        (
            "Infusions range from $400–$500 per infusion depending on length.",
            {(400.0, 500.0, "per_session", None, "iv")},
        ),
        ("Booster infusions are $425.", {(425.0, None, "maintenance", None, "iv")}),
        ("Maintenance sessions: $375 each", {(375.0, None, "maintenance", None, None)}),
        ("IM ketamine injection: $300", {(300.0, None, "per_session", None, "im")}),
        (
            "Spravato self-pay price: $780 per treatment",
            {(780.0, None, "per_session", None, "spravato")},
        ),
        (
            "Ketamine lozenges (at-home program) $199 per dose",
            {(199.0, None, "per_session", None, "oral")},
        ),
        ("Integration session with our therapist: $175", {(175.0, None, "other", None, None)}),
        ("Four IM sessions purchased together: $1,150", {(1150.0, None, "series", 4, "im")}),
        (
            "Each infusion is $400, or $2,200 when you prepay for six.",
            {(400.0, None, "per_session", None, "iv"), (2200.0, None, "series", 6, "iv")},
        ),
    ],
)
def test_prices_read_in_context(extract, sentence, expected):
    assert price_keys(extract(f"<p>{sentence}</p>")) == expected


@pytest.mark.parametrize(
    "sentence",
    [
        "Nationally, ketamine infusions cost $400–$800 per session.",
        "Treatments cost on average between $400 and $800.",
        "Most clinics charge $500 to $700 for a single infusion.",
        "The typical price at infusion centers is $600 per visit.",
        "Hospital-based programs can bill $1,000 or more per infusion.",
        "According to a 2023 survey, the median price was $525.",
        "Insurance rarely covers ketamine, and infusions usually run $450–$750.",
        "Save $300 when you book six infusions.",
        "A $100 deposit is required to book; late cancellations are charged $150.",
        "IV vitamin drips from $150 and NAD+ infusions for $500.",
        "Botox: $12 per unit. Hydration therapy: $129.",
        "Many patients pay as little as $10 per Spravato treatment through the manufacturer's savings program.",
        "Your co-pay for Spravato may be $35.",
        "Financing available for as low as $99/month with CareCredit.",
        "How much does a ketamine infusion cost? ",
    ],
)
def test_prices_that_are_not_the_clinics_own_are_ignored(extract, sentence):
    assert extract(f"<p>{sentence}</p><p>We offer IV ketamine infusions.</p>")["prices"] == []


def test_market_price_sentence_beside_own_price_keeps_only_own(extract):
    result = extract("<p>Nationally, infusions cost $400–$800; our price is $450 per infusion.</p>")
    assert price_keys(result) == {(450.0, None, "per_session", None, "iv")}


def test_while_other_clinics_charge_more_we_charge_less(extract):
    result = extract("<p>While most clinics charge $650 per infusion, we charge $450.</p>")
    assert price_keys(result) == {(450.0, None, "per_session", None, "iv")}


def test_per_session_equivalent_of_a_series_is_not_a_second_price(extract):
    result = extract("<p>Our initial series of six infusions costs $2,400 ($400 per infusion).</p>")
    assert price_keys(result) == {(2400.0, None, "series", 6, "iv")}


def test_series_and_single_price_in_separate_sentences_are_both_kept(extract):
    result = extract("<p>Single infusion: $400. Six infusions: $2,400.</p>")
    assert price_keys(result) == {
        (400.0, None, "per_session", None, "iv"),
        (2400.0, None, "series", 6, "iv"),
    }


def test_price_table_rows(extract):
    result = extract("""<table><tr><th>Service</th><th>Fee</th></tr>
      <tr><td>Initial consultation</td><td>$195</td></tr>
      <tr><td>Single infusion (40 min)</td><td>$495</td></tr>
      <tr><td>Loading series (6 infusions)</td><td>$2,700</td></tr>
      <tr><td>NAD+ IV therapy</td><td>$450</td></tr></table>""")
    assert price_keys(result) == {
        (195.0, None, "consultation", None, None),
        (495.0, None, "per_session", None, "iv"),
        (2700.0, None, "series", 6, "iv"),
    }


def test_pricing_card_with_split_currency_markup(extract):
    card = """<div class="price-card"><h3>{title}</h3><span class="sub">{sub}</span>
      <div class="price"><span class="cur">$</span><span class="int">{amount}</span></div></div>"""
    body = card.format(title="Initial Series", sub="6 infusions", amount="2,550") + card.format(
        title="Booster Infusion", sub="after your series", amount="450"
    )
    result = extract(body)
    assert price_keys(result) == {
        (2550.0, None, "series", 6, "iv"),
        (450.0, None, "maintenance", None, "iv"),
    }


def test_heading_gives_the_route_of_a_price(extract):
    result = extract(
        "<h2>IM ketamine</h2><p>Each session is $325.</p><h2>Infusions</h2><p>$475 per visit.</p>"
    )
    assert price_keys(result) == {
        (325.0, None, "per_session", None, "im"),
        (475.0, None, "per_session", None, "iv"),
    }


def test_single_offered_route_is_the_route_of_an_unrouted_session_price(extract):
    result = extract("<p>We offer intramuscular ketamine only.</p><p>A session costs $350.</p>")
    assert price_keys(result) == {(350.0, None, "per_session", None, "im")}


def test_no_prices_on_an_article(extract):
    article = """<html><head><title>What ketamine costs | Cost Guide</title>
      <script type="application/ld+json">{"@context":"https://schema.org","@type":"Article","headline":"x"}</script>
      </head><body><article><h1>What ketamine costs</h1><p class="byline">By Jane Doe · March 3, 2024</p>
      <p>A single infusion is $450 at one Denver clinic.</p></article></body></html>"""
    result = extract(article, raw=True, url="https://guide.test/blog/cost/")
    assert result["page_type"] == "article"
    assert result["prices"] == [] and result["routes_offered"] == []


def test_money_ranges_and_units():
    assert [(m.low, m.high) for m in money_in("$400–$800, $2,400 to $4,800, $95 and 3 hours")] == [
        (400.0, 800.0),
        (2400.0, 4800.0),
        (95.0, None),
    ]


@pytest.mark.parametrize(
    "text, n",
    [
        ("a series of six", 6),
        ("6 IV infusions", 6),
        ("Five-treatment bundle", 5),
        ("4 sessions a month", 4),
        ("when you prepay for six", 6),
        ("a 50-minute session", None),
        ("one dose", None),
        ("3 hours", None),
    ],
)
def test_series_count(text, n):
    assert series_count(text) == n


def test_series_count_stated_earlier_in_the_sentence(extract):
    result = extract(
        "<p>We suggest a course of eight treatments, and you can prepay it as a bundle for $3,100.</p>"
        "<p>We offer IV ketamine infusions.</p>"
    )
    assert price_keys(result) == {(3100.0, None, "series", 8, "iv")}


def test_series_count_is_not_borrowed_from_another_amount(extract):
    result = extract("<p>Our 3-pack of infusions is $1,300 and our induction series is $2,500.</p>")
    assert price_keys(result) == {
        (1300.0, None, "series", 3, "iv"),
        (2500.0, None, "series", None, "iv"),
    }


def test_series_count_in_the_paragraph_under_a_price_heading(extract):
    result = extract("""<h2>Intramuscular ketamine package — $1,650</h2>
      <p>5 injections spread over two weeks. Two follow-up calls are included.</p>
      <h2>Infusion bundle — $2,900</h2><p>Seven infusions, usually within three weeks.</p>""")
    assert price_keys(result) == {
        (1650.0, None, "series", 5, "im"),
        (2900.0, None, "series", 7, "iv"),
    }


def test_series_count_not_read_from_a_paragraph_with_its_own_price(extract):
    result = extract(
        """<h2>IV infusion package — $2,800</h2><p>Add 2 booster infusions for $700.</p>"""
    )
    assert (2800.0, None, "series", None, "iv") in price_keys(result)


@pytest.mark.parametrize(
    "sentence",
    [
        "New-patient assessment: $225, credited toward your first IV session",
        "Medical screening (needed prior to your first infusion) | $180",
    ],
)
def test_consultation_leading_to_a_treatment_gets_no_route(extract, sentence):
    result = extract(f"<p>{sentence}</p><p>We offer IV ketamine infusions.</p>")
    assert {(k[0], k[2], k[4]) for k in price_keys(result)} == {
        (float(sentence.split("$")[1][:3]), "consultation", None)
    }


def test_consultation_naming_its_route_keeps_it(extract):
    result = extract("<p>IM ketamine consultation: $210</p><p>We offer IV and IM ketamine.</p>")
    assert price_keys(result) == {(210.0, None, "consultation", None, "im")}
