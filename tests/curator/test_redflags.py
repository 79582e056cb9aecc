"""Red flags: cure claims in a quote, no supervision, a price far from the state's median,
a listing not seen for several crawls."""

from __future__ import annotations

from katdir.curator.redflags import price_medians, red_flags
from katdir.model import Clinic


def clinic(cid: str, price: float | None = None, **fields) -> Clinic:
    prices = (
        [
            {
                "route": "iv",
                "kind": "per_session",
                "amount_min": price,
                "quote": f"${price:.0f} per infusion",
                "source_url": f"https://{cid}.example/",
            }
        ]
        if price
        else []
    )
    fields.setdefault("care_steps", ["assessment", "medical_monitoring"])
    return Clinic(id=cid, name=cid, address={"state": "CO"}, prices=prices, **fields)


def codes(c: Clinic, medians=None) -> list[str]:
    return [f.code for f in red_flags(c, medians)]


def test_each_flag_and_none_for_a_careful_clinic():
    peers = [clinic(f"p{i}", 400 + 25 * i) for i in range(4)]
    medians = price_medians(peers)
    assert medians == {("iv", "CO"): 437.5}
    assert codes(clinic("fine", 450), medians) == []
    assert codes(clinic("cheap", 99), medians) == ["price_outlier"]
    assert codes(clinic("dear", 1500), medians) == ["price_outlier"]
    claims = clinic(
        "claims",
        evidence={
            "conditions": [
                {"url": "https://claims.example/", "quote": "Guaranteed results or your money back"}
            ]
        },
    )
    flag = red_flags(claims)[0]
    assert flag.code == "cure_claim" and flag.url == "https://claims.example/"
    assert codes(clinic("plain", care_steps=[])) == ["no_supervision"]
    assert codes(clinic("ghost", missing_crawls=2)) == ["not_seen"]
    assert (
        codes(
            clinic(
                "words",
                evidence={"x": [{"url": "https://words.example/", "quote": "securely procured"}]},
            )
        )
        == []
    )
