"""URLs of clinics' sites: canonical forms, site roots and the hosts that identify a practice."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

TRACKING_PARAMS = re.compile(
    r"^(utm_\w+|fbclid|gclid|gbraid|wbraid|dclid|msclkid|yclid|igshid|mc_[ce]id|_ga|_gl|"
    r"_hs\w+|hsa_\w+|mkt_tok|trk|ref|ref_src|source|src|affiliate|aff_id)$",
    re.I,
)
# Directories often send outbound clicks through their own redirector: /out?url=https://…
_REDIRECT_PARAMS = (
    "url",
    "u",
    "target",
    "dest",
    "destination",
    "redirect",
    "redirect_url",
    "to",
    "link",
    "href",
)
_IP_HOST = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")
# Hosts that many unrelated clinics share: never a sign that two listings are one clinic.
SHARED_HOSTS = frozenset(
    {
        "facebook.com",
        "m.facebook.com",
        "instagram.com",
        "linktr.ee",
        "google.com",
        "goo.gl",
        "g.page",
        "maps.google.com",
        "business.site",
        "bit.ly",
        "yelp.com",
        "psychologytoday.com",
        "zocdoc.com",
        "healthgrades.com",
        "vitals.com",
        "linkedin.com",
        "twitter.com",
        "x.com",
        "wixsite.com",
        "squarespace.com",
        "godaddysites.com",
        "sites.google.com",
        "calendly.com",
        "spravato.com",
        "youtube.com",
        "tiktok.com",
    }
)


def _unwrap_redirect(parts) -> str | None:
    for key, value in parse_qsl(parts.query):
        if key.lower() in _REDIRECT_PARAMS:
            target = unquote(value) if "%3A" in value.upper() else value
            if target.startswith(("http://", "https://")):
                return target
    return None


# A URL urlsplit would leave as it is, but for case and 'www.': what normalize_url says of it
# can be read off directly (a fifth of an indexing run's URL work otherwise).
_PLAIN_URL = re.compile(
    r"(https?)://([a-z0-9](?:[a-z0-9.-]*[a-z0-9])?)(/[\w./~-]*)?", re.IGNORECASE | re.ASCII
)


def normalize_url(url: str | None, *, unwrap: bool = True) -> str | None:
    """A canonical URL: scheme and host lower-cased, no 'www.', no default port, tracking
    parameters and the fragment dropped, the remaining parameters sorted, no trailing slash on
    the root; a directory's redirect link (``/out?url=https://clinic.example``) is replaced by
    its target. None for anything but an http(s) URL."""
    if not url:
        return None
    text = url.strip()
    plain = _PLAIN_URL.fullmatch(text)
    if plain:  # most sites' addresses: no port, query or fragment to take apart
        scheme, host, path = plain.groups()
        host = host.lower().removeprefix("www.")
        return f"{scheme.lower()}://{host}{path if path and path != '/' else ''}"
    if text.startswith("//"):
        text = "https:" + text
    elif "://" not in text and re.match(r"^[\w-]+(\.[\w-]+)+(/|$)", text):
        text = "https://" + text  # "www.clinic.com" as directories print it
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in {"http", "https"} or not parts.hostname:
        return None
    if unwrap:
        target = _unwrap_redirect(parts)
        if target is not None:
            return normalize_url(target, unwrap=False)
    host = parts.hostname.lower().rstrip(".").removeprefix("www.")
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            pass
    default = {"http": 80, "https": 443}[scheme]
    netloc = f"{host}:{port}" if port and port != default else host
    query = (
        urlencode(
            sorted(
                (k, v)
                for k, v in parse_qsl(parts.query, keep_blank_values=True)
                if not TRACKING_PARAMS.match(k)
            )
        )
        if parts.query
        else ""
    )
    path = parts.path if parts.path not in ("", "/") else ""
    return urlunsplit((scheme, netloc, path, query, ""))


def site_root(url: str | None) -> str | None:
    """The home page of the site a page is on, as it is fetched (host kept, 'www.' too):
    'https://www.Clinic.com/pricing?x=1' → 'https://www.clinic.com/'. None for anything but
    an http(s) URL with a host."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        return None
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}/"


def canonical_site(url: str | None) -> str | None:
    """The website a page belongs to, canonical (what a clinic record keeps):
    'https://www.Clinic.com/pricing?x=1' → 'https://clinic.com'."""
    return normalize_url(site_root(url), unwrap=False)


_NETLOC = re.compile(r"^(https?)://(?:[^@/?#]*@)?([^/?#:]+)(?::(\d+))?(?:[/?#]|$)", re.I)


@lru_cache(maxsize=65536)
def site_host(url: str | None) -> str | None:
    """The host (with a non-default port) a URL is on, without 'www.': what a crawl covers and
    what two listings of one practice share."""
    if not url:
        return None
    match = _NETLOC.match(url.strip())
    if match is None or not match.group(2).isascii():  # unusual: take the slow, exact way
        canonical = normalize_url(url, unwrap=False)
        return urlsplit(canonical).netloc if canonical else None
    scheme, host, port = match.groups()
    host = host.lower().rstrip(".").removeprefix("www.")
    if port and int(port) != (80 if scheme.lower() == "http" else 443):
        return f"{host}:{int(port)}"
    return host


def site_key(url: str | None) -> str | None:
    """The host that names a practice's website in ids; None for bare IP addresses and
    localhost, whose ports change from run to run (the demo's and the tests' sample web)."""
    host = site_host(url)
    if not host or ":" in host or host == "localhost" or _IP_HOST.match(host):
        return None
    return host


@lru_cache(maxsize=65536)
def identity_host(url: str | None) -> str | None:
    """The website host as evidence that two listings are one practice: None for platforms
    many clinics share (social pages, link shorteners, site builders, big directories)."""
    host = site_host(url)
    if host is None:
        return None
    labels = host.split(":")[0].split(".")
    if any(".".join(labels[i:]) in SHARED_HOSTS for i in range(len(labels) - 1)):
        return None
    return host
