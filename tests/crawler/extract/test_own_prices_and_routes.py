"""Own prices and offered routes, precision first (issue 9; the conventions of
shared/realweb/README.md): a price is the provider's own only where the provider states it as
its own, market evidence wins, and unclear prices are held for a curator instead of printed as
the provider's. Routes count only where this provider offers them.

The trap set (tests/fixtures/traps/pages.jsonl) is written for these tests, in the realweb
format, one page per trap: a clinic's cost guide quoting national ranges, "most clinics charge
…, our infusions are …", a fee table with a deposit and a non-ketamine drip, free
consultations, a booster, a series of six, another clinic's price named on a clinic's page, an
article quoting a named clinic, "we do not offer IM", "unlike IV clinics", a definition of the
routes, Spravato under its other names, a compounded nasal spray for home use.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.extract import extract_page, prices, routes, scoring, structured
from crawler.extract.cli import facts
from crawler.extract.document import parse

from .test_realweb_tuning_part import REALWEB_SET

TRAPS = Path(__file__).resolve().parents[2] / "fixtures" / "traps" / "pages.jsonl"


# trap pages whose own prices are stated plainly, with no one speaking in their sentence and
# on no price-list line ("Each infusion session is $525."): held for a curator, not published
PLAIN_STATEMENTS = {
    "t03": {(400.0, "maintenance")},
    "t06": {(525.0, "per_session"), (2850.0, "series")},
    "t09": {(350.0, "per_session")},
    "t22": {(450.0, "per_session"), (2500.0, "series")},
}


def test_trap_set_is_read_exactly():
    report = scoring.evaluate_set(scoring.load_set(TRAPS))
    for field in ("routes_offered", "price_details"):
        m = report["metrics"][field]
        assert (m["precision"], m["recall"]) == (1.0, 1.0), (field, m, report["worst"])
    m = report["metrics"]["prices"]
    held = sum(len(v) for v in PLAIN_STATEMENTS.values())
    assert (m["precision"], m["fp"], m["fn"]) == (1.0, 0, held), (m, report["worst"])
    assert report["leaks"] == []


def test_trap_prices_stated_plainly_are_held_not_lost():
    """Precision first: a fee stated with no one speaking is held for a curator, and every
    other own price of the trap set is published."""
    for page in scoring.load_set(TRAPS):
        got = facts(page["text"].encode(), "text/plain", page["url"])
        shown = {(p["amount_min"], p["kind"]) for p in got["prices"]}
        held = {
            (h["value"]["amount_min"], h["value"]["kind"])
            for h in got["held_for_review"]
            if h["field"] == "prices"
        }
        own = {(p["amount_min"], p["kind"]) for p in page["prices"]}
        plain = PLAIN_STATEMENTS.get(page["id"], set())
        assert shown == own - plain, page["id"]
        assert plain <= held, page["id"]


def _read(text: str, url: str = "https://alder-ketamine.example/fees") -> dict:
    return facts(text.encode(), "text/plain", url)


def _own(text: str, url: str = "https://alder-ketamine.example/fees") -> set[tuple]:
    return {(p["amount_min"], p["kind"]) for p in _read(text, url)["prices"]}


def _held(text: str, url: str = "https://alder-ketamine.example/fees") -> set[float]:
    return {
        h["value"]["amount_min"]
        for h in _read(text, url)["held_for_review"]
        if h["field"] == "prices"
    }


PAGE = "Alder Ketamine\n\nWe offer IV ketamine infusions in Bend.\n\n{}\n"


@pytest.mark.parametrize(
    "sentence, own",
    [
        ("Our infusions are $450.", {(450.0, "per_session")}),
        ("We charge $450 per infusion.", {(450.0, "per_session")}),
        ("At Alder Ketamine, a single infusion is $450.", {(450.0, "per_session")}),
        ("IV ketamine infusion: $450", {(450.0, "per_session")}),
        ("Book your free consultation today.", {(0.0, "consultation")}),
    ],
)
def test_prices_stated_in_the_providers_voice_are_its_own(sentence, own):
    assert _own(PAGE.format(sentence)) == own


@pytest.mark.parametrize(
    "sentence",
    [
        "Nationally, infusions cost $400 to $800.",
        "Infusions typically cost $400 to $800 per session.",
        "An infusion can cost $450 or more.",
        "At Lakeside Ketamine Clinic, an infusion costs $700.",
        "Lakeside Ketamine Clinic across town charged $700 when we opened.",
        "Many clinics offer a free consultation, so ask before you book.",
        "A $100 deposit holds your appointment.",
        "We ask for a $75 booking fee, deducted from your first infusion.",
        "Late cancellations are billed $150.",
        "Payments as low as $89 per month with CareCredit.",
        "With the manufacturer's savings program, patients may pay $10 per Spravato session.",
        "I paid $475 for my first infusion.",
    ],
)
def test_market_third_party_and_excluded_figures_are_not_own(sentence):
    assert _own(PAGE.format(sentence)) == set()


@pytest.mark.parametrize(
    "sentence, amount",
    [
        ("Infusions range from $400 to $500 depending on the dose.", 400.0),
        ("It is $400-$1,200 per session.", 400.0),
    ],
)
def test_unclear_prices_are_held_for_a_curator_not_printed(sentence, amount):
    text = "Ketamine infusions\n\nA note on fees.\n\n" + sentence + "\n"
    assert _own(text) == set()
    assert amount in _held(text)


def test_a_clinic_naming_itself_in_the_address_is_its_own_price():
    text = "Ketamine at Cedar Hollow\n\nAt Cedar Hollow Infusions, each IV ketamine infusion is $475.\n"
    assert _own(text, "https://www.cedarhollowinfusions.example/cost") == {(475.0, "per_session")}
    assert _own(text, "https://www.otherclinic.example/cost") == set()


@pytest.mark.parametrize(
    "text, offered",
    [
        ("We do not offer IM injections. Our nurses give IV ketamine infusions.", ["iv"]),
        ("Unlike IV clinics, our practice uses intramuscular ketamine.", ["im"]),
        (
            "Ketamine can be given intravenously, as an injection or as a lozenge. We give IV infusions.",
            ["iv"],
        ),
        ("Spravato is a nasal spray of esketamine. We offer IV ketamine infusions only.", ["iv"]),
        (
            "Oral tablets are an option some prescribers use. We offer IV ketamine infusions.",
            ["iv"],
        ),
        ("We administer S-ketamine nasal spray under the REMS program.", ["spravato"]),
    ],
)
def test_routes_only_in_offer_scope(text, offered):
    assert (
        _read("Our services\n\n" + text + "\n", "https://alder-ketamine.example/services")[
            "routes_offered"
        ]
        == offered
    )


def test_market_figures_of_the_tuning_part_are_never_published_as_own():
    """Whatever type a page is given, no market or third-party figure of the tuning part reads as
    the provider's own published price: the page type alone does not keep them out."""
    pages = scoring.select(scoring.load_set(REALWEB_SET), "tune")
    leaks = []
    for page in pages:
        market = {float(p["amount_min"]) for p in page.get("prices_market") or []}
        own = {float(p["amount_min"]) for p in page.get("prices") or []}
        doc = parse(page["text"], page["url"], "text/plain")
        data = structured.read(doc)
        for q in prices.find(doc, data, routes.find(doc, data).offered):
            if q.voice != prices.UNCLEAR and q.amount_min in market - own:
                leaks.append((page["id"], q.amount_min, q.quote))
    assert leaks == []


def test_extract_page_keeps_held_prices_with_a_low_confidence():
    result = extract_page(
        PAGE.format("Infusions range from $400 to $500 depending on the dose."),
        "https://alder-ketamine.example/fees",
        content_type="text/plain",
    )
    assert [p["confidence"] < 0.6 for p in result["prices"]] == [True]


@pytest.mark.parametrize(
    "sentence, own",
    [
        ("In our experience, most patients spend $2,000 on a first series.", set()),
        (
            "Most patients begin with a series of six, which we offer as a package for $2,400.",
            {(2400.0, "series")},
        ),
        ("Spravato costs about $900 per session without insurance.", set()),
        ("Our infusions range from $450 to $500 depending on length.", {(450.0, "per_session")}),
    ],
)
def test_market_wording_near_the_amount_outweighs_the_providers_voice(sentence, own):
    assert _own(PAGE.format(sentence)) == own


@pytest.mark.parametrize(
    "text, offered",
    [
        (
            "Many patients ask about at-home ketamine troches. We give IV ketamine infusions in our office.",
            ["iv"],
        ),
        (
            "Online companies now mail ketamine tablets to homes. We give IV ketamine infusions in our office.",
            ["iv"],
        ),
        (
            "Some of our patients had tried Spravato before coming to us. We give IV ketamine infusions.",
            ["iv"],
        ),
        (
            "Esketamine is derived from ketamine. We give IV ketamine infusions in our office.",
            ["iv"],
        ),
        ("Spravato vs. IV Ketamine\n\nWe give IV ketamine infusions in our office.", ["iv"]),
    ],
)
def test_what_patients_ask_or_tried_and_what_others_sell_is_no_offer(text, offered):
    assert (
        _read("Our services\n\n" + text + "\n", "https://alder-ketamine.example/services")[
            "routes_offered"
        ]
        == offered
    )


@pytest.mark.parametrize(
    "sentence",
    [
        "Initial consultation: free",
        "There is no charge for the initial consultation.",
        "Start with a $0 phone consultation.",
        "Consultations are always complimentary.",
    ],
)
def test_free_consultations_in_other_words(sentence):
    assert _own(PAGE.format(sentence)) == {(0.0, "consultation")}


def test_a_page_naming_every_route_without_offering_any_is_held():
    text = (
        "Ketamine treatment\n\nIV infusions are given over forty minutes.\n\nIM injections go into the shoulder.\n\n"
        "Lozenges dissolve under the tongue.\n"
    )
    out = _read(text, "https://alder-ketamine.example/treatments")
    assert out["routes_offered"] == []
    assert sorted(h["value"] for h in out["held_for_review"] if h["field"] == "routes_offered") == [
        "im",
        "iv",
        "oral",
    ]


@pytest.mark.parametrize(
    "sentence, own",
    [
        ("Book a free call with our care team.", {(0.0, "consultation")}),
        ("Ketamine infusion (includes consultation): $600", {(600.0, "per_session")}),
        (
            "Our first infusion, including the medical evaluation, is $650.",
            {(650.0, "per_session")},
        ),
        ("Initial consultation with our psychiatrist: $300", {(300.0, "consultation")}),
    ],
)
def test_what_a_fee_includes_is_not_its_kind(sentence, own):
    assert _own(PAGE.format(sentence)) == own


@pytest.mark.parametrize(
    "text, offered",
    [
        # an injection that could be IV is not coded; into a muscle, or apart from IV, it is IM
        ("We provide ketamine injection therapy for depression.", []),
        ("We give ketamine injections into the shoulder muscle.", ["im"]),
        ("We offer IV infusions and ketamine injections.", ["im", "iv"]),
        ("We offer subcutaneous ketamine injections.", []),
        # other medicines taken by mouth are not oral ketamine
        ("Antidepressants taken orally can take weeks. We give IV ketamine infusions.", ["iv"]),
    ],
)
def test_injections_and_other_oral_medicines(text, offered):
    assert (
        _read("Our services\n\n" + text + "\n", "https://alder-ketamine.example/services")[
            "routes_offered"
        ]
        == offered
    )


@pytest.mark.parametrize(
    "sentence, own",
    [
        ("Our ketamine-assisted psychotherapy sessions are $350.", {(350.0, "per_session")}),
        ("Our ketamine therapy session is $400.", {(400.0, "per_session")}),
        ("Our integration sessions are $150.", {(150.0, "other")}),
    ],
)
def test_a_ketamine_therapy_session_is_a_dosing_session(sentence, own):
    assert _own(PAGE.format(sentence)) == own


def test_a_plain_service_list_of_three_routes_is_offered():
    text = "Our services\n\nIV Ketamine Infusions\n\nIM Ketamine\n\nSpravato Treatment\n"
    assert _read(text, "https://alder-ketamine.example/")["routes_offered"] == [
        "im",
        "iv",
        "spravato",
    ]


def test_the_us_is_not_us():
    assert _own(PAGE.format("In the US, an infusion typically runs $450.")) == set()
    assert (
        _own(
            PAGE.format(
                "Across the US, a single infusion is $500 at clinics like the ones in this guide."
            )
        )
        == set()
    )


@pytest.mark.parametrize(
    "sentence",
    [
        "Without insurance, the medication alone costs $600 per session.",
        "Generic ketamine is inexpensive, at about $10 per vial.",
    ],
)
def test_drug_cost_asides_are_not_prices(sentence):
    assert _own(PAGE.format(sentence)) == set()


def test_an_offer_of_the_options_just_described():
    text = (
        "Ketamine treatment\n\nTwo forms are common: IV ketamine infusions and Spravato, an esketamine nasal spray.\n\n"
        "At Harbor Lane Psychiatry, patients can explore both of these options with our team.\n"
    )
    assert _read(text, "https://harborlanepsych.example/blog/options")["routes_offered"] == [
        "iv",
        "spravato",
    ]
    text_no = text.replace(
        "can explore both of these options with our team", "are seen for therapy only"
    )
    assert _read(text_no, "https://harborlanepsych.example/blog/options")["routes_offered"] != [
        "iv",
        "spravato",
    ]


# --- the publish rule, precision first (round 3) ---------------------------------------------
# A price is published only in the provider's voice in its own sentence or on a price-list
# line, on a page the page-type model is sure is the provider's own; everything else is held.


@pytest.mark.parametrize(
    "sentence, amount",
    [
        # a plain fee statement, nobody speaking in it
        ("Booster infusions are $400.", 400.0),
        ("A single infusion costs $450.", 450.0),
        # a plain statement in a paragraph where the provider speaks in another sentence
        ("We meet on Thursday evenings. The cost is $45 per session.", 45.0),
        # the provider speaks of fees, but the market's: the next figure is not its own
        ("We know fees vary a lot. A single infusion is $450.", 450.0),
    ],
)
def test_plain_statements_without_the_providers_voice_are_held(sentence, amount):
    text = PAGE.format(sentence)
    assert _own(text) == set()
    assert amount in _held(text)


@pytest.mark.parametrize(
    "sentence, own",
    [
        ("Our booster infusions are $400.", {(400.0, "maintenance")}),
        ("My usual rate for an integration session is $160.", {(160.0, "other")}),
        ("At Alder, a single infusion costs $450.", {(450.0, "per_session")}),
        # the sentence before speaks of the provider's own fees, and the price goes on with it
        ("We keep our fees simple. A single infusion is $450.", {(450.0, "per_session")}),
    ],
)
def test_the_providers_voice_in_the_sentence_publishes(sentence, own):
    assert _own(PAGE.format(sentence)) == own


def test_a_lower_case_word_of_the_address_is_not_the_provider_naming_itself():
    # "alder" is a word of alder-ketamine.example, but written in lower case it is no name
    text = PAGE.format("An alder-wood chair in the waiting room; a single infusion costs $450.")
    assert _own(text) == set()


def test_a_price_line_under_a_market_heading_is_held():
    text = (
        "Ketamine Infusions in Bend\n\nWe offer IV ketamine infusions.\n\n"
        "What clinics typically charge\n\nIV infusion — $450\n"
    )
    assert _own(text) == set()
    assert 450.0 in _held(text)


def test_a_price_line_on_a_fee_page_is_published():
    text = "Alder Ketamine fees\n\nWe offer IV ketamine infusions.\n\nFees\n\nIV infusion — $450\n"
    assert _own(text) == {(450.0, "per_session")}


def test_prices_and_described_routes_are_held_on_a_page_of_unsure_type():
    """A page the model leans to call the provider's, but not surely (an article with some
    signs of one), publishes neither its prices nor the routes it only describes; a route the
    provider states as its own still is."""
    from crawler.extract import confidence

    result = {
        "page_type": "clinic",
        "page_type_confidence": confidence.CONFIDENT_PAGE - 0.1,
        "prices": [
            {
                "amount_min": 450.0,
                "kind": "per_session",
                "route": "iv",
                "quote": "Our IV infusions are $450.",
            }
        ],
        "routes_offered": ["iv", "im"],
        "evidence": {
            "routes_offered": [
                {"value": "iv", "quote": "We offer IV ketamine infusions.", "strength": "strong"},
                {"value": "im", "quote": "IM ketamine is given into a muscle.", "strength": "weak"},
            ]
        },
    }
    doc = parse("x", "https://alder-ketamine.example/", "text/plain")
    out = confidence.assess(result, doc, structured.read(doc), price_voices=["own"])
    assert out["prices"][0]["confidence"] < confidence.PUBLISH_AT
    assert out["confidence"]["routes_offered"]["iv"] >= confidence.PUBLISH_AT
    assert out["confidence"]["routes_offered"]["im"] < confidence.PUBLISH_AT
    # a heading or list label naming a route is no surer: an article's title names routes too
    labelled = dict(
        result,
        evidence={
            "routes_offered": [
                {
                    "value": "iv",
                    "quote": "Ketamine infusions: what clinics charge",
                    "strength": "label",
                },
            ]
        },
        routes_offered=["iv"],
    )
    out = confidence.assess(labelled, doc, structured.read(doc), price_voices=["own"])
    assert out["confidence"]["routes_offered"]["iv"] < confidence.PUBLISH_AT
    sure = dict(result, page_type_confidence=confidence.CONFIDENT_PAGE)
    out = confidence.assess(sure, doc, structured.read(doc), price_voices=["own"])
    assert out["prices"][0]["confidence"] >= confidence.PUBLISH_AT
    assert out["confidence"]["routes_offered"]["im"] >= confidence.PUBLISH_AT


def test_a_fee_whose_words_name_no_kind_is_held():
    # "our price" in the provider's voice, but for what? Not a session, series or consultation
    text = "Alder Ketamine\n\nWe offer IV ketamine infusions in Bend.\n\nOur price is $450.\n"
    assert _own(text) == set()
    assert 450.0 in _held(text)


def test_a_name_alone_does_not_make_the_options_described_an_offer():
    # without the provider's own voice ("we", "our"), "At <Name>, patients can explore these
    # options" reads the same in an article about that practice
    text = (
        "Ketamine treatment\n\nTwo forms are common: IV ketamine infusions and Spravato, an esketamine nasal spray.\n\n"
        "At Harbor Lane Psychiatry, patients can explore both of these options.\n"
    )
    result = extract_page(
        text, "https://harborlanepsych.example/blog/options", content_type="text/plain"
    )
    quotes = [
        q
        for item in result["evidence"]["routes_offered"]
        for q in [item["quote"], *item.get("more_quotes", [])]
    ]
    assert not any("explore both of these options" in q for q in quotes)
    with_voice = text.replace("these options.", "these options with our team.")
    result = extract_page(
        with_voice, "https://harborlanepsych.example/blog/options", content_type="text/plain"
    )
    quotes = [
        q
        for item in result["evidence"]["routes_offered"]
        for q in [item["quote"], *item.get("more_quotes", [])]
    ]
    assert any("explore both of these options" in q for q in quotes)


PUBLISH_RULE = Path(__file__).resolve().parents[2] / "fixtures" / "traps" / "publish_rule.jsonl"


def test_pages_written_after_the_rules_publish_nothing_wrong():
    """tests/fixtures/traps/publish_rule.jsonl: six pages written after the round-3 publish rule
    was designed, in the failure modes it is for (a wellness practice's general cost post, local
    news quoting one clinic's fee, a provider's blog table of other clinics' charges, a generic
    description of the forms of ketamine on a provider-like host), with a fee list and a plain
    FAQ fee. Three of the four articles are still typed `clinic`; none may publish a price or a
    route, and no price may be published wrongly."""
    report = scoring.evaluate_set(scoring.load_set(PUBLISH_RULE))
    for field in ("routes_offered", "prices"):
        assert report["metrics"][field]["fp"] == 0, (field, report["worst"])
    assert report["leaks"] == []
    # the fee list is published; the FAQ's plain "A … session is $650." waits for a curator
    assert report["metrics"]["prices"]["tp"] == 2 and report["metrics"]["prices"]["fn"] == 1


def test_a_span_on_a_line_nobody_speaks_in_is_held():
    text = "Alder Ketamine fees\n\nWe offer IV ketamine infusions.\n\nFees\n\nIV infusion — $400 to $650\n"
    assert _own(text) == set()
    assert 400.0 in _held(text)
    # the provider speaking in the sentence makes its span its own
    spoken = text.replace("IV infusion — $400 to $650", "Our IV infusions are $400 to $650.")
    assert _own(spoken) == {(400.0, "per_session")}
