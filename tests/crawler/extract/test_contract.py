"""The shape of extract_page's result (docs/architecture.md §4 plus extras), HTML and plain text."""

import json

from crawler.extract import extract_page
from katdir.model import CONDITIONS, PRICE_KINDS, ROUTES, Listing

DESIGN_KEYS = [
    "name",
    "routes_offered",
    "prices",
    "conditions",
    "therapy_integrated",
    "insurance",
    "address",
    "phone",
]
EXTRA_KEYS = [
    "url",
    "page_type",
    "care_steps",
    "telehealth",
    "hours",
    "email",
    "website",
    "locations",
    "evidence",
]

HTML = """<html><head><title>Summit Ketamine | Salt Lake City</title></head><body><main>
<h1>Ketamine in Salt Lake City</h1><p>We offer IV infusions ($500 each) and IM injections for depression and PTSD.</p>
<p>We accept HSA cards. Call (801) 555-0137. 1100 E South Temple, Salt Lake City, UT 84102</p></main></body></html>"""

TEXT = """Summit Ketamine - fees

IV ketamine infusion ........ $500
Six IV infusions ........ $2,700
New patient assessment ........ $200

We do not bill insurance. Call 801-555-0137.
1100 E South Temple, Salt Lake City, UT 84102
"""


def test_keys_in_order_and_json_serializable():
    result = extract_page(HTML, "https://summit.test/")
    assert list(result)[: len(DESIGN_KEYS)] == DESIGN_KEYS
    assert set(EXTRA_KEYS) <= set(result)
    json.dumps(result)
    assert result["routes_offered"] == ["im", "iv"]
    assert set(result["routes_offered"]) <= set(ROUTES)
    assert set(result["conditions"]) <= set(CONDITIONS)
    assert result["insurance"] == {
        "accepts_insurance": None,
        "spravato_insurance": None,
        "va_community_care": None,
        "hsa_fsa": True,
        "financing": None,
    }
    assert result["phone"] == "+18015550137"
    assert result["address"]["state"] == "UT"
    price = result["prices"][0]
    assert set(price) == {
        "amount_min",
        "amount_max",
        "route",
        "kind",
        "sessions",
        "quote",
        "currency",
        "source_url",
        "confidence",
    }
    assert (
        price["kind"] in PRICE_KINDS
        and price["currency"] == "USD"
        and price["source_url"] == "https://summit.test/"
    )
    assert price["quote"]


def test_plain_text_input():
    result = extract_page(TEXT, "https://summit.test/fees.txt", content_type="text/plain")
    assert result["name"] == "Summit Ketamine"
    assert {(p["amount_min"], p["kind"], p["sessions"], p["route"]) for p in result["prices"]} == {
        (500.0, "per_session", None, "iv"),
        (2700.0, "series", 6, "iv"),
        (200.0, "consultation", None, None),
    }
    assert result["insurance"]["accepts_insurance"] is False
    assert result["address"]["postal_code"] == "84102"


def test_text_that_is_not_html_takes_the_text_path_even_when_labelled_html():
    result = extract_page(TEXT.encode(), "https://summit.test/fees", content_type="text/html")
    assert len(result["prices"]) == 3


def test_result_loads_into_the_shared_listing_model():
    result = extract_page(HTML, "https://summit.test/")
    listing = Listing(
        url=result["url"],
        page_type=result["page_type"],
        name=result["name"],
        routes=result["routes_offered"],
        prices=[{k: v for k, v in p.items()} for p in result["prices"]],
        conditions=result["conditions"],
        therapy_integrated=result["therapy_integrated"],
        care_steps=result["care_steps"],
        insurance=result["insurance"],
        address=result["address"],
        phone=result["phone"],
        telehealth=result["telehealth"],
        hours=result["hours"],
    )
    assert listing.prices[0].per_session == 500.0


def test_garbage_input_does_not_raise():
    for content in ("", b"\x00\xff\xfe", "<<<>>>", "<html>" * 1000, "$" * 500):
        result = extract_page(content, "https://x.test/")
        assert result["prices"] == []
