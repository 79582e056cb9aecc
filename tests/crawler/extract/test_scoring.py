"""`katdir evaluate --set FILE.jsonl`: scoring any labelled set in the realweb format (pages
written here for the test), the same code path as `katdir extract`, and clear errors."""

import json

import pytest

from crawler.extract import cli, scoring
from crawler.extract.evaluate import main
from katdir.cli import main as katdir_main

NO_INSURANCE = {
    "accepts_insurance": None,
    "spravato_insurance": None,
    "va": None,
    "financing": None,
    "hsa_fsa": None,
}

CLINIC = {
    "id": "t1",
    "url": "https://lakeside-ketamine.test/fees",
    "text": "Lakeside Ketamine\n\nWe offer IV ketamine infusions for depression.\n\nOur IV infusions are $450.\n",
    "page_type": "clinic",
    "routes_offered": ["iv"],
    "prices": [
        {
            "amount_min": 450,
            "amount_max": 450,
            "route": "iv",
            "kind": "per_session",
            "sessions": 1,
            "quote": "Our IV infusions are $450.",
        }
    ],
    "conditions": ["depression"],
    "therapy_integrated": None,
    "insurance": NO_INSURANCE,
    "phone": None,
    "state": None,
    "currency": "USD",
}
GUIDE = {
    "id": "t2",
    "url": "https://costs-explained.test/blog/ketamine-cost",
    "text": "How much does ketamine cost?\n\nNationally, IV infusions average $500 per session.\n",
    "page_type": "article",
    "routes_offered": [],
    "prices": [],
    "conditions": [],
    "therapy_integrated": None,
    "insurance": NO_INSURANCE,
    "phone": None,
    "state": None,
    "currency": None,
}
LENIENT = dict(
    CLINIC,
    id="t3",
    url="https://other-clinic.test/",
    routes_offered=[],
    prices=[],
    lenient={"routes": ["iv"], "prices": [[450, 450]]},
)


@pytest.fixture
def labelled(tmp_path):
    path = tmp_path / "set.jsonl"
    path.write_text(
        "\n".join(json.dumps(p) for p in (CLINIC, GUIDE, LENIENT)) + "\n", encoding="utf-8"
    )
    return path


def test_scores_fields_confusion_and_lenient_labels(labelled):
    report = scoring.evaluate_set(scoring.load_set(labelled))
    m = report["metrics"]
    assert m["routes_offered"]["f1"] == 1.0  # t3's lenient iv is neither required nor penalized
    assert m["prices"]["precision"] == 1.0 and m["prices"]["recall"] == 1.0
    assert m["page_type"]["tp"] == 3
    assert report["confusion"]["article"] == {"article": 1} and report["leaks"] == []


def test_scores_exactly_what_katdir_extract_prints(labelled, tmp_path, capsys):
    page = tmp_path / "page.txt"
    page.write_text(CLINIC["text"], encoding="utf-8")
    assert cli.main([str(page), "--url", CLINIC["url"]]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == cli.facts(CLINIC["text"].encode(), "text/html", CLINIC["url"])


def test_command_with_part_and_ids(labelled, capsys):
    assert katdir_main(["evaluate", "--set", str(labelled), "--ids", "t2"]) == 0
    out = capsys.readouterr().out
    assert "pages: 1" in out and "page type" in out and "routes_offered" in out
    report = main(["--set", str(labelled), "--part", "tune", "--json"])
    assert report["pages"] == sum(
        1 for p in (CLINIC, GUIDE, LENIENT) if scoring.part_of(p["url"]) == "tune"
    )


def test_worst_pages_are_listed(labelled, capsys):
    wrong = dict(GUIDE, id="t4", page_type="clinic", routes_offered=["im"])
    labelled.write_text(labelled.read_text() + json.dumps(wrong) + "\n")
    report = main(["--set", str(labelled)])
    assert report["worst"][0].id == "t4"
    assert "worst pages" in capsys.readouterr().out


@pytest.mark.parametrize(
    "content, message",
    [
        ("not json\n", "line 1"),
        (json.dumps({"id": "x", "url": "https://a.test/"}) + "\n", "text, page_type"),
    ],
)
def test_bad_set_is_a_clear_error(tmp_path, capsys, content, message):
    path = tmp_path / "bad.jsonl"
    path.write_text(content)
    with pytest.raises(SystemExit) as exc:
        main(["--set", str(path)])
    assert message in str(exc.value)


def test_unknown_id_and_missing_file(tmp_path, labelled):
    with pytest.raises(SystemExit, match="no page with id nope"):
        main(["--set", str(labelled), "--ids", "nope"])
    with pytest.raises(SystemExit, match="cannot read"):
        main(["--set", str(tmp_path / "missing.jsonl")])
