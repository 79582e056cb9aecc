"""Unsure facts are held back from a site's listing, with their quotes, for the curators."""

from __future__ import annotations

from crawler.listing import hold_uncertain, merge_site_pages

URL = "https://alder-ketamine.example/"


def page(**fields):
    base = {
        "url": URL,
        "page_type": "clinic",
        "name": "Alder Ketamine",
        "routes_offered": ["iv"],
        "prices": [
            {
                "amount_min": 475.0,
                "amount_max": None,
                "route": "iv",
                "kind": "per_session",
                "sessions": None,
                "quote": "IV ketamine infusion: $475",
                "currency": "USD",
                "source_url": URL,
                "confidence": 0.95,
            }
        ],
        "evidence": {
            "routes_offered": [{"value": "iv", "quote": "We offer IV ketamine infusions."}]
        },
        "confidence": {"page_type": 0.95, "routes_offered": {"iv": 0.95}},
        "address": {
            "street": "12 Alder Row",
            "city": "Bend",
            "state": "OR",
            "postal_code": "97701",
        },
    }
    return {**base, **fields}


def test_sure_facts_go_into_the_listing_and_unsure_ones_are_held_with_their_quotes():
    unsure_price = {
        "amount_min": 900.0,
        "amount_max": None,
        "route": "spravato",
        "kind": "per_session",
        "sessions": None,
        "quote": "Some centres charge $900 for Spravato",
        "currency": "USD",
        "source_url": URL + "fees",
        "confidence": 0.4,
    }
    pages = [
        page(),
        page(
            url=URL + "fees",
            routes_offered=["iv", "spravato"],
            prices=[unsure_price],
            evidence={
                "routes_offered": [
                    {"value": "spravato", "quote": "Spravato may be an option elsewhere."}
                ]
            },
            confidence={"page_type": 0.95, "routes_offered": {"iv": 0.95, "spravato": 0.5}},
        ),
    ]
    [listing] = merge_site_pages(pages, website=URL, spider="clinic_site")
    assert listing["routes"] == ["iv"] and [p["amount_min"] for p in listing["prices"]] == [475.0]
    held = {(h["field"], h["quote"]) for h in listing["held_facts"]}
    assert held == {
        ("routes", "Spravato may be an option elsewhere."),
        ("prices", "Some centres charge $900 for Spravato"),
    }
    assert all(h["url"] == URL + "fees" and h["confidence"] < 0.6 for h in listing["held_facts"])


def test_every_fact_of_a_page_of_unclear_type_is_held():
    kept, held = hold_uncertain(
        [page(confidence={"page_type": 0.4, "routes_offered": {"iv": 0.95}})]
    )
    assert kept[0]["routes_offered"] == [] and kept[0]["prices"] == []
    assert {h["field"] for h in held} == {"routes", "prices"}
    assert all(h["reason"] == "the page's type is unclear" for h in held)


def test_a_held_fact_another_page_states_plainly_is_not_held():
    pages = [
        page(),
        page(url=URL + "faq", confidence={"page_type": 0.95, "routes_offered": {"iv": 0.5}}),
    ]
    [listing] = merge_site_pages(pages, website=URL)
    assert listing["routes"] == ["iv"] and listing["held_facts"] == []


def test_pages_without_confidences_keep_every_fact():
    bare = page()
    del bare["confidence"]
    bare["prices"] = [{k: v for k, v in bare["prices"][0].items() if k != "confidence"}]
    [listing] = merge_site_pages([bare], website=URL)
    assert (
        listing["routes"] == ["iv"] and len(listing["prices"]) == 1 and listing["held_facts"] == []
    )
