"""The extractor's scores on the tuning part of the real-page development set must not fall.

The set is read where it is, never copied: `../shared/realweb/pages.jsonl` beside the
repository (CI puts a copy of shared/ there; for a git worktree, beside its main checkout),
or the file named by KATDIR_REALWEB_SET. Its absence is a failure, not a skip: these scores are the project's
measure of reading real pages. The held part is not scored here (docs/accuracy.md).
"""

import os
from pathlib import Path

import pytest

from crawler.extract import scoring

ROOT = Path(__file__).resolve().parents[3]


def _beside_the_clone() -> Path:
    """shared/ beside the repository; for a git worktree, beside its main checkout."""
    candidates = [ROOT.parent]
    git = ROOT / ".git"
    if git.is_file():                      # "gitdir: <main>/.git/worktrees/<name>"
        gitdir = Path(git.read_text().split(":", 1)[1].strip())
        candidates.append(gitdir.parents[2].parent)
    for base in candidates:
        if (base / "shared" / "realweb" / "pages.jsonl").is_file():
            return base / "shared" / "realweb" / "pages.jsonl"
    return candidates[0] / "shared" / "realweb" / "pages.jsonl"


REALWEB_SET = Path(os.environ.get("KATDIR_REALWEB_SET") or _beside_the_clone())

# Floors: the tuning part's scores when they were last raised (docs/accuracy.md), rounded down.
FLOORS = {
    ("routes_offered", "f1"): 0.95,
    ("prices", "precision"): 0.95,
    ("prices", "recall"): 0.95,
    ("price_details", "f1"): 0.95,
    ("page_type", "f1"): 0.98,
    ("conditions", "f1"): 0.97,
    ("therapy_integrated", "f1"): 0.92,
    ("insurance.accepts_insurance", "f1"): 0.95,
    ("insurance.spravato_insurance", "f1"): 0.70,
    ("phone", "f1"): 0.95,
    ("state", "f1"): 0.55,
}


@pytest.fixture(scope="module")
def report():
    assert REALWEB_SET.is_file(), (
        f"the real-page development set is missing: {REALWEB_SET} (expected shared/realweb/pages.jsonl beside the "
        "repository, or set KATDIR_REALWEB_SET to its path)")
    pages = scoring.select(scoring.load_set(REALWEB_SET), "tune")
    assert len(pages) >= 50, f"the tuning part has only {len(pages)} pages: is {REALWEB_SET} the whole set?"
    return scoring.evaluate_set(pages)


@pytest.mark.parametrize("field, measure", sorted(FLOORS))
def test_tuning_part_score_does_not_fall(report, field, measure):
    got = report["metrics"][field][measure]
    assert got >= FLOORS[field, measure], f"{field} {measure} fell to {got:.3f} (floor {FLOORS[field, measure]})"


def test_no_article_or_directory_page_gets_own_prices_or_routes(report):
    assert report["leaks"] == []


def test_split_is_by_host_and_stable():
    assert scoring.part_of("https://www.example-clinic.test/faq") == scoring.part_of("https://example-clinic.test/fees")
    pages = scoring.load_set(REALWEB_SET)
    held = [p["id"] for p in pages if scoring.part_of(p["url"]) == "held"]
    assert 0.25 <= len(held) / len(pages) <= 0.35
