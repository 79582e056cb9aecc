"""URLs, site roots and hosts."""

from __future__ import annotations

from katdir.normalize import (
    canonical_site,
    identity_host,
    normalize_url,
    site_host,
    site_key,
    site_root,
)


def test_urls_lose_tracking_parameters_fragments_and_www():
    assert (
        normalize_url("https://WWW.Example.com/?utm_source=x&gclid=1&page=2#top")
        == "https://example.com?page=2"
    )
    assert (
        normalize_url("http://example.com/?fbclid=IwAR0&utm_medium=referral")
        == "http://example.com"
    )
    assert (
        normalize_url("https://example.com/pricing/?b=2&a=1")
        == "https://example.com/pricing/?a=1&b=2"
    )
    assert normalize_url("https://example.com:443/x") == "https://example.com/x"
    assert normalize_url("mailto:a@b.c") is None


def test_a_directory_redirect_link_becomes_the_clinic_site():
    wrapped = (
        "https://www.ketafind.com/out?url=https%3A%2F%2Fcapitolketamine.com%2F%3Fref%3Dketafind"
    )
    assert normalize_url(wrapped) == "https://capitolketamine.com"


def test_a_bare_host_is_read_as_a_website():
    assert normalize_url("www.clinic.com") == "https://clinic.com"


def test_hosts():
    assert site_host("https://www.DenverKetamine.com/pricing?x=1") == "denverketamine.com"
    assert site_host("http://127.0.0.1:41234/contact") == "127.0.0.1:41234"
    assert site_host("https://example.com:443/") == "example.com"
    assert site_key("https://www.denverketamine.com/pricing") == "denverketamine.com"
    assert site_key("http://127.0.0.1:41234/") is None
    assert site_key("http://localhost:8000/") is None


def test_shared_platforms_identify_no_clinic():
    assert identity_host("https://www.facebook.com/gulfcoastketamine") is None
    assert identity_host("https://sites.google.com/view/clinic") is None
    assert identity_host("https://gulfcoastketamine.com/") == "gulfcoastketamine.com"


def test_a_site_root_is_the_fetchable_home_and_canonical_site_the_clinics_website():
    assert site_root("https://www.Clinic.example/pricing?x=1#top") == "https://www.clinic.example/"
    assert site_root("http://127.0.0.1:8123/a/b") == "http://127.0.0.1:8123/"
    assert site_root("mailto:care@clinic.example") is None and site_root(None) is None
    assert canonical_site("https://www.Clinic.example/pricing?x=1") == "https://clinic.example"
