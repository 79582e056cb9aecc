"""`katdir extract` prints exactly the JSON of docs/architecture.md §4, for HTML and for text files."""

import json

from crawler.extract.cli import main
from crawler.extract.evaluate import FIXTURE_WEB


def test_extract_html_file_prints_design_json(capsys):
    path = FIXTURE_WEB / "dev" / "riverbend-ketamine" / "index.html"
    assert main([str(path), "--url", "https://riverbend.test/"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert list(out) == ["name", "routes_offered", "prices", "conditions", "therapy_integrated", "insurance",
                         "address", "phone"]
    assert out["name"] == "Riverbend Ketamine Clinic"
    assert out["routes_offered"] == ["iv", "spravato"]
    assert {(p["amount_min"], p["kind"], p["sessions"], p["route"]) for p in out["prices"]} == {
        (425.0, "per_session", None, "iv"), (2300.0, "series", 6, "iv")}
    assert set(out["prices"][0]) == {"amount_min", "amount_max", "route", "kind", "sessions", "quote"}
    assert out["phone"] == "+16155550184" and out["address"]["postal_code"] == "37203"


def test_extract_text_file_with_full_output(capsys):
    path = FIXTURE_WEB / "dev" / "summit-neuro" / "pricing.txt"
    assert main([str(path), "--full"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["page_type"] == "clinic" and len(out["prices"]) == 5 and "evidence" in out


def test_missing_file_is_an_error(capsys):
    assert main(["/nonexistent/page.html"]) == 2
    assert "cannot read" in capsys.readouterr().err
