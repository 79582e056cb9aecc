"""A curator app over either store, with a few clinics and one account of each kind."""

from __future__ import annotations

from dataclasses import dataclass

from katdir.curator.accounts import add_account, create_token, disable_account
from katdir.model import Clinic
from katdir.store import open_store
from search_api import create_app

PASSWORD = "correct horse battery"

CLINICS = [
    Clinic(
        id="denver-iv",
        name="Denver IV Ketamine",
        address={"street": "1 Main St", "city": "Denver", "state": "CO", "postal_code": "80202"},
        location={"lat": 39.7525, "lon": -104.9995},
        routes=["iv"],
        prices=[
            {
                "kind": "per_session",
                "route": "iv",
                "amount_min": 450,
                "quote": "$450 per infusion",
                "source_url": "https://denver-iv.example/prices",
            }
        ],
        care_steps=["assessment", "medical_monitoring"],
        sources=[{"url": "https://denver-iv.example/", "spider": "clinic_site"}],
        review={"status": "pending"},
    ),
    Clinic(
        id="boulder-im",
        name="Boulder Mind IM",
        address={"city": "Boulder", "state": "CO", "postal_code": "80302"},
        location={"lat": 40.0150, "lon": -105.2705},
        routes=["im"],
        evidence={
            "routes": [
                {
                    "url": "https://boulder.example/",
                    "quote": "IM ketamine guaranteed to cure depression",
                }
            ]
        },
        sources=[{"url": "https://boulder.example/", "spider": "clinic_site"}],
        review={"status": "approved", "by": "seed@example.org", "note": "private note"},
    ),
    Clinic(
        id="boulder-im-dup",
        name="Boulder Mind IM Clinic",
        address={"city": "Boulder", "state": "CO", "postal_code": "80302"},
        location={"lat": 40.0151, "lon": -105.2704},
        routes=["im"],
        sources=[{"url": "https://directory.example/boulder", "spider": "directory"}],
        review={"status": "approved"},
    ),
]


@dataclass
class Setup:
    app: object
    store: object
    tokens: dict[str, str]

    @property
    def client(self):
        return self.app.test_client()


def make_setup(store_url: str, tmp_path, prefix: str = "katdir", **config) -> Setup:
    store = open_store(store_url, es_prefix=prefix)
    store.upsert(CLINICS)
    tokens = {}
    for role, email in (
        ("curator", "cura@example.org"),
        ("admin", "admin@example.org"),
        ("curator", "gone@example.org"),
    ):
        add_account(store, email, role, PASSWORD)
        tokens[email.split("@")[0]] = create_token(store, email)
    disable_account(store, "gone@example.org")
    app = create_app(
        {
            "KATDIR_STORE": store_url,
            "KATDIR_ES_PREFIX": prefix,
            "KATDIR_GEOCODE_CACHE": str(tmp_path / "geo.db"),
            "TESTING": True,
            "KATDIR_SECRET_KEY": "test-secret-key",
            **config,
        }
    )
    return Setup(app, store, tokens)
