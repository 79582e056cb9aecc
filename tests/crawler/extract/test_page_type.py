"""Page types: a clinic's own page, a directory, an article; and the name of the site."""

import pytest


def page(body, title="Page", head="", body_class=""):
    return f"<html><head><title>{title}</title>{head}</head><body class='{body_class}'>{body}</body></html>"


def test_blog_post_on_a_clinic_site_is_an_article(extract):
    html = page(
        """<header class="site-header"><a class="logo" href="/">Calm Ketamine</a></header>
      <main><article class="post type-post"><h1>Is ketamine right for you?</h1>
      <p class="byline">By Dana Lee, RN · January 18, 2024 · 6 min read</p>
      <p>IV infusions typically cost $400 to $800. At our clinic infusions are $450.</p></article></main>
      <footer>Calm Ketamine · 1600 Grant St, Denver, CO 80203 · (303) 555-0142</footer>""",
        title="Is ketamine right for you? | Calm Ketamine",
        body_class="single-post",
    )
    result = extract(html, raw=True, url="https://calm.test/blog/is-ketamine-right/")
    assert result["page_type"] == "article"
    assert result["name"] == "Calm Ketamine"
    assert result["prices"] == [] and result["routes_offered"] == []
    assert result["address"]["postal_code"] == "80203"  # the publisher's own footer


def test_directory_with_listings(extract):
    cards = "".join(
        f"""<div class="listing"><h3><a href="https://{slug}.test/">{name}</a></h3>
      <p>{street}, {city}, {st} {zip_}</p><p>{phone}</p><p>IV ketamine from $450</p></div>"""
        for slug, name, street, city, st, zip_, phone in [
            (
                "a",
                "Front Range Infusions",
                "2500 Broadway",
                "Boulder",
                "CO",
                "80304",
                "303-555-0188",
            ),
            (
                "b",
                "Pikes Peak KAP",
                "102 S Tejon St",
                "Colorado Springs",
                "CO",
                "80903",
                "719-555-0104",
            ),
            (
                "c",
                "Western Slope Ketamine",
                "744 Horizon Ct",
                "Grand Junction",
                "CO",
                "81506",
                "970-555-0167",
            ),
        ]
    )
    html = page(
        f"<main><h1>Ketamine clinics in Colorado</h1><p>Showing 3 clinics. Sort by distance.</p>{cards}</main>"
        "<footer>Claim your listing</footer>",
        title="Ketamine Clinics in Colorado | KetaFind",
        head='<meta property="og:site_name" content="KetaFind">',
    )
    result = extract(html, raw=True, url="https://ketafind.test/colorado/")
    assert result["page_type"] == "directory"
    assert result["name"] == "KetaFind"
    assert result["prices"] == [] and result["routes_offered"] == []
    assert result["address"] is None and result["phone"] is None
    entries = result["directory_entries"]
    assert [e["name"] for e in entries] == [
        "Front Range Infusions",
        "Pikes Peak KAP",
        "Western Slope Ketamine",
    ]
    assert entries[1]["address"]["postal_code"] == "80903" and entries[1]["phone"] == "+17195550104"


def test_multi_location_practice_is_not_a_directory(extract):
    body = "".join(
        f"""<div class="loc"><h2>{city}</h2><p>{street}, {city}, FL {zip_}</p><p>{phone}</p></div>"""
        for city, street, zip_, phone in [
            ("Tampa", "2701 W Swann Ave", "33606", "813-555-0108"),
            ("Sarasota", "1800 2nd St", "34236", "941-555-0135"),
            ("Clearwater", "600 Cleveland St", "33755", "727-555-0190"),
        ]
    )
    result = extract(f"<h1>Our locations</h1><p>We offer IV ketamine at every office.</p>{body}")
    assert result["page_type"] == "clinic"
    assert len(result["locations"]) == 3


def test_cost_guide_without_markup_is_an_article(extract):
    html = page(
        """<div class="story"><h1>Spravato vs. ketamine: which costs less?</h1>
      <div class="dateline">By Omar Haddad · Last reviewed 3/2/2024</div>
      <p>Expect roughly $400 to $700 per infusion.</p></div>""",
        title="Spravato vs. ketamine | Money Mind",
    )
    result = extract(html, raw=True, url="https://moneymind.test/guides/spravato-vs-ketamine.html")
    assert result["page_type"] == "article"
    assert result["prices"] == []


def test_privacy_policy_is_other(extract):
    html = page(
        "<main><h1>Privacy Policy</h1><p>We respect your privacy.</p></main>",
        title="Privacy Policy | X",
    )
    assert extract(html, raw=True)["page_type"] == "other"


@pytest.mark.parametrize(
    "title, head, expected",
    [
        ("Pricing – Mile High Ketamine Clinic", "", "Mile High Ketamine Clinic"),
        (
            "Harbor Light Psychiatry - Seattle Spravato Treatment Center",
            "",
            "Harbor Light Psychiatry",
        ),
        (
            "Home | Cedar Ridge Wellness | Ketamine Therapy Austin",
            '<meta property="og:site_name" content="Cedar Ridge Wellness">',
            "Cedar Ridge Wellness",
        ),
    ],
)
def test_site_name(extract, title, head, expected):
    brand = expected
    html = page(
        f"<header><a class='logo' href='/'>{brand}</a></header><main><p>Ketamine infusions.</p></main>"
        f"<footer>© 2024 {brand}</footer>",
        title=title,
        head=head,
    )
    assert extract(html, raw=True)["name"] == expected


def test_title_part_that_is_a_menu_label_is_the_page_not_the_site(extract):
    html = page(
        "<header><nav><a href='/'>Home</a> <a href='/what-we-charge'>What We Charge</a></nav></header>"
        "<main><h1>What We Charge</h1><p>Ketamine infusions.</p></main><footer>Juniper Mind Care</footer>",
        title="What We Charge | Juniper Mind Care",
    )
    assert extract(html, raw=True)["name"] == "Juniper Mind Care"
