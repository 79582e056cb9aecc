"""Fitting the page type's article score to a labelled set, and measuring how well it
generalises.

The article score (``page_type.ARTICLE_WEIGHTS``) is a logistic model over named features. Its
prior weights are set by hand; ``fit`` moves them towards a labelled set with an L2 pull back
to the prior (``LAMBDA``: the larger, the closer to the prior), by Newton's method. A feature
the set never shows keeps its prior weight, so markup signals (schema.org Article, og:type)
that plain-text pages lack are not lost.

``cross_validate`` leaves one host out at a time: the weights are refitted on the other hosts
and the left-out host's pages are typed with them. With a few dozen pages that is the honest
estimate of what the fitted weights do on pages they have not seen; the fit on all pages is
not. Pure: pages in, figures out.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict

from . import extract_page, page_type
from .scoring import site_of

# the L2 pull: 2 was chosen before any cross-validation; 1 is the setting the
# leave-one-host-out CV prefers (accuracy 1.000 at 1 to 16, the lowest log loss of those at 1:
# docs/accuracy.md, round 3)
LAMBDA = 1.0
NEWTON_STEPS = 25


def page_features(page: dict) -> dict[str, float]:
    """The page type's features of one labelled page, read as `katdir extract` reads it."""
    result = extract_page(page["text"].encode("utf-8"), page["url"], explain=True)
    return result["page_type_features"]


def fit(
    rows: list[tuple[dict[str, float], bool]],
    prior: dict[str, float] | None = None,
    lam: float = LAMBDA,
) -> dict[str, float]:
    """Weights of the article score: ``rows`` are (features, is_not_the_provider's_page)."""
    prior = dict(page_type.ARTICLE_PRIOR if prior is None else prior)
    names = ["bias", *page_type.ARTICLE_FEATURES]
    w = [prior.get(n, 0.0) for n in names]
    w0 = list(w)
    xs = [[1.0, *(f.get(n, 0.0) for n in names[1:])] for f, _ in rows]
    ys = [1.0 if y else 0.0 for _, y in rows]
    k = len(names)
    for _ in range(NEWTON_STEPS):
        grad = [2 * lam * (w[j] - w0[j]) for j in range(k)]
        hess = [[2 * lam if i == j else 0.0 for j in range(k)] for i in range(k)]
        for x, y in zip(xs, ys):
            z = max(min(sum(wj * xj for wj, xj in zip(w, x)), 30.0), -30.0)
            p = 1 / (1 + math.exp(-z))
            s = p * (1 - p)
            for i in range(k):
                if x[i]:
                    grad[i] += (p - y) * x[i]
                    row = hess[i]
                    for j in range(k):
                        if x[j]:
                            row[j] += s * x[i] * x[j]
        step = _solve(hess, grad)
        w = [wj - sj for wj, sj in zip(w, step)]
        if max(abs(s) for s in step) < 1e-6:
            break
    return {n: round(v, 3) for n, v in zip(names, w)}


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (the matrix is positive definite)."""
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for c in range(n):
        pivot = max(range(c, n), key=lambda r: abs(m[r][c]))
        m[c], m[pivot] = m[pivot], m[c]
        for r in range(c + 1, n):
            factor = m[r][c] / m[c][c]
            if factor:
                for j in range(c, n + 1):
                    m[r][j] -= factor * m[c][j]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        x[r] = (m[r][n] - sum(m[r][j] * x[j] for j in range(r + 1, n))) / m[r][r]
    return x


def typed(features: dict[str, float], weights: dict[str, float]) -> str:
    return page_type.decide(features, weights)[0]


def cross_validate(
    pages: list[dict], lam: float = LAMBDA, features: list[dict[str, float]] | None = None
) -> dict:
    """Leave-one-host-out: accuracy of the page type with the prior weights, with the weights
    fitted on all pages (the fit), and with weights fitted without each page's host (the
    estimate for unseen pages); the pages each way gets wrong."""
    feats = features if features is not None else [page_features(p) for p in pages]
    labels = [p["page_type"] for p in pages]
    rows = [(f, label != "clinic") for f, label in zip(feats, labels)]
    by_host: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(pages):
        by_host[site_of(p["url"])].append(i)
    fitted = fit(rows, lam=lam)
    # the same, from no prior at all (every weight pulled to 0): what the data alone would say
    zero = {n: 0.0 for n in ("bias", *page_type.ARTICLE_FEATURES)}
    held_out: list[str] = [""] * len(pages)
    held_out_zero: list[str] = [""] * len(pages)
    # each left-out page's article probability: its log loss tells settings apart where
    # accuracy ties (a page typed right by a hair counts as much as one typed right surely)
    p_out: list[float] = [0.5] * len(pages)
    p_out_zero: list[float] = [0.5] * len(pages)
    for idx in by_host.values():
        keep = [rows[i] for i in range(len(rows)) if i not in idx]
        weights = fit(keep, lam=lam)
        weights_zero = fit(keep, prior=zero, lam=lam)
        for i in idx:
            held_out[i] = typed(feats[i], weights)
            held_out_zero[i] = typed(feats[i], weights_zero)
            p_out[i] = page_type.article_probability(feats[i], weights)
            p_out_zero[i] = page_type.article_probability(feats[i], weights_zero)

    def score(predicted: list[str], probs: list[float] | None = None) -> dict:
        wrong = [
            f"{p['id']} {label}→{got}"
            for p, label, got in zip(pages, labels, predicted)
            if got != label
        ]
        out = {
            "accuracy": 1 - len(wrong) / len(pages) if pages else 0.0,
            "wrong": wrong,
            "non_clinic_as_clinic": sum(
                1 for label, got in zip(labels, predicted) if label != "clinic" and got == "clinic"
            ),
        }
        if probs is not None:
            out["log_loss"] = log_loss(probs, [r[1] for r in rows])
        return out

    return {
        "pages": len(pages),
        "hosts": len(by_host),
        "lambda": lam,
        "labels": dict(Counter(labels)),
        "prior": score(
            [typed(f, page_type.ARTICLE_PRIOR) for f in feats],
            [page_type.article_probability(f, page_type.ARTICLE_PRIOR) for f in feats],
        ),
        "fit": score(
            [typed(f, fitted) for f in feats],
            [page_type.article_probability(f, fitted) for f in feats],
        ),
        "leave_one_host_out": score(held_out, p_out),
        "leave_one_host_out_no_prior": score(held_out_zero, p_out_zero),
        "weights": fitted,
    }


def log_loss(probs: list[float], is_article: list[bool]) -> float:
    """Mean negative log-likelihood of the labels (article or list against the provider's own
    page) under the article probabilities; lower is better, 0.693 is a coin."""
    eps = 1e-6
    total = sum(-math.log(min(max(p if y else 1 - p, eps), 1.0)) for p, y in zip(probs, is_article))
    return round(total / len(probs), 4) if probs else 0.0


def format_report(cv: dict) -> str:
    lines = [
        f"page type, {cv['pages']} pages from {cv['hosts']} hosts ({', '.join(f'{k} {v}' for k, v in sorted(cv['labels'].items()))}); "
        f"L2 pull to the prior, lambda {cv['lambda']}",
        f"{'weights':28}{'accuracy':>10}{'log loss':>10}{'non-clinic typed clinic':>26}  wrong",
    ]
    for key, name in (
        ("prior", "prior (hand-set)"),
        ("fit", "fitted on all (the fit)"),
        ("leave_one_host_out", "leave one host out (CV)"),
        ("leave_one_host_out_no_prior", "CV, no prior (data alone)"),
    ):
        s = cv[key]
        lines.append(
            f"{name:28}{s['accuracy']:>10.3f}{s.get('log_loss', float('nan')):>10.3f}"
            f"{s['non_clinic_as_clinic']:>26}  {', '.join(s['wrong'])}"
        )
    lines += [
        "",
        "fitted weights (paste into page_type.ARTICLE_WEIGHTS):",
        "{" + ", ".join(f'"{k}": {v}' for k, v in cv["weights"].items()) + "}",
    ]
    return "\n".join(lines)
