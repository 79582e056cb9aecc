"""The page as blocks: boilerplate regions, tables, cards, plain text, encodings."""

from crawler.extract.document import FOOTER, HEADER, MAIN, NAV, parse
from crawler.extract.language import split_sentences


def test_regions_and_cookie_banner():
    html = """<html><body class="et_fixed_nav has-nav"><div id="cookie-notice">We use cookies</div>
    <header><nav><a href="/">Home</a></nav><a href="tel:3035550142">Call</a></header>
    <main><h1>Title</h1><p>Body text.</p></main><footer><p>Footer text</p></footer></body></html>"""
    doc = parse(html, "http://x/")
    regions = {b.text: b.region for b in doc.blocks}
    assert regions["Title"] == MAIN and regions["Body text."] == MAIN
    assert regions["Home"] in (NAV, HEADER) and regions["Footer text"] == FOOTER
    assert "We use cookies" not in regions
    assert doc.tel_links[0][2] == HEADER


def test_table_rows_are_blocks_with_cells():
    doc = parse(
        "<table><tr><td>Single infusion</td><td>IV</td><td>$475</td></tr></table>", "http://x/"
    )
    assert [b.text for b in doc.blocks] == ["Single infusion | IV | $475"]


def test_split_spans_keep_prices_and_words_apart():
    doc = parse("<div><span>$</span><span>475</span><span>per infusion</span></div>", "http://x/")
    assert doc.blocks[0].text == "$475 per infusion"


def test_plain_text_lines_and_leaders():
    doc = parse(
        "CLINIC FEES\n\nIV infusion ........ $500\nIM injection ........ $375\n\nWe accept HSA\ncards.",
        "http://x/fees.txt",
        "text/plain",
    )
    assert [b.text for b in doc.blocks] == [
        "CLINIC FEES",
        "IV infusion — $500",
        "IM injection — $375",
        "We accept HSA cards.",
    ]
    assert doc.blocks[0].is_heading


def test_bytes_in_a_declared_charset():
    html = '<html><head><meta charset="iso-8859-1"></head><body><p>Caf\xe9 ketamine</p></body></html>'.encode(
        "latin-1"
    )
    assert parse(html, "http://x/").blocks[0].text == "Café ketamine"


def test_sentences_do_not_split_at_abbreviations():
    assert split_sentences("Dr. Osei sees patients at 720 Third Ave. Ste. 100. Call us.") == [
        "Dr. Osei sees patients at 720 Third Ave. Ste. 100.",
        "Call us.",
    ]


def test_empty_and_broken_input():
    assert parse("", "http://x/").blocks == []
    assert parse(b"<html><body><p>unclosed <b>bold", "http://x/").blocks[0].text == "unclosed bold"
