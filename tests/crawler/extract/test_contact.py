"""Addresses, phones (E.164, no fax or crisis lines), email, hours and locations."""

import pytest

from crawler.extract.contact import addresses_in_text, normalize_phone


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "1600 Grant St, Suite 310, Denver, CO 80203",
            ("1600 Grant St, Suite 310", "Denver", "CO", "80203"),
        ),
        (
            "49 College St, Ste 3B\nAsheville NC 28801",
            ("49 College St, Ste 3B", "Asheville", "NC", "28801"),
        ),
        (
            "3737 Fourth Ave, Suite 201 San Diego, California 92103",
            (None, "San Diego", "CA", "92103"),
        ),
        (
            "1100 E South Temple, Salt Lake City, UT 84102",
            ("1100 E South Temple", "Salt Lake City", "UT", "84102"),
        ),
        (
            "150 2nd Ave N, Suite 410 · St. Petersburg, FL 33701-1234",
            ("150 2nd Ave N, Suite 410", "St. Petersburg", "FL", "33701"),
        ),
        ("Manchester, NH 03101 · 603-555-0159", (None, "Manchester", "NH", "03101")),
    ],
)
def test_addresses_in_text(text, expected):
    a = addresses_in_text(text)[0]
    got = (a.street, a.city, a.state, a.postal_code)
    if expected[0] is None:
        assert got[1:] == expected[1:]
    else:
        assert got == expected


@pytest.mark.parametrize(
    "raw", ["(303) 555-0142", "303.555.0142", "+1 303 555 0142", "tel:+13035550142", "303-555-0142"]
)
def test_phone_formats_normalize_to_e164(raw):
    assert normalize_phone(raw) == "+13035550142"


def test_crisis_lines_and_fax_are_not_the_clinic_phone(extract):
    body = """<p>In crisis? Call 1-800-273-8255 or text 988.</p>
    <p>Fax: (720) 555-0199</p><p>Call us at (720) 555-0198.</p>"""
    page = f"""<html><head><title>X Clinic</title></head><body><main>{body}</main></body></html>"""
    assert extract(page, raw=True)["phone"] == "+17205550198"


def test_structured_address_wins_and_full_state_names_are_coded(extract):
    page = """<html><head><title>X Clinic</title><script type="application/ld+json">
    {"@context":"https://schema.org","@type":"MedicalClinic","name":"X Clinic","telephone":"612-555-0122",
     "address":{"@type":"PostalAddress","streetAddress":"80 S 8th St","addressLocality":"Minneapolis",
     "addressRegion":"Minnesota","postalCode":"55402"},"openingHours":"Mo-Fr 08:00-17:00"}</script></head>
    <body><main><p>Ketamine infusions.</p></main><footer>Other office: 1 Main St, Duluth, MN 55802</footer></body></html>"""
    result = extract(page, raw=True)
    assert result["address"] == {
        "street": "80 S 8th St",
        "city": "Minneapolis",
        "state": "MN",
        "postal_code": "55402",
        "country": "US",
    }
    assert result["phone"] == "+16125550122"
    assert result["hours"] == "Mo-Fr 08:00-17:00"


def test_multi_location_page_lists_every_location(extract):
    body = """<h1>Our locations</h1><p>IV ketamine at every office.</p>
    <h2>Tampa</h2><address>2701 W Swann Ave, Suite 105<br>Tampa, FL 33606</address><p>(813) 555-0108</p>
    <h2>Sarasota</h2><address>1800 2nd St, Suite 760<br>Sarasota, FL 34236</address><p>(941) 555-0135</p>"""
    result = extract(body)
    zips = [loc["address"]["postal_code"] for loc in result["locations"]]
    assert zips[:2] == ["33606", "34236"]
    assert result["locations"][0]["name"] == "Tampa"
    assert result["locations"][0]["phone"] == "+18135550108"
    assert result["address"]["postal_code"] == "33606"


def test_email_and_text_hours(extract):
    body = """<p><a href="mailto:care@clinic.test">Email us</a></p><p>Hours: Mon–Fri 8:00 am – 5:00 pm</p>"""
    result = extract(body)
    assert result["email"] == "care@clinic.test"
    assert result["hours"] == "Mon–Fri 8:00 am – 5:00 pm"


def test_article_reports_the_publishers_contact_not_its_subjects(extract):
    page = """<html><head><title>New infusion center opens | Valley Ledger</title></head><body>
    <header><p>Valley Ledger</p></header><main><article><h1>New infusion center opens</h1>
    <p>By Sam Lee · May 2, 2025</p><p>The center is at 400 Elm St, Boise, ID 83702, and takes calls at 208-555-0144.</p>
    </article></main><footer><p>Valley Ledger, 12 Front St, Boise, ID 83706 · 208-555-0100</p></footer></body></html>"""
    result = extract(page, raw=True, url="https://valleyledger.test/news/new-infusion-center.html")
    assert result["page_type"] == "article"
    assert result["address"]["postal_code"] == "83706" and result["phone"] == "+12085550100"


def test_several_locations_in_schema_main_phone_comes_from_header(extract):
    locs = ",".join(
        f'{{"@type":"MedicalClinic","name":"Aspen Ketamine {c}","telephone":"{t}"}}'
        for c, t in [("North", "970-555-0131"), ("South", "970-555-0132")]
    )
    page = f"""<html><head><title>Aspen Ketamine</title><script type="application/ld+json">[{locs}]</script></head>
    <body><header><a href="tel:+19705550130">970-555-0130</a></header>
    <main><h1>Locations</h1><h2>North</h2><p>Phone: 970-555-0131</p><h2>South</h2><p>Phone: 970-555-0132</p>
    <p>IV ketamine at both offices.</p></main><footer>Main line: 970-555-0130</footer></body></html>"""
    assert extract(page, raw=True)["phone"] == "+19705550130"
