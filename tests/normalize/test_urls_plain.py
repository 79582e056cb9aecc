"""normalize_url reads plain URLs ("https://www.clinic.com/pricing/") off directly; the answer
must be the one urlsplit's full way gives."""

from __future__ import annotations

import itertools
import re

import pytest

from katdir.normalize import urls as normalize

HOSTS = (
    "www.Clinic.com",
    "clinic.com",
    "WWW.EXAMPLE.ORG",
    "a-b.c-d.example",
    "x1.io",
    "www.com",
    "w.x",
    "sub.www.a.com",
)
PATHS = ("", "/", "/pricing", "/pricing/", "//a", "/a.b/c_d~e-f/", "/A/B", "/x/../y", "/./")
SCHEMES = ("http", "https", "HTTP", "Https")


@pytest.mark.parametrize("pad", ["", " \t"])
def test_plain_urls_normalize_as_the_full_way_does(monkeypatch, pad):
    urls = [
        f"{pad}{scheme}://{host}{path}{pad}"
        for scheme, host, path in itertools.product(SCHEMES, HOSTS, PATHS)
    ]
    quick = [normalize.normalize_url(url) for url in urls]
    monkeypatch.setattr(normalize, "_PLAIN_URL", re.compile(r"(?!)"))  # never plain: full way
    assert quick == [normalize.normalize_url(url) for url in urls]
    assert (
        normalize.normalize_url("https://www.Clinic.com/pricing/") == "https://clinic.com/pricing/"
    )
