"""docs/architecture.md §7 accuracy targets on the labelled fixture web, for the development and the
held-out part separately (python -m crawler.extract.evaluate prints the same table)."""

import pytest

from crawler.extract import evaluate


@pytest.fixture(scope="module")
def results():
    return evaluate.evaluate()


@pytest.mark.parametrize("part", evaluate.PARTS)
def test_routes_offered_f1(results, part):
    assert results[part]["routes_offered"]["f1"] >= 0.95


@pytest.mark.parametrize("part", evaluate.PARTS)
def test_own_prices_precision_and_recall(results, part):
    assert results[part]["prices"]["precision"] >= 0.95
    assert results[part]["prices"]["recall"] >= 0.85


@pytest.mark.parametrize("part", evaluate.PARTS)
def test_no_price_or_route_from_articles_and_directories(results, part):
    assert results[part]["leaks"] == 0


@pytest.mark.parametrize("part", evaluate.PARTS)
def test_page_types(results, part):
    assert results[part]["page_type"]["f1"] >= 0.95


def test_evaluate_command_prints_both_parts(capsys):
    metrics = evaluate.main(["--part", "all"])
    out = capsys.readouterr().out
    assert "dev P" in out and "heldout P" in out and "routes_offered" in out and "prices" in out
    assert set(metrics) == set(evaluate.PARTS) == {"dev", "heldout", "blind"}
