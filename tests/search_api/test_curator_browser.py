"""The whole curator path in a real browser (Debian's Chromium through Playwright) against
the app under gunicorn: log in, open the queue, see the diff with quotes, approve with the
keyboard, find the clinic in public search; a visitor's correction appears in the queue.
Screenshots are kept under var/test-artifacts/."""

from __future__ import annotations

from pathlib import Path

import pytest

from katdir.model import Change, utcnow
from tests.search_api.curator_fixtures import PASSWORD, make_setup
from tests.search_api.serving import gunicorn_app

# One worker runs both tests, so one gunicorn serves them (make test runs xdist by group).
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("curator-browser")]
ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("curator-browser")
    url = f"sqlite:///{tmp / 'katdir.db'}"
    setup = make_setup(url, tmp)
    clinic = setup.store.get("denver-iv")
    clinic.review.status = "needs_changes"
    clinic.changes = [
        Change(
            field="prices",
            at=utcnow(),
            old=[{"route": "iv", "amount_min": 400.0}],
            new=[{"route": "iv", "amount_min": 450.0}],
            source_url="https://denver-iv.example/prices",
        )
    ]
    setup.store.upsert([clinic])
    setup.store.close()
    env = {
        "KATDIR_STORE": url,
        "KATDIR_SECRET_KEY": "browser-test-secret",
        "KATDIR_VAR": str(tmp),
        "KATDIR_GEOCODE_CACHE": str(tmp / "geo.db"),
    }
    with gunicorn_app(env, tmp, workers=2) as base:
        # The session cookie is Secure: browsers send it over plain HTTP to localhost only.
        yield base.replace("127.0.0.1", "localhost")


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"curator-{name}.png"), full_page=True)


def test_a_curator_approves_a_changed_clinic_with_the_keyboard(page):
    page.goto("/curator/")
    assert "/curator/login" in page.url
    page.fill("input[name=email]", "cura@example.org")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/curator/")
    assert "Denver IV Ketamine" in page.inner_text("table.queue")
    shot(page, "1-queue")
    page.keyboard.press("Enter")  # the first row is selected: open it
    page.wait_for_url("**/curator/clinics/denver-iv")
    diff = page.inner_text("section.diff")
    assert "prices" in diff and "400" in diff and "450" in diff
    assert "“$450 per infusion”" in page.inner_text("section.facts")
    assert page.locator("section.facts a[href='https://denver-iv.example/prices']").count() >= 1
    shot(page, "2-review-diff-quotes")
    page.keyboard.press("a")  # approve, then on to the next in the queue
    page.wait_for_load_state()
    page.wait_for_url(lambda url: "/curator/clinics/denver-iv" not in url)
    shot(page, "3-after-approve")
    page.goto("/?near=80202&radius=50")
    assert "Denver IV Ketamine" in page.inner_text(".results")
    shot(page, "4-public-search")


def test_a_visitors_correction_appears_in_the_queue(page, browser, site):
    page.goto("/clinics/boulder-im")
    page.click("text=Suggest a correction")
    page.fill("textarea[name=message]", "We moved to 2120 Broadway.")
    page.click("button[type=submit]")
    sent = page.locator("#request-sent")
    sent.wait_for()  # the answer to the post: a click does not wait for its page to load
    assert sent.is_visible()
    assert page.context.cookies() == []  # a visitor gets no cookie
    shot(page, "5-correction-sent")
    curator = browser.new_context(base_url=site).new_page()
    curator.goto("/curator/login")
    curator.fill("input[name=email]", "admin@example.org")
    curator.fill("input[name=password]", PASSWORD)
    curator.click("button[type=submit]")
    curator.goto("/curator/?reason=request")
    assert "Boulder Mind IM" in curator.inner_text("table.queue")
    assert "correction requested" in curator.inner_text("table.queue")
    curator.keyboard.press("Enter")
    assert "We moved to 2120 Broadway." in curator.inner_text("section.requests")
    shot(curator, "6-request-in-queue")
    curator.context.close()
