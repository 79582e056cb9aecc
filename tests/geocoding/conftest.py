"""Fixtures for the online path: a fake Nominatim on 127.0.0.1 and chains pointed at it."""

from __future__ import annotations

import pytest

from katdir.geocoding import build_geocoder
from katdir.settings import Settings

from .fake_nominatim import USER_AGENT, serve_fake_nominatim


@pytest.fixture
def nominatim():
    fake, server = serve_fake_nominatim()
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture
def online_geocoder(nominatim, tmp_path):
    """Builds chains against the fake Nominatim, sharing one cache file; small delays."""
    chains = []

    def build(domain=None, **overrides):
        settings = Settings(
            geocoder="nominatim",
            geocoder_domain=domain or nominatim.domain,
            geocoder_scheme="http",
            user_agent=USER_AGENT,
            geocode_cache=str(tmp_path / "geocode-cache.sqlite"),
        )
        options = {
            "min_delay_seconds": 0.05,
            "error_wait_seconds": 0.05,
            "max_retries": 2,
            "timeout": 2.0,
            "max_retry_after": 2.0,
        }
        options.update(overrides)
        chains.append(build_geocoder(settings, **options))
        return chains[-1]

    yield build
    for chain in chains:
        chain.close()
