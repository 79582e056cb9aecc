"""HTTP manners: open data exports, CORS on the public API, ETags with 304s, compression."""

from __future__ import annotations

import csv
import gzip
import io
import json

import pytest


@pytest.fixture
def client(app_on, clinics_url):
    return app_on(clinics_url).test_client()


PUBLIC = {"aurora-spravato", "austin-iv", "boulder-im", "denver-iv"}


def test_geojson_export_has_licence_date_and_keeps_lists(client):
    response = client.get("/api/v1/export.geojson")
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    assert 'rel="license"' in response.headers["Link"]
    assert response.headers["Content-Disposition"].startswith('attachment; filename="katdir-')
    body = json.loads(response.get_data(as_text=True))
    assert body["licence"] == "CC-BY-4.0" and body["exported_at"]
    assert {f["id"] for f in body["features"]} == PUBLIC  # pending ones stay out
    boulder = next(f for f in body["features"] if f["id"] == "boulder-im")["properties"]
    assert boulder["routes"] == ["im", "oral"] and isinstance(boulder["prices"], list)
    assert "overrides" not in boulder


def test_jsonl_and_csv_exports(client):
    lines = client.get("/api/v1/export.jsonl").get_data(as_text=True).splitlines()
    assert json.loads(lines[0])["katdir_export"]["licence"] == "CC-BY-4.0"
    assert {json.loads(line)["id"] for line in lines[1:]} == PUBLIC
    text = client.get("/api/v1/export.csv").get_data(as_text=True)
    assert {row["id"] for row in csv.DictReader(io.StringIO(text))} == PUBLIC
    missing = client.get("/api/v1/export.xml")
    assert missing.status_code == 404 and missing.get_json()["error"]["details"]["accepted"]


def test_cors_on_the_public_api_only(client):
    search = client.get(
        "/api/v1/clinics/search?near=80202", headers={"Origin": "https://a.example"}
    )
    assert search.headers["Access-Control-Allow-Origin"] == "*"
    preflight = client.options(
        "/api/v1/clinics/search",
        headers={"Origin": "https://a.example", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    page = client.get("/", headers={"Origin": "https://a.example"})
    assert "Access-Control-Allow-Origin" not in page.headers
    curator = client.get("/api/v1/curator/queue", headers={"Origin": "https://a.example"})
    assert "Access-Control-Allow-Origin" not in curator.headers


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/clinics/search?near=80202&radius=50",
        "/api/v1/clinics/denver-iv",
        "/clinics/denver-iv",
        "/?near=80202&radius=50",
    ],
)
def test_etag_and_cache_control_with_304_when_unchanged(client, path):
    first = client.get(path)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert "max-age=" in first.headers["Cache-Control"]
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""


def test_responses_are_compressed_and_their_etag_still_validates(client):
    path = "/?near=80202&radius=50"
    zipped = client.get(path, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert b"Denver IV Ketamine" in gzip.decompress(zipped.get_data())
    again = client.get(
        path, headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]}
    )
    assert again.status_code == 304


def test_map_tiles_are_off_by_default_and_allowed_only_when_an_operator_sets_them(
    client, app_on, clinics_url
):
    page = client.get("/?near=80202&radius=50")
    assert 'data-tiles=""' in page.get_data(as_text=True)
    assert "img-src 'self' data:;" in page.headers["Content-Security-Policy"] + ";"
    app = app_on(
        clinics_url,
        KATDIR_MAP_TILE_URL="https://{s}.tiles.example.org/{z}/{x}/{y}.png",
        KATDIR_MAP_TILE_ATTRIBUTION="© Example",
    )
    page = app.test_client().get("/?near=80202&radius=50")
    assert 'data-tiles="https://{s}.tiles.example.org/{z}/{x}/{y}.png"' in page.get_data(
        as_text=True
    )
    assert (
        "img-src 'self' data: https://*.tiles.example.org"
        in page.headers["Content-Security-Policy"]
    )
