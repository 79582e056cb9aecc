"""katdir's one settings table: read once, typed, each value with its source, typos named."""

from __future__ import annotations

import logging
import socket
from dataclasses import FrozenInstanceError
from pathlib import Path

import pytest

from katdir.settings import Settings, SettingsError, describe, load_settings, table
from search_api import create_app


def test_every_setting_is_declared_once_with_variable_type_default_and_help():
    rows = list(table())
    assert len({r.env for r in rows}) == len(rows) == len({r.name for r in rows})
    for row in rows:
        assert row.env == "KATDIR_" + row.name.upper() or row.name == "var_dir"
        assert row.help and isinstance(row.default, row.type)


def test_values_come_from_the_environment_typed_with_their_source():
    settings = load_settings(
        {
            "KATDIR_STORE": "http://127.0.0.1:9200",
            "KATDIR_ES_REPLICAS": "2",
            "KATDIR_ALLOW_PRIVATE_HOSTS": "yes",
            "KATDIR_VAR": "/tmp/k",
        }
    )
    assert settings.store_url == "http://127.0.0.1:9200"
    assert settings.es_replicas == 2 and settings.allow_private_hosts is True
    assert settings.geocode_cache_path == Path("/tmp/k/geocode-cache.sqlite")
    assert settings.sources["store"] == "environment" and settings.sources["es_prefix"] == "default"
    with pytest.raises(FrozenInstanceError):  # read once, never changed in place
        settings.store = "sqlite:///other.db"  # type: ignore[misc]


def test_defaults_work_on_a_laptop():
    settings = load_settings({})
    assert settings.store_url.startswith("sqlite:///") and settings.store_url.endswith(
        "var/katdir.db"
    )
    assert settings.geocoder == "" and settings.retry_after == 5


@pytest.mark.parametrize(
    ("variable", "value", "accepted"),
    [
        ("KATDIR_ES_REPLICAS", "two", "whole number"),
        ("KATDIR_RETRY_AFTER", "-1", "0 or more"),
        ("KATDIR_HTTPCACHE", "maybe", "1/true/yes/on"),
    ],
)
def test_a_bad_value_names_the_variable_and_what_it_accepts(variable, value, accepted):
    with pytest.raises(SettingsError, match=f"{variable}=.*{accepted}"):
        load_settings({variable: value})


def test_an_unknown_variable_is_a_warning_naming_the_closest_setting(caplog):
    with caplog.at_level(logging.WARNING, logger="katdir.settings"):
        load_settings({"KATDIR_STROE": "sqlite:///x.db", "KATDIR_TEST_ES_URL": "http://x"})
    [record] = caplog.records
    assert "KATDIR_STROE" in record.getMessage()
    assert "did you mean KATDIR_STORE?" in record.getMessage()


def test_overrides_by_variable_or_name_are_sourced_as_overrides():
    settings = load_settings({}).with_overrides({"KATDIR_RETRY_AFTER": "9", "es_prefix": "x"})
    assert settings.retry_after == 9 and settings.es_prefix == "x"
    assert settings.sources["retry_after"] == "override"
    with pytest.raises(SettingsError, match="did you mean KATDIR_STORE"):
        settings.with_overrides({"KATDIR_STOR": "x"})


def test_describe_masks_secrets():
    rows = {
        env: (value, source)
        for env, value, source, _ in describe(load_settings({"KATDIR_ES_API_KEY": "c2VjcmV0"}))
    }
    assert rows["KATDIR_ES_API_KEY"] == ("(set)", "environment")


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_retry_after_is_settable_and_reaches_the_503(monkeypatch, tmp_path):
    # A store nobody answers (a closed port on this machine): the API says 503 + Retry-After.
    monkeypatch.setenv("KATDIR_RETRY_AFTER", "17")
    app = create_app(
        {
            "KATDIR_STORE": f"http://127.0.0.1:{closed_port()}",
            "KATDIR_GEOCODE_CACHE": str(tmp_path / "geo.db"),
            "TESTING": True,
        }
    )
    response = app.test_client().get("/api/v1/clinics/search", query_string={"near": "80202"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "17"


def test_the_app_takes_a_settings_object(tmp_path):
    settings = Settings(
        store=f"sqlite:///{tmp_path / 'k.db'}",
        retry_after=3,
        geocode_cache=str(tmp_path / "geo.db"),
    )
    app = create_app(settings)
    assert app.extensions["katdir.settings"] is settings
    assert app.test_client().get("/api/v1/clinics/search?near=80202").status_code == 200
