"""Directory source profiles (YAML) and the `directory` spider over the sample directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.directory import (
    ProfileError,
    links,
    load_profile,
    load_profiles,
    parse_address_line,
    parse_profile,
    read_entry,
)
from katdir.model import Listing

DETAIL = """
<div class="listing">
  <h1 class="listing-name"> Rose City
     Ketamine </h1>
  <p class="listing-address"><span class="street">1221 SW Yamhill St, Suite 300</span>,
     <span class="city">Portland</span>, <span class="state">OR</span> <span class="zip">97205</span></p>
  <a class="listing-phone" href="tel:+15035550190">(503) 555-0190</a>
  <a class="listing-website" href="/go?to=rose">Visit website</a>
</div>"""


def test_the_bundled_profile_loads_by_name():
    profile = load_profile("ketafind")
    assert profile.name == "ketafind" and profile.follow_websites
    assert profile.resolved_start_urls({"ketafind": "http://127.0.0.1:4100"}) == [
        "http://127.0.0.1:4100/clinics/"
    ]
    assert [p.name for p in load_profiles()] == ["ketafind"]


def test_an_entry_is_read_with_the_profiles_selectors():
    entry = read_entry(DETAIL, "https://dir.example/clinics/rose", load_profile("ketafind"))
    assert entry["name"] == "Rose City Ketamine"
    assert entry["address"] == {
        "street": "1221 SW Yamhill St, Suite 300",
        "city": "Portland",
        "state": "OR",
        "postal_code": "97205",
        "country": "US",
    }
    assert entry["phone"] == "+15035550190"
    assert entry["website"] == "https://dir.example/go?to=rose"
    assert entry["quotes"]["phone"] == "(503) 555-0190"


def test_a_one_line_address_field_is_split():
    profile = parse_profile(
        {
            "start_urls": ["https://d.example/"],
            "detail_links": "a::attr(href)",
            "fields": {
                "name": "h1::text",
                "address": "p.addr::text",
                "phone": "xpath://p[@class='tel']/text()",
            },
        }
    )
    html = "<h1>Mile High</h1><p class='addr'>1550 Larimer St, Suite 310, Denver, CO 80202</p><p class='tel'>303.555.0142</p>"
    entry = read_entry(html, "https://d.example/x", profile)
    assert entry["address"]["street"] == "1550 Larimer St, Suite 310"
    assert (
        entry["address"]["city"],
        entry["address"]["state"],
        entry["address"]["postal_code"],
    ) == ("Denver", "CO", "80202")
    assert entry["phone"] == "+13035550142"


def test_links_are_made_absolute():
    assert links(
        '<a class="n" href="page-2.html">next</a>', "https://d.example/clinics/", "a.n::attr(href)"
    ) == ["https://d.example/clinics/page-2.html"]


@pytest.mark.parametrize(
    "data,message",
    [
        ({"detail_links": "a", "fields": {"name": "h1"}}, "start_urls"),
        ({"start_urls": ["u"], "detail_links": "a", "fields": {"phone": "p"}}, "fields.name"),
        (
            {"start_urls": ["u"], "detail_links": "a", "fields": {"name": "h1", "rating": "x"}},
            "unknown fields",
        ),
        (
            {"start_urls": ["u"], "detail_links": "a", "fields": {"name": "h1"}, "paginate": "x"},
            "unknown keys",
        ),
    ],
)
def test_a_bad_profile_says_what_is_wrong(data, message):
    with pytest.raises(ProfileError, match=message):
        parse_profile(data, Path("bad.yaml"))


def test_an_address_line_without_a_place_is_kept_as_the_street():
    assert parse_address_line("Somewhere downtown")["street"] == "Somewhere downtown"


def test_the_directory_spider_reads_every_entry_across_pages_and_follows_websites(
    crawl_web, sample_web
):
    result = crawl_web(spider="directory", web=sample_web)
    entries = [item for item in result.listings if item["page_type"] == "directory"]
    assert sorted(item["name"] for item in entries) == [
        "Aurora Mind & Body Ketamine",
        "Capitol Ketamine Clinic",
        "Harbor Spravato Center",
        "Mile High Ketamine Wellness",
        "Rose City Ketamine",
    ]
    rose = next(item for item in entries if item["name"] == "Rose City Ketamine")
    assert rose["address"]["postal_code"] == "97205" and rose["phone"] == "+15035550190"
    assert rose["website"] is None and rose["spider"] == "directory"
    assert rose["evidence"]["name"] == [{"url": rose["url"], "quote": "Rose City Ketamine"}]
    mile_high = next(item for item in entries if item["name"] == "Mile High Ketamine Wellness")
    assert mile_high["website"] == sample_web.sites["mile-high-ketamine"] + "/"
    assert "/clinics/page-2.html" in result.paths("ketafind")  # pagination followed
    # The linked clinic websites were crawled too, into clinic listings.
    clinics = [item for item in result.listings if item["page_type"] == "clinic"]
    assert {item["website"] for item in clinics} == {
        sample_web.sites[name] + "/"
        for name in ("mile-high-ketamine", "aurora-mindbody", "capitol-ketamine", "harbor-spravato")
    }
    for item in result.listings:
        Listing.model_validate(item)
    assert result.summary.ok, result.summary.describe()
