"""The labelled fixture web itself: size, held-out share, truth for every page, real ZIPs,
fictional phone numbers, links between sites that resolve."""

import re
from collections import Counter

import pytest
import zipcodes

from crawler.extract.evaluate import FIXTURE_WEB, PARTS, load_truth
from katdir.model import CONDITIONS, PRICE_KINDS, ROUTES

TRUTH = load_truth()
PAGES = sorted(
    p.relative_to(FIXTURE_WEB).as_posix()
    for part in PARTS
    for p in (FIXTURE_WEB / part).rglob("*")
    if p.is_file() and p.suffix in (".html", ".txt") and p.name != "robots.txt"
)


def test_every_page_is_labelled_and_every_label_has_a_page():
    assert sorted(TRUTH) == PAGES


def test_size_and_held_out_share():
    types = Counter(t["page_type"] for t in TRUTH.values())
    assert types["clinic"] >= 40 and types["directory"] >= 4 and types["article"] >= 5
    clinic_sites = {p.split("/")[1] for p, t in TRUTH.items() if t["page_type"] == "clinic"}
    assert len(clinic_sites) >= 20
    # the dev / heldout split (the later blind part is measured on its own)
    heldout = sum(1 for p in TRUTH if p.startswith("heldout/"))
    dev = sum(1 for p in TRUTH if p.startswith("dev/"))
    assert 0.25 <= heldout / (dev + heldout) <= 0.4
    sites = {
        part: {p.split("/")[1] for p in TRUTH if p.startswith(part + "/")}
        for part in ("dev", "heldout", "blind")
    }
    assert sites["dev"].isdisjoint(sites["heldout"])
    assert sites["blind"].isdisjoint(sites["dev"] | sites["heldout"])


@pytest.mark.parametrize("path", sorted(TRUTH))
def test_labels_use_the_vocabularies(path):
    t = TRUTH[path]
    assert t["page_type"] in ("clinic", "directory", "article", "other")
    assert set(t["routes_offered"]) <= set(ROUTES) and set(t["conditions"]) <= set(CONDITIONS)
    for p in t["prices"]:
        assert p["kind"] in PRICE_KINDS and (p["route"] is None or p["route"] in ROUTES)
        assert (p["sessions"] is not None) <= (p["kind"] in ("series", "maintenance"))
    if t["page_type"] in ("article", "directory"):
        assert t["prices"] == [] and t["routes_offered"] == []


def test_zip_codes_exist_and_match_their_state():
    for path in PAGES:
        text = (FIXTURE_WEB / path).read_text(encoding="utf-8")
        for state, zip_code in re.findall(r"\b([A-Z]{2}),?\s+(\d{5})\b", text):
            found = zipcodes.matching(zip_code)
            assert found and found[0]["state"] == state, (path, state, zip_code)


def test_phone_numbers_are_fictional_555_01xx():
    for path in PAGES:
        text = (FIXTURE_WEB / path).read_text(encoding="utf-8")
        for number in re.findall(r"\(?\b\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}\b", text):
            digits = re.sub(r"\D", "", number)
            if digits in ("8002738255",):  # the real crisis line quoted on a contact page
                continue
            assert digits[-7:-2] == "55501", (path, number)


def test_links_to_other_sites_name_existing_sites():
    sites = {p.name for part in PARTS for p in (FIXTURE_WEB / part).iterdir() if p.is_dir()}
    for path in PAGES:
        for site in re.findall(
            r"\{\{site:([\w.-]+)\}\}", (FIXTURE_WEB / path).read_text(encoding="utf-8")
        ):
            assert site in sites, (path, site)
