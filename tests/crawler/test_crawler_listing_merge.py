"""crawler.listing.merge_site_pages: a site's pages → one listing per location, with provenance."""

from __future__ import annotations

from crawler.listing import merge_site_pages
from katdir.model import Listing

SITE = "https://clinic.example/"


def page(path: str, page_type: str = "clinic", **facts):
    base = {
        "name": None,
        "routes_offered": [],
        "prices": [],
        "conditions": [],
        "therapy_integrated": None,
        "insurance": {},
        "address": None,
        "phone": None,
        "page_type": page_type,
        "care_steps": [],
        "telehealth": None,
        "hours": None,
        "email": None,
        "website": None,
        "locations": [],
        "evidence": {},
    }
    url = SITE.rstrip("/") + path
    return {
        **base,
        **facts,
        "url": url,
        "content_hash": f"sha256:{path}",
        "fetched_at": "2025-05-01T10:00:00+00:00",
    }


def price(amount, route="iv", kind="per_session", sessions=None, quote=None, amount_max=None):
    return {
        "amount_min": amount,
        "amount_max": amount_max,
        "route": route,
        "kind": kind,
        "sessions": sessions,
        "quote": quote or f"${amount}",
        "currency": "USD",
        "source_url": None,
    }


DENVER = {
    "street": "1550 Larimer St, Suite 310",
    "city": "Denver",
    "state": "CO",
    "postal_code": "80202",
    "country": "US",
}


def test_a_single_location_site_unions_its_pages_into_one_listing():
    pages = [
        page(
            "/",
            name="Mile High Ketamine",
            routes_offered=["iv"],
            address=DENVER,
            phone="+13035550142",
            conditions=["depression"],
            evidence={"routes_offered": [{"value": "iv", "quote": "IV ketamine infusions"}]},
        ),
        page(
            "/pricing",
            name="Pricing",
            routes_offered=["im"],
            prices=[price(495, quote="$495 per infusion"), price(2700, kind="series", sessions=6)],
            insurance={"hsa_fsa": True, "accepts_insurance": False},
        ),
        page(
            "/contact",
            address={**DENVER, "street": "1550 Larimer Street"},
            phone="+13035550142",
            hours="Mon-Fri 8-5",
            email="care@clinic.example",
            therapy_integrated=True,
        ),
    ]
    [listing] = merge_site_pages(pages, website=SITE, spider="clinic_site")
    assert listing["name"] == "Mile High Ketamine"
    assert (
        listing["url"] == SITE and listing["website"] == SITE and listing["page_type"] == "clinic"
    )
    assert listing["routes"] == ["iv", "im"]
    assert [(p["amount_min"], p["kind"], p["sessions"]) for p in listing["prices"]] == [
        (495, "per_session", None),
        (2700, "series", 6),
    ]
    assert (
        listing["prices"][0]["source_url"] == SITE + "pricing"
        and listing["prices"][0]["quote"] == "$495 per infusion"
    )
    assert (
        listing["address"]["street"] == "1550 Larimer St, Suite 310"
    )  # the most complete spelling
    assert listing["phone"] == "+13035550142" and listing["hours"] == "Mon-Fri 8-5"
    assert (
        listing["insurance"]["hsa_fsa"] is True
        and listing["insurance"]["accepts_insurance"] is False
    )
    assert listing["insurance"]["va_community_care"] is None
    assert listing["therapy_integrated"] is True and listing["email"] == "care@clinic.example"
    assert listing["evidence"]["routes"] == [{"url": SITE, "quote": "IV ketamine infusions"}]
    assert listing["source_urls"] == sorted(
        SITE.rstrip("/") + p for p in ("/", "/pricing", "/contact")
    )
    assert listing["content_hash"].startswith("sha256:") and listing["spider"] == "clinic_site"
    Listing.model_validate(listing)  # the shape the pipelines expect


def test_a_multi_location_practice_yields_one_listing_per_location_with_its_own_phone():
    lakewood = {
        "street": "7200 W Alameda Ave, Suite 105",
        "city": "Lakewood",
        "state": "CO",
        "postal_code": "80226",
    }
    springs = {
        "street": "625 N Cascade Ave, Suite 140",
        "city": "Colorado Springs",
        "state": "CO",
        "postal_code": "80903",
    }
    pages = [
        page(
            "/",
            name="Front Range Ketamine Centers",
            routes_offered=["iv", "spravato"],
            address=lakewood,
            phone="+13035550181",
            locations=[
                {"name": "Lakewood", "address": lakewood, "phone": "+13035550181"},
                {"name": "Colorado Springs", "address": springs, "phone": "+17195550182"},
            ],
            evidence={
                "phone": [
                    {"value": "+13035550181", "quote": "(303) 555-0181"},
                    {"value": "+17195550182", "quote": "(719) 555-0182"},
                ]
            },
        ),
        page("/cost", prices=[price(425)]),
        page(
            "/locations/colorado-springs",
            name="Front Range Ketamine Centers – Colorado Springs",
            address=springs,
            phone="+17195550182",
            hours="Mon-Fri 9-5",
        ),
    ]
    listings = merge_site_pages(pages, website=SITE, spider="clinic_site")
    assert len(listings) == 2
    by_city = {item["address"]["city"]: item for item in listings}
    assert by_city["Lakewood"]["phone"] == "+13035550181"
    assert by_city["Colorado Springs"]["phone"] == "+17195550182"
    assert by_city["Colorado Springs"]["url"] == SITE + "locations/colorado-springs"
    assert (
        by_city["Colorado Springs"]["hours"] == "Mon-Fri 9-5"
        and by_city["Lakewood"]["hours"] is None
    )
    assert by_city["Lakewood"]["name"] == "Front Range Ketamine Centers – Lakewood"
    for item in listings:
        assert item["organization"] == "Front Range Ketamine Centers"
        assert item["routes"] == ["iv", "spravato"] and [
            p["amount_min"] for p in item["prices"]
        ] == [425]
    # Each location keeps only the evidence that names it.
    assert by_city["Lakewood"]["evidence"]["phone"] == [{"url": SITE, "quote": "(303) 555-0181"}]
    assert by_city["Colorado Springs"]["evidence"]["phone"] == [
        {"url": SITE, "quote": "(719) 555-0182"}
    ]


def test_article_and_directory_pages_lend_no_facts():
    pages = [
        page("/", name="Flatirons KAT", routes_offered=["iv"], address=DENVER, prices=[price(450)]),
        page(
            "/blog/cost",
            "article",
            name="What does ketamine cost?",
            routes_offered=["spravato"],
            prices=[price(400, amount_max=800)],
            insurance={"accepts_insurance": True},
        ),
        page(
            "/partners",
            "directory",
            name="Partner clinics",
            address={"city": "Boulder", "postal_code": "80302"},
        ),
    ]
    [listing] = merge_site_pages(pages, website=SITE)
    assert listing["routes"] == ["iv"]
    assert [p["amount_min"] for p in listing["prices"]] == [450]
    assert listing["insurance"]["accepts_insurance"] is None
    assert SITE + "blog/cost" not in listing["source_urls"]


def test_a_site_without_a_clinic_page_yields_nothing():
    pages = [
        page("/", "article", name="Ketamine Cost Guide", prices=[price(400, amount_max=800)]),
        page("/about", "other", name="About us"),
    ]
    assert merge_site_pages(pages, website=SITE) == []
    assert merge_site_pages([], website=SITE) == []


def test_the_same_price_on_two_pages_is_kept_once_with_its_first_source():
    pages = [
        page("/", name="A", prices=[price(495)]),
        page("/pricing", prices=[price(495), price(495, route="im")]),
    ]
    [listing] = merge_site_pages(pages, website=SITE)
    assert [(p["route"], p["source_url"]) for p in listing["prices"]] == [
        ("iv", SITE),
        ("im", SITE + "pricing"),
    ]


def test_a_yes_on_any_page_wins_and_unknown_stays_unknown():
    pages = [
        page("/", name="A", telehealth=False, insurance={"financing": False}),
        page("/faq", telehealth=True, insurance={"financing": True}),
    ]
    [listing] = merge_site_pages(pages, website=SITE)
    assert listing["telehealth"] is True and listing["insurance"]["financing"] is True
    assert listing["therapy_integrated"] is None


def test_the_name_comes_from_the_home_page_and_not_a_generic_title():
    pages = [
        page("/", name="Home"),
        page("/about", name="Aurora Mind & Body Ketamine"),
        page("/contact", name="Aurora Mind & Body Ketamine"),
    ]
    [listing] = merge_site_pages(pages, website=SITE)
    assert listing["name"] == "Aurora Mind & Body Ketamine"


def test_a_site_without_any_address_still_yields_its_listing():
    [listing] = merge_site_pages(
        [page("/", name="Telehealth KAT", routes_offered=["oral"], phone="+13035550100")],
        website=SITE,
    )
    assert (
        listing["address"] is None
        and listing["phone"] == "+13035550100"
        and listing["routes"] == ["oral"]
    )


def test_unknown_vocabulary_from_a_page_is_left_out():
    [listing] = merge_site_pages(
        [page("/", name="A", routes_offered=["iv", "laser"], conditions=["ptsd", "x"])],
        website=SITE,
    )
    assert listing["routes"] == ["iv"] and listing["conditions"] == ["ptsd"]


def test_an_odd_price_is_left_out_and_the_listing_kept():
    odd = [
        price(-5),
        price(300, route="laser"),
        price(300, kind="gift_card"),
        price("free"),
        price(500, sessions=0),
    ]
    [listing] = merge_site_pages([page("/", name="A", prices=[*odd, price(450)])], website=SITE)
    assert [p["amount_min"] for p in listing["prices"]] == [450]
    Listing.model_validate(listing)
