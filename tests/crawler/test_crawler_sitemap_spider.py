"""The `sitemap` spider: a site read from its sitemap (Scrapy's sitemap machinery), no link following."""

from __future__ import annotations


def test_the_sitemap_spider_reads_the_pages_a_sitemap_lists(crawl_web, sample_web):
    result = crawl_web(
        seeds=[sample_web.url("flatirons-kat", "/sitemap.xml")], web=sample_web, spider="sitemap"
    )
    paths = result.paths("flatirons-kat")
    assert {"/", "/sitemap.xml", "/fees.html", "/programs/at-home-ketamine.html"} <= set(paths)
    [listing] = result.listings
    assert listing["spider"] == "sitemap" and "Flatirons" in listing["name"]
    assert {"iv", "oral"} <= set(listing["routes"]) and 2400.0 in [
        p["amount_min"] for p in listing["prices"]
    ]
    assert result.summary.ok


def test_the_sitemap_spider_finds_sitemaps_through_robots_txt_and_follows_no_links(
    crawl_web, sample_web
):
    result = crawl_web(
        seeds=[
            sample_web.url("flatirons-kat", "/robots.txt"),
            sample_web.url("capitol-ketamine", "/robots.txt"),
        ],
        web=sample_web,
        spider="sitemap",
    )
    assert "/programs/at-home-ketamine.html" in result.paths("flatirons-kat")
    # Capitol has no sitemap: its home page only, none of the pages it links to.
    assert [
        p for p in result.paths("capitol-ketamine") if p not in ("/robots.txt", "/sitemap.xml")
    ] == ["/"]
    assert len(result.listings) == 2
