"""Schema.org JSON-LD and microdata."""

from crawler.extract.document import parse
from crawler.extract.structured import offers, read


def test_jsonld_graph_microdata_and_item_lists():
    html = """<html><head><script type="application/ld+json">{"@context":"https://schema.org","@graph":[
      {"@type":["MedicalClinic","LocalBusiness"],"name":"A Clinic","department":[{"@type":"MedicalClinic","name":"A – North"}]},
      {"@type":"ItemList","itemListElement":[{"@type":"ListItem","item":{"@type":"MedicalClinic","name":"Other"}}]}]}</script>
      <script type="application/ld+json">{ broken json </script></head>
      <body><div itemscope itemtype="https://schema.org/MedicalClinic"><span itemprop="name">Micro Clinic</span></div></body></html>"""
    data = read(parse(html, "http://x/"))
    assert [e.name for e in data.top_clinics()] == ["A Clinic", "Micro Clinic"]
    assert [e.name for e in data.listed()] == ["Other"]
    assert [e.name for e in data.clinics() if e.sub] == ["A – North"]


def test_offers_with_prices():
    html = """<html><head><script type="application/ld+json">{"@context":"https://schema.org","@type":"MedicalClinic",
      "name":"S","makesOffer":[{"@type":"Offer","itemOffered":{"@type":"Service","name":"IM Ketamine Session"},
      "price":"300","priceCurrency":"USD"}]}</script></head><body></body></html>"""
    data = read(parse(html, "http://x/"))
    assert offers(data.top_clinics()[0]) == [("IM Ketamine Session", 300.0, None)]


def test_offer_prices_become_prices(extract):
    html = """<html><head><title>S Clinic</title><script type="application/ld+json">{"@context":"https://schema.org",
      "@type":"MedicalClinic","name":"S Clinic","makesOffer":[{"@type":"Offer","itemOffered":{"@type":"Service",
      "name":"IM Ketamine Session"},"price":"300","priceCurrency":"USD"}]}</script></head>
      <body><main><p>We give ketamine as an intramuscular injection.</p></main></body></html>"""
    result = extract(html, raw=True)
    assert [(p["amount_min"], p["kind"], p["route"]) for p in result["prices"]] == [
        (300.0, "per_session", "im")
    ]
    assert result["routes_offered"] == ["im"]
