"""The visitors' pages in a real browser: Debian's Chromium driven by Playwright."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from katdir.model import Clinic
from katdir.store import open_store
from tests.search_api.serving import gunicorn_app
from tests.search_api.test_api import CLINICS

ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts"
PORTLAND = (45.5207, -122.6888)  # ZIP 97205's centre


def near_portland(cid: str, name: str, dlat: float, dlon: float, routes, prices, **extra) -> Clinic:
    return Clinic(
        id=cid,
        name=name,
        address={"city": "Portland", "state": "OR"},
        location={"lat": PORTLAND[0] + dlat, "lon": PORTLAND[1] + dlon, "precision": "street"},
        routes=routes,
        prices=prices,
        review={"status": "approved", "at": "2026-11-20T10:00:00Z"},
        last_seen="2026-12-01T08:00:00Z",
        **extra,
    )


# The visit: Spravato at most $500 near 97205.
VISIT = [
    # Nearest, but its $300 is an IV price and its Spravato is $900: not an answer.
    near_portland(
        "pdx-mixed",
        "Pearl District Infusions",
        0.004,
        0.004,
        ["iv", "spravato"],
        [
            {"route": "iv", "kind": "per_session", "amount_min": 300},
            {"route": "spravato", "kind": "per_session", "amount_min": 900},
        ],
    ),
    near_portland(
        "pdx-spravato-450",
        "Willamette Spravato Center",
        0.02,
        0.01,
        ["spravato"],
        [
            {
                "route": "spravato",
                "kind": "per_session",
                "amount_min": 450,
                "quote": "Spravato treatment $450 per session",
                "source_url": "http://127.0.0.1/p",
            }
        ],
        phone="+15035550142",
        insurance={"spravato_insurance": True, "hsa_fsa": True},
        conditions=["depression"],
        therapy_integrated=False,
        telehealth=True,
        care_steps=["assessment", "medical_monitoring"],
        hours="Mon–Fri 9–5",
    ),
    near_portland(
        "pdx-series",
        "Rose City Mood Clinic",
        -0.04,
        0.03,
        ["spravato", "im"],
        [{"route": "spravato", "kind": "series", "sessions": 8, "amount_min": 3840}],
    ),
    near_portland(
        "pdx-dear",
        "Hawthorne Spravato",
        0.01,
        -0.01,
        ["spravato"],
        [{"route": "spravato", "kind": "per_session", "amount_min": 650}],
    ),
    near_portland("pdx-unpriced", "Alberta Ketamine", -0.01, -0.02, ["spravato"], []),
]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pages")
    url = f"sqlite:///{tmp / 'katdir.db'}"
    with open_store(url) as store:
        store.upsert([*CLINICS, *VISIT])
    env = {"KATDIR_STORE": url, "KATDIR_VAR": str(tmp), "KATDIR_GEOCODE_CACHE": str(tmp / "geo.db")}
    with gunicorn_app(env, tmp, workers=2) as base:
        yield base


def names_on(page) -> list[str]:
    return page.locator(".results .clinic h2").all_inner_texts()


def test_a_visit_zip_spravato_at_most_500_open_one_and_come_back(page, site):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/")
    page.fill("input[name=near]", "97205")
    page.click("details.filters summary")
    page.check("input[name=route][value=spravato]")
    page.fill("input[name=max_price]", "500")
    page.click("button[type=submit]")
    page.wait_for_selector(".leaflet-marker-icon.map-pin")
    page.wait_for_selector(
        ".leaflet-overlay-pane path", state="attached"
    )  # the outlines this site serves
    assert names_on(page) == ["Willamette Spravato Center", "Rose City Mood Clinic"]
    prices = page.locator(".results .price").all_inner_texts()
    assert prices[0].startswith("$450 a session, Spravato (esketamine)")
    assert prices[1].startswith("$480 a session, Spravato (esketamine)")
    assert "a series of 8 for $3,840, divided by its sessions" in prices[1]
    assert "giving Spravato (esketamine) at most $500 a session" in page.inner_text(".count")
    # markers numbered like the list
    assert page.locator(".leaflet-marker-icon.map-pin").all_inner_texts() == ["1", "2"]
    assert page.locator(".results .rank").all_inner_texts() == ["1", "2"]
    page.screenshot(path=str(ARTIFACTS / "visit-results-1280.png"), full_page=True)
    results_url = page.url

    # the same search through the API: the same clinics in the same order
    api = requests.get(
        f"{site}/api/v1/clinics/search",
        timeout=10,
        params={"near": "97205", "route": "spravato", "max_price": "500"},
    ).json()
    assert [r["name"] for r in api["results"]] == names_on(page)
    assert [r["session_price"]["amount"] for r in api["results"]] == [450.0, 480.0]

    page.click(".results >> text=Willamette Spravato Center")
    assert page.inner_text("h1") == "Willamette Spravato Center"
    assert "(503) 555-0142" in page.inner_text(".contact")
    assert "“Spravato treatment $450 per session”" in page.inner_text(".prices")
    page.wait_for_selector(".leaflet-marker-icon.map-pin")  # its small map, with its marker
    page.wait_for_selector(".leaflet-overlay-pane path", state="attached")
    page.screenshot(path=str(ARTIFACTS / "visit-clinic-1280.png"), full_page=True)
    page.click("text=Back to the results")
    page.wait_for_url(results_url)
    assert names_on(page) == ["Willamette Spravato Center", "Rose City Mood Clinic"]

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.locator("#map").is_hidden()  # on a phone the list comes first
    page.screenshot(path=str(ARTIFACTS / "visit-results-390.png"), full_page=True)
    page.click("button.map-toggle")
    assert page.locator("#map").is_visible()
    page.wait_for_selector(".leaflet-marker-icon.map-pin")
    page.screenshot(path=str(ARTIFACTS / "visit-results-390-map.png"), full_page=True)


def test_a_visitor_searches_by_zip_and_sees_the_nearest_clinics_on_a_list_and_map(page):
    page.goto("/")
    page.fill("input[name=near]", "80202")
    page.select_option("select[name=radius]", "50")
    page.click("button[type=submit]")
    assert names_on(page) == ["Denver IV Ketamine", "Aurora Spravato Center", "Boulder Mind IM"]
    assert "3 clinics within 50 mi" in page.inner_text(".count")
    page.wait_for_selector(".leaflet-marker-icon.map-pin")
    assert page.locator(".leaflet-marker-icon.map-pin").count() == 3
    # the map's outlines and labels come from this site; markers are not Tab stops
    assert page.locator(".leaflet-overlay-pane path").count() >= 1
    assert page.locator(".place-label", has_text="Denver").count() >= 1
    assert page.locator(".leaflet-control-scale").count() == 1
    assert page.locator(".leaflet-marker-icon[tabindex]").count() == 0
    # the sample points are ZIP centroids, and the page says so
    assert page.locator(".results .approx").count() == 3
    assert "Searching from the centre of the ZIP code area Denver, CO 80202" in page.inner_text(
        ".origin"
    )
    assert "IV infusions within 50 mi: $450 at the one clinic" in page.inner_text(".price-context")


def test_filtering_by_route_and_price(page):
    page.goto("/?near=80202&radius=50")
    page.click("details.filters summary")
    page.check("input[name=route][value=im]")
    page.fill("input[name=max_price]", "420")
    page.click("button[type=submit]")
    assert names_on(page) == ["Boulder Mind IM"]
    assert (
        "$400 a session, IM injection — a series of 6 for $2,400, divided by its sessions"
        in page.inner_text(".results")
    )
    assert "Initial series: $2,400 for 6 sessions (published)" in page.inner_text(".results")
    assert "max_price=420" in page.url and "route=im" in page.url  # shareable


def test_the_form_has_a_control_for_every_declared_filter(page):
    from katdir.filters import FILTERS

    page.goto("/?near=80202&radius=50&route=iv,spravato&insurance=true")
    for f in FILTERS:
        assert page.locator(f"form.search [name={f.name}]").count() >= 1, f.name
    assert page.locator("input[name=route][value=iv]").is_checked()
    assert page.locator("input[name=route][value=spravato]").is_checked()
    assert not page.locator("input[name=route][value=im]").is_checked()
    assert page.locator("input[name=insurance]").is_checked()


def test_a_bad_place_is_a_400_tied_to_its_field(page):
    response = page.goto("/?near=Atlantis%2C+ZZ")
    assert response.status == 400
    assert "We could not find the place “Atlantis, ZZ”" in page.inner_text("[role=alert]")
    near = page.locator("input[name=near]")
    assert near.get_attribute("aria-invalid") == "true"
    assert near.get_attribute("aria-describedby") == "search-error"
    response = page.goto("/?near=80202&max_price=cheap")
    assert response.status == 400
    assert page.locator("input[name=max_price]").get_attribute("aria-invalid") == "true"
    assert "“Most per session ($)” cannot be “cheap”" in page.inner_text("[role=alert]")


def test_an_ambiguous_place_offers_the_choices(page):
    assert page.goto("/?near=Portland&route=spravato").status == 200
    assert page.inner_text("h1") == "Which Portland do you mean?"
    choices = page.locator(".choices a").all_inner_texts()
    assert choices[:2] == ["Portland, OR", "Portland, ME"]
    page.click(".choices >> text=Portland, OR")
    assert "near=Portland%2C+OR" in page.url and "route=spravato" in page.url
    assert page.locator(".results .clinic").count() >= 1


def test_no_match_is_never_a_dead_end(page):
    page.goto("/?near=80202&radius=5&route=oral")
    assert "No clinic within 5 mi matches this search" in page.inner_text(".empty")
    text = page.inner_text(".empty")
    assert "The nearest one that does is Boulder Mind IM in Boulder, CO" in text
    page.click(".empty a.button")
    assert names_on(page) == ["Boulder Mind IM"]


def test_browser_location_searches_around_the_visitor(page, browser):
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 39.7392, "longitude": -104.9903})
    page.goto("/")
    page.click("#use-location")
    page.wait_for_url("**lat=39.74**")
    assert "lon=-104.99" in page.url  # rounded: the exact position never leaves the browser
    assert page.locator(".results .clinic").count() == 3  # Boulder is 24.5 mi away
    assert "Searching from your location" in page.inner_text(".origin")


def test_the_clinic_page_shows_what_the_directory_knows(page):
    page.goto("/clinics/pdx-spravato-450")
    text = page.inner_text("main")
    for expected in (
        "(503) 555-0142",
        "Spravato can be billed to insurance",
        "HSA/FSA accepted",
        "Depression",
        "Medical monitoring during sessions",
        "Mon–Fri 9–5",
        "Offers telehealth",
        "Vetted by a curator on 20 November 2026",
        "Last checked on 1 December 2026",
        "about $2,700",
        "Ketamine without integrated psychotherapy",
    ):
        assert expected in text, expected
    assert page.locator("a", has_text="Suggest a correction").get_attribute("href") == (
        "/clinics/pdx-spravato-450/correction"
    )
    assert "openstreetmap.org/directions" in page.locator("a", has_text="Directions").get_attribute(
        "href"
    )
    page.wait_for_selector(".leaflet-marker-icon.map-pin")


def test_error_pages_are_in_the_sites_style_with_a_way_on(page):
    response = page.goto("/clinics/pueblo-pending")
    assert response.status == 404
    assert page.locator("h1").all_inner_texts() == ["Page not found"]
    assert page.locator("main a", has_text="Search for clinics").count() == 1
    assert page.goto("/no/such/page").status == 404


PAGES = {
    "search": "/",
    "results": "/?near=97205&route=spravato&max_price=500",
    "clinic": "/clinics/pdx-spravato-450",
    "what-to-expect": "/what-to-expect",
    "error-404": "/clinics/nowhere",
    "error-400": "/?near=Atlantis%2C+ZZ",
    "empty-result": "/?near=80202&radius=5&route=oral",
    "ambiguous": "/?near=Portland",
}


@pytest.mark.parametrize("name", sorted(PAGES))
def test_axe_finds_no_serious_or_critical_violation(page, name):
    from axe_playwright_python.sync_playwright import Axe

    for width in (1280, 360):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(PAGES[name])
        page.wait_for_load_state("networkidle")
        results = Axe().run(page)
        bad = [
            (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
            for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert bad == [], f"{name} at {width} px: {bad}"
        assert page.locator("h1").count() == 1, f"{name}: one <h1> per page"
        # usable at 360 px: nothing wider than the screen
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=str(ARTIFACTS / f"page-{name}-360.png"), full_page=True)
