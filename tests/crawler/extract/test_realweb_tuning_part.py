"""The extractor's scores on the tuning part of the real-page development set must not fall.

The set is read where it is, never copied: `../shared/realweb/pages.jsonl` beside the
repository (CI puts a copy of shared/ there; for a git worktree, beside its main checkout),
or the file named by KATDIR_REALWEB_SET. Its absence is a failure, not a skip: these scores are the project's
measure of reading real pages. The held part is not scored here (docs/accuracy.md).
"""

import os
from pathlib import Path

import pytest

from crawler.extract import page_type, page_type_fit, scoring

ROOT = Path(__file__).resolve().parents[3]


def _beside_the_clone() -> Path:
    """shared/ beside the repository; for a git worktree, beside its main checkout."""
    candidates = [ROOT.parent]
    git = ROOT / ".git"
    if git.is_file():  # "gitdir: <main>/.git/worktrees/<name>"
        gitdir = Path(git.read_text().split(":", 1)[1].strip())
        candidates.append(gitdir.parents[2].parent)
    for base in candidates:
        if (base / "shared" / "realweb" / "pages.jsonl").is_file():
            return base / "shared" / "realweb" / "pages.jsonl"
    return candidates[0] / "shared" / "realweb" / "pages.jsonl"


REALWEB_SET = Path(os.environ.get("KATDIR_REALWEB_SET") or _beside_the_clone())

# Floors: the tuning part's scores when they were last raised (docs/accuracy.md), rounded down.
# Lowered once on purpose, by the precision-first publish rule (docs/accuracy.md, round 3):
# prices recall 0.95 -> 0.8 (a plain "The cost is $40 per session." with no one speaking in
# its sentence is held for a curator) and routes F1 0.98 -> 0.93 (five routes read only from
# descriptions, on three pages the page-type model is not sure are the provider's, are held).
FLOORS = {
    ("routes_offered", "f1"): 0.93,
    ("prices", "precision"): 0.95,
    ("prices", "recall"): 0.8,
    ("price_details", "f1"): 0.95,
    ("page_type", "f1"): 1.0,
    ("conditions", "f1"): 0.97,
    ("therapy_integrated", "f1"): 0.92,
    ("insurance.accepts_insurance", "f1"): 0.95,
    ("insurance.spravato_insurance", "f1"): 0.70,
    ("phone", "f1"): 0.95,
    ("state", "f1"): 0.55,
}


@pytest.fixture(scope="module")
def tuning_part():
    assert REALWEB_SET.is_file(), (
        f"the real-page development set is missing: {REALWEB_SET} (expected shared/realweb/pages.jsonl beside the "
        "repository, or set KATDIR_REALWEB_SET to its path)"
    )
    pages = scoring.select(scoring.load_set(REALWEB_SET), "tune")
    assert len(pages) >= 50, (
        f"the tuning part has only {len(pages)} pages: is {REALWEB_SET} the whole set?"
    )
    return pages


@pytest.fixture(scope="module")
def report(tuning_part):
    return scoring.evaluate_set(tuning_part)


@pytest.fixture(scope="module")
def cross_validation(tuning_part):
    return page_type_fit.cross_validate(tuning_part)


@pytest.mark.parametrize("field, measure", sorted(FLOORS))
def test_tuning_part_score_does_not_fall(report, field, measure):
    got = report["metrics"][field][measure]
    assert got >= FLOORS[field, measure], (
        f"{field} {measure} fell to {got:.3f} (floor {FLOORS[field, measure]})"
    )


def test_no_article_or_directory_page_gets_own_prices_or_routes(report):
    assert report["leaks"] == []


def test_split_is_by_host_and_stable():
    assert scoring.part_of("https://www.example-clinic.test/faq") == scoring.part_of(
        "https://example-clinic.test/fees"
    )
    pages = scoring.load_set(REALWEB_SET)
    held = [p["id"] for p in pages if scoring.part_of(p["url"]) == "held"]
    assert 0.25 <= len(held) / len(pages) <= 0.35


def test_page_type_holds_when_each_host_is_left_out_of_the_fit(cross_validation):
    """The article score's weights refitted without each page's host still type that page:
    the estimate for unseen pages (docs/accuracy.md), not the fit's own score."""
    cv = cross_validation["leave_one_host_out"]
    assert cv["accuracy"] >= 0.98, cv["wrong"]
    assert cv["non_clinic_as_clinic"] == 0, cv["wrong"]


def test_the_shipped_weights_are_the_fit_of_the_tuning_part(cross_validation):
    """page_type.ARTICLE_WEIGHTS is what `katdir evaluate --set … --part tune --page-type-cv`
    prints: change a feature, refit, paste."""
    fitted = cross_validation["weights"]
    assert set(fitted) == set(page_type.ARTICLE_WEIGHTS)
    off = {
        k: (page_type.ARTICLE_WEIGHTS[k], v)
        for k, v in fitted.items()
        if abs(page_type.ARTICLE_WEIGHTS[k] - v) > 0.01
    }
    assert not off, f"refit the page type's weights (shipped, fitted): {off}"
