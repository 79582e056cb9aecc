"""`katdir extract` prints the JSON of docs/architecture.md §4 (then the page type and the facts
held for a curator; prices with their currency), for HTML and for text files."""

import json

from crawler.extract.cli import main
from crawler.extract.evaluate import FIXTURE_WEB
from tests.crawler.extract.test_contract import DESIGN_KEYS


def test_extract_html_file_prints_design_json(capsys):
    path = FIXTURE_WEB / "dev" / "riverbend-ketamine" / "index.html"
    assert main([str(path), "--url", "https://riverbend.test/"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert list(out) == [*DESIGN_KEYS, "page_type", "held_for_review"]
    assert out["page_type"] == "clinic" and out["held_for_review"] == []
    assert out["name"] == "Riverbend Ketamine Clinic"
    assert out["routes_offered"] == ["iv", "spravato"]
    assert {(p["amount_min"], p["kind"], p["sessions"], p["route"]) for p in out["prices"]} == {
        (425.0, "per_session", None, "iv"),
        (2300.0, "series", 6, "iv"),
    }
    assert set(out["prices"][0]) == {
        "amount_min",
        "amount_max",
        "route",
        "kind",
        "sessions",
        "quote",
        "currency",
    }
    assert out["phone"] == "+16155550184" and out["address"]["postal_code"] == "37203"


def test_extract_text_file_with_full_output(capsys):
    path = FIXTURE_WEB / "dev" / "summit-neuro" / "pricing.txt"
    assert main([str(path), "--full"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["page_type"] == "clinic" and len(out["prices"]) == 5 and "evidence" in out


def test_missing_file_is_an_error(capsys):
    assert main(["/nonexistent/page.html"]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_facts_held_for_a_curator_are_printed_apart(tmp_path, capsys):
    """A price the provider does not plainly state as its own is held for review: printed under
    held_for_review with its confidence, never among the provider's prices (what a crawl
    publishes and what `katdir evaluate --set` scores are the same)."""
    page = tmp_path / "costs.txt"
    page.write_text(
        "Ketamine at Alder Clinic\n\nWe offer IV ketamine infusions in Bend.\n\n"
        "Infusions range from $400 to $500 depending on the dose.\n\n"
        "Our follow-up booster infusion is $395.\n",
        encoding="utf-8",
    )
    assert main([str(page), "--url", "https://alder-clinic.example/costs"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [(p["amount_min"], p["kind"]) for p in out["prices"]] == [(395.0, "maintenance")]
    held = [h for h in out["held_for_review"] if h["field"] == "prices"]
    assert [(h["value"]["amount_min"], h["value"]["amount_max"]) for h in held] == [(400.0, 500.0)]
    assert all(h["confidence"] < 0.6 for h in held)
