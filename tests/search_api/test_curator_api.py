"""The curator API on both stores: decisions with 409 on stale versions, audit, requests,
sources (behind the SSRF rules), and what search shows after each decision."""

from __future__ import annotations

import pytest

from tests.search_api.curator_fixtures import make_setup

STORES = ["sqlite", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)]


@pytest.fixture(params=STORES)
def setup(request, tmp_path):
    if request.param == "sqlite":
        made = make_setup(f"sqlite:///{tmp_path / 'k.db'}", tmp_path)
    else:
        from tests.store.conftest import unique_prefix

        made = make_setup(request.getfixturevalue("es_url"), tmp_path, unique_prefix("cur"))
    yield made
    if request.param == "elasticsearch":
        made.store.drop_everything()
    made.store.close()


def call(setup, method, path, who="cura", **kw):
    headers = {"Authorization": f"Bearer {setup.tokens[who]}"} if who else {}
    return setup.client.open(f"/api/v1/curator{path}", method=method, headers=headers, **kw)


def public_ids(setup):
    body = setup.client.get(
        "/api/v1/clinics/search", query_string={"near": "80202", "radius": 50}
    ).get_json()
    return {r["id"] for r in body["results"]}


def test_approve_then_a_stale_write_gets_409_with_the_current_state(setup):
    state = call(setup, "GET", "/clinics/denver-iv").get_json()
    assert state["version"] == 0 and state["clinic"]["review"]["status"] == "pending"
    assert "denver-iv" not in public_ids(setup)
    done = call(
        setup,
        "POST",
        "/clinics/denver-iv/review",
        json={"status": "approved", "note": "checked the prices page", "version": 0},
    )
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["version"] == 1
    assert "denver-iv" in public_ids(setup)
    stale = call(
        setup,
        "PATCH",
        "/clinics/denver-iv",
        who="admin",
        json={"overrides": {"phone": "+13035550100"}, "note": "called", "version": 0},
    )
    assert stale.status_code == 409
    current = stale.get_json()["error"]["details"]["current"]
    assert current["version"] == 1 and current["decision"]["review"]["status"] == "approved"
    fixed = call(
        setup,
        "PATCH",
        "/clinics/denver-iv",
        who="admin",
        json={"overrides": {"phone": "+13035550100"}, "note": "called", "version": 1},
    )
    assert fixed.status_code == 200
    clinic = setup.client.get("/api/v1/clinics/denver-iv").get_json()
    assert clinic["phone"] == "+13035550100"
    assert "overrides" not in clinic and "by" not in clinic["review"]


def test_bad_input_names_the_field(setup):
    cases = [
        ("POST", "/clinics/denver-iv/review", {"status": "maybe", "version": 0}, "status"),
        ("POST", "/clinics/denver-iv/review", {"status": "rejected", "version": 0}, "note"),
        ("POST", "/clinics/denver-iv/review", {"status": "approved", "version": "x"}, "version"),
        (
            "PATCH",
            "/clinics/denver-iv",
            {"overrides": {"routes": ["teleport"]}, "note": "n", "version": 0},
            "overrides.routes.0",
        ),
        (
            "PATCH",
            "/clinics/denver-iv",
            {"overrides": {"id": "x"}, "note": "n", "version": 0},
            "overrides.id",
        ),
        ("POST", "/clinics/denver-iv/merge", {"other_id": "nope", "version": 0}, "other_id"),
        (
            "POST",
            "/clinics/denver-iv/split",
            {"source_urls": ["https://x.example/"], "version": 0},
            "source_urls",
        ),
        (
            "POST",
            "/clinics/denver-iv/split",
            {"source_urls": ["https://denver-iv.example/"], "version": 0},
            "source_urls",
        ),
        ("POST", "/sources", {"url": "http://127.0.0.1:9200/"}, "url"),
        ("POST", "/sources", {"url": "file:///etc/passwd"}, "url"),
        ("POST", "/sources", {"url": "https://ok.example/", "interval_hours": 0}, "interval_hours"),
        ("POST", "/requests", {"clinic_id": "denver-iv", "kind": "prank"}, "kind"),
        (
            "POST",
            "/clinics/denver-iv/close",
            {"reason": "removed", "note": "asked", "request_id": "req-nope", "version": 0},
            "request_id",
        ),
    ]
    for method, path, payload, field in cases:
        response = call(setup, method, path, json=payload)
        assert response.status_code == 400, (path, payload, response.get_json())
        assert response.get_json()["error"]["details"]["parameter"] == field
    for not_an_object in ["[1]", "[" * 10_000 + "]" * 10_000]:  # the second: too deep for json
        assert (
            call(
                setup,
                "POST",
                "/clinics/denver-iv/review",
                data=not_an_object,
                content_type="application/json",
            ).status_code
            == 400
        )
    assert call(setup, "GET", "/queue?per_page=1000").status_code == 400
    assert call(setup, "GET", "/clinics/nope").status_code == 404
    # nothing was half-written
    assert call(setup, "GET", "/clinics/denver-iv").get_json()["version"] == 0


def test_merge_split_close_and_remove_leave_and_come_back(setup):
    assert {"boulder-im", "boulder-im-dup"} <= public_ids(setup)
    merged = call(
        setup,
        "POST",
        "/clinics/boulder-im/merge",
        json={"other_id": "boulder-im-dup", "version": 0, "note": "same phone"},
    )
    assert merged.status_code == 200
    assert "boulder-im-dup" not in public_ids(setup)
    dup = call(setup, "GET", "/clinics/boulder-im-dup").get_json()
    assert dup["clinic"]["listed"] == "merged" and dup["clinic"]["merged_into"] == "boulder-im"
    split = call(setup, "POST", "/clinics/boulder-im/split", json={"version": 1})
    assert split.status_code == 200
    assert "boulder-im-dup" in public_ids(setup)
    removed = call(
        setup,
        "POST",
        "/clinics/boulder-im/close",
        json={"reason": "removed", "note": "owner asked by email", "version": 2},
    )
    assert removed.status_code == 200
    assert "boulder-im" not in public_ids(setup)
    assert setup.client.get("/api/v1/clinics/boulder-im").status_code == 404


def test_audit_requests_and_sources(setup):
    call(setup, "POST", "/clinics/denver-iv/review", json={"status": "approved", "version": 0})
    made = call(
        setup,
        "POST",
        "/requests",
        json={"clinic_id": "denver-iv", "kind": "correction", "message": "new phone: 303 555 0199"},
    )
    assert made.status_code == 201
    queue = call(setup, "GET", "/queue?reason=request").get_json()
    assert [e["clinic_id"] for e in queue["entries"]] == ["denver-iv"]
    assert queue["counts"]["reason"]["request"] == 1
    request_id = made.get_json()["id"]
    done = call(setup, "POST", "/requests", json={"id": request_id, "status": "accepted"})
    assert done.get_json()["status"] == "accepted"
    assert call(setup, "GET", "/queue?reason=request").get_json()["total"] == 0
    flagged = call(setup, "GET", "/queue?flag=no_supervision").get_json()
    assert "denver-iv" not in [e["clinic_id"] for e in flagged["entries"]]
    audit = call(setup, "GET", "/audit", who="admin").get_json()
    assert audit["entries"][0]["by"] == "cura@example.org"
    assert audit["entries"][0]["before"]["review"]["status"] == "pending"
    assert audit["entries"][0]["after"]["review"]["status"] == "approved"
    lines = call(setup, "GET", "/audit?format=jsonl", who="admin").get_data(as_text=True)
    assert lines.count("\n") == 1
    source = call(
        setup, "POST", "/sources", json={"url": "https://new-clinic.example/", "interval_hours": 48}
    )
    assert source.status_code == 201
    sid = source.get_json()["id"]
    assert call(setup, "POST", f"/sources/{sid}/crawl").status_code == 202
    listed = call(setup, "GET", "/sources").get_json()["sources"]
    assert listed[0]["crawl_requested_at"] and listed[0]["interval_hours"] == 48
    assert call(setup, "POST", "/sources/nope/crawl").status_code == 404


def test_every_curator_endpoint_is_in_the_openapi_document(tmp_path):
    import re

    setup = make_setup(f"sqlite:///{tmp_path / 'o.db'}", tmp_path)
    spec = setup.client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/clinics/search" in spec["paths"]  # the public part is still there
    routes = [
        (re.sub(r"<[^>]+>", "{id}", rule.rule), method.lower())
        for rule in setup.app.url_map.iter_rules()
        if rule.endpoint.startswith("curator_api.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    ]
    assert len(routes) == 13
    for path, method in routes:
        operation = spec["paths"][path][method]
        assert operation["security"] == [{"curatorToken": []}]
        assert {"401", "403"} <= set(operation["responses"])
    assert spec["components"]["securitySchemes"]["curatorToken"]["scheme"] == "bearer"
    refs = re.findall(r'"#/components/schemas/(\w+)"', str(spec).replace("'", '"'))
    assert set(refs) <= set(spec["components"]["schemas"])


def test_a_removal_request_closed_by_a_removal(setup):
    made = call(setup, "POST", "/requests", json={"clinic_id": "boulder-im", "kind": "removal"})
    request_id = made.get_json()["id"]
    assert (
        call(setup, "GET", "/queue?reason=request").get_json()["entries"][0]["requests"][0]["kind"]
        == "removal"
    )
    done = call(
        setup,
        "POST",
        "/clinics/boulder-im/close",
        json={
            "reason": "removed",
            "note": "the owner asked",
            "version": 0,
            "request_id": request_id,
        },
    )
    assert done.status_code == 200
    assert done.get_json()["requests"][0]["status"] == "accepted"
    assert "boulder-im" not in public_ids(setup)
    assert call(setup, "GET", "/queue?reason=request").get_json()["total"] == 0


def test_a_decision_while_an_indexing_run_writes_is_a_503_that_saves_nothing(setup):
    with setup.store.writing("katdir index"):  # another process's run, as the app sees it
        busy = call(
            setup,
            "POST",
            "/clinics/denver-iv/review",
            json={"status": "approved", "note": "checked", "version": 0},
        )
    assert busy.status_code == 503 and busy.headers["Retry-After"] == "60"
    assert busy.get_json()["error"]["code"] == "writer_busy"
    assert call(setup, "GET", "/clinics/denver-iv").get_json()["version"] == 0
    done = call(
        setup,
        "POST",
        "/clinics/denver-iv/review",
        json={"status": "approved", "note": "checked", "version": 0},
    )
    assert done.status_code == 200 and done.get_json()["version"] == 1
