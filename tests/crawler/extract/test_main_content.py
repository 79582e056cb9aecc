"""Main-content extraction: menus, teasers and footers that the markup does not name are not
read as a clinic's offers; the content keeps its tables, lists and headings."""

from __future__ import annotations

from crawler.extract import extract_page, main_content
from crawler.extract.document import MAIN, parse

URL = "https://juniper-ketamine.example/ketamine-infusions/"

# A site that marks nothing: its menu, its "related posts" and its footer are plain <div>s.
UNLABELLED_PAGE = """<!doctype html><html><head><title>IV ketamine infusions | Juniper Ketamine</title></head>
<body>
<div class="top">
  <div class="links"><a href="/">Home</a> <a href="/spravato/">Spravato</a> <a href="/troches/">Ketamine troches</a>
  <a href="/im/">IM ketamine shots</a> <a href="/contact/">Contact</a></div>
</div>
<div class="wrap">
  <div class="content">
    <h1>IV ketamine infusions in Juniper Falls</h1>
    <p>Juniper Ketamine is a physician-led clinic. We offer IV ketamine infusions for treatment-resistant
    depression, given over forty minutes while a nurse watches your vital signs the whole time.</p>
    <p>Most patients start with a series of six infusions over two to three weeks. Before the first one,
    our physician meets you for a full medical and psychiatric assessment, and after each infusion you
    rest in a quiet room until you are ready to be driven home.</p>
    <h2>What it costs</h2>
    <table>
      <tr><th>Treatment</th><th>Price</th></tr>
      <tr><td>Single IV ketamine infusion</td><td>$425</td></tr>
      <tr><td>Series of six IV infusions</td><td>$2,400</td></tr>
    </table>
    <p>We are an out-of-network provider and give you a superbill to send to your insurer yourself.</p>
  </div>
  <div class="more">
    <div class="teaser">More from our journal</div>
    <div class="teaser"><a href="/journal/spravato-prices/">What Spravato costs elsewhere: some centres
    charge $900 per Spravato session, and ketamine troches by mail run $150 a month</a></div>
    <div class="teaser"><a href="/journal/im-shots/">Why some clinics give IM ketamine shots for $250</a></div>
  </div>
</div>
<div class="bottom">Juniper Ketamine · 41 Alder Row, Juniper Falls, OR 97000 · Spravato questions? Ask us.</div>
</body></html>"""


def test_menus_and_teasers_outside_the_content_are_not_offers():
    result = extract_page(UNLABELLED_PAGE, URL)
    assert result["routes_offered"] == ["iv"]
    assert sorted(p["amount_min"] for p in result["prices"]) == [425.0, 2400.0]
    assert result["address"]["postal_code"] == "97000"  # contact details are still read everywhere


def test_the_content_keeps_its_table_rows_and_headings():
    doc = parse(UNLABELLED_PAGE, URL)
    relabelled = main_content.mark_boilerplate(doc, UNLABELLED_PAGE)
    assert relabelled >= 3
    main = [b for b in doc.blocks if b.region == MAIN]
    texts = [b.text for b in main]
    assert "Single IV ketamine infusion | $425" in texts  # one row, cells kept apart
    assert "What it costs" in texts and any(
        b.is_heading and b.text == "What it costs" for b in main
    )
    price_row = next(b for b in main if b.text.startswith("Series of six"))
    assert price_row.tag == "tr" and "What it costs" in price_row.headings
    assert not [t for t in texts if "Spravato" in t or "troches" in t]


def test_without_content_trafilatura_can_judge_the_markup_labels_stand():
    page = "<html><body><p>IV ketamine, $400 per infusion.</p><div>Spravato</div></body></html>"
    doc = parse(page, URL)
    assert main_content.mark_boilerplate(doc, page) == 0
    assert [b.region for b in doc.blocks] == [MAIN, MAIN]


def test_a_page_trafilatura_cannot_read_is_left_as_it_is():
    assert main_content.content_text("", URL) is None
    assert main_content.content_text("<html><body></body></html>", URL) is None
