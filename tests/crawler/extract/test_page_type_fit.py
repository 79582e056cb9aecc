"""Fitting the page type's article score and cross-validating it by host, on pages written for
the test."""

import json

import pytest

from crawler.extract import page_type, page_type_fit
from crawler.extract.evaluate import main
from katdir.cli import main as katdir_main

from .test_page_type_traps import CASES


def test_solve_is_gaussian_elimination():
    x = page_type_fit._solve([[4.0, 1.0], [1.0, 3.0]], [1.0, 2.0])
    assert x == pytest.approx([1 / 11, 7 / 11])


def test_fit_moves_the_weights_the_data_supports_and_keeps_unseen_ones():
    # a feature that marks every article and no clinic page gains weight; markup the set
    # never shows keeps its prior
    rows = (
        [({"url_article_path": 1.0}, True)] * 6
        + [({"own_offer": 1.0}, False)] * 6
        + [({}, False)] * 6
    )
    weights = page_type_fit.fit(rows, lam=1.0)
    assert weights["url_article_path"] > page_type.ARTICLE_PRIOR["url_article_path"]
    assert weights["schema_article"] == page_type.ARTICLE_PRIOR["schema_article"]
    assert weights["own_offer"] < 0


def test_a_strong_pull_keeps_the_prior():
    rows = [({"market": 1.0}, False)] * 10
    weights = page_type_fit.fit(rows, lam=1e6)
    assert weights["market"] == pytest.approx(page_type.ARTICLE_PRIOR["market"], abs=0.01)


@pytest.fixture
def trap_set(tmp_path):
    path = tmp_path / "traps.jsonl"
    lines = [
        json.dumps({"id": f"t{i}", "url": url, "text": text, "page_type": want})
        for i, (_, text, url, want) in enumerate(CASES)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_cross_validation_leaves_each_host_out(trap_set, capsys):
    cv = main(["--set", str(trap_set), "--page-type-cv"])
    assert cv["pages"] == len(CASES) and cv["hosts"] == len({c[2].split("/")[2] for c in CASES})
    for key in ("prior", "fit", "leave_one_host_out", "leave_one_host_out_no_prior"):
        assert 0 <= cv[key]["accuracy"] <= 1
    assert cv["prior"]["accuracy"] == 1.0  # the trap pages are typed right by the shipped prior
    out = capsys.readouterr().out
    assert "leave one host out (CV)" in out and "fitted weights" in out


def test_the_command_passes_the_options(trap_set, capsys):
    assert (
        katdir_main(
            ["evaluate", "--set", str(trap_set), "--page-type-cv", "--cv-lambda", "4", "--json"]
        )
        == 0
    )
    cv = json.loads(capsys.readouterr().out)
    assert cv["lambda"] == 4.0 and set(cv["weights"]) == {"bias", *page_type.ARTICLE_FEATURES}


def test_a_negative_pull_is_a_clear_error(trap_set):
    with pytest.raises(SystemExit, match="--cv-lambda -1.0"):
        main(["--set", str(trap_set), "--page-type-cv", "--cv-lambda", "-1"])


def test_log_loss_tells_sure_from_marginal_typing():
    """Accuracy ties between a page typed right surely and one typed right by a hair; the log
    loss the cross-validation reports does not (a coin is 0.693)."""
    labels = [True, False]
    assert page_type_fit.log_loss([0.5, 0.5], labels) == pytest.approx(0.6931, abs=1e-4)
    sure = page_type_fit.log_loss([0.95, 0.05], labels)
    marginal = page_type_fit.log_loss([0.55, 0.45], labels)
    assert sure < marginal < 0.6931
    assert page_type_fit.log_loss([1.0, 0.0], labels) == 0.0
    assert page_type_fit.log_loss([0.0, 1.0], labels) > 10  # sure and wrong: bounded, not infinite


def test_the_cross_validation_reports_a_log_loss_per_setting(trap_set):
    pages = [json.loads(line) for line in trap_set.read_text().splitlines()]
    cv = page_type_fit.cross_validate(pages, lam=1.0)
    for key in ("prior", "fit", "leave_one_host_out", "leave_one_host_out_no_prior"):
        assert cv[key]["log_loss"] >= 0
    # the trap pages are typed right by the shipped prior, so it is surer than a coin on them
    assert cv["prior"]["log_loss"] < 0.6931
