"""Every setting of katdir, declared once: name, environment variable, type, default and help.

`load_settings()` reads them from the environment once into a frozen `Settings`; the CLI, the
crawler's Scrapy settings, the stores, the geocoder and the Flask app all take that object,
so `KATDIR_STORE` means the same thing to `katdir index` and to `katdir serve`. `katdir
config` prints the table with each value's source. A `KATDIR_*` variable that names no
setting is logged with the closest real name (a typo would otherwise be silently ignored).
"""

from __future__ import annotations

import difflib
import logging
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

log = logging.getLogger(__name__)

ENV_PREFIX = "KATDIR_"
# Variables of the test suite and its tools, not settings of the application.
NOT_SETTINGS_PREFIXES = ("KATDIR_TEST_",)
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


class SettingsError(ValueError):
    """A setting's value cannot be used; the message names the variable and what it accepts."""


def _setting(env: str, default: Any, help: str, *, secret: bool = False) -> Any:
    return field(default=default, metadata={"env": env, "help": help, "secret": secret})


@dataclass(frozen=True)
class Settings:
    """The effective settings. Build it with `load_settings()`; fields are the table."""

    var_dir: Path = _setting(
        "KATDIR_VAR", Path("var"), "folder of the default store and the geocoding cache"
    )
    store: str = _setting(
        "KATDIR_STORE",
        "",
        "sqlite:///path.db, or http(s)://host:9200 (comma-separated nodes) for Elasticsearch; "
        "empty: sqlite in KATDIR_VAR/katdir.db",
    )
    es_prefix: str = _setting(
        "KATDIR_ES_PREFIX",
        "katdir",
        "first part of every Elasticsearch index, alias and template name",
    )
    es_api_key: str = _setting(
        "KATDIR_ES_API_KEY",
        "",
        "API key sent with every Elasticsearch request (or put user:pass@ in the URL)",
        secret=True,
    )
    es_ca_certs: str = _setting(
        "KATDIR_ES_CA_CERTS",
        "",
        "PEM file of the CA that signed the cluster's certificate (https:// nodes)",
    )
    es_replicas: int = _setting("KATDIR_ES_REPLICAS", 0, "replicas of each new Elasticsearch index")
    es_writer_lock_ttl: float = _setting(
        "KATDIR_ES_WRITER_LOCK_TTL",
        120.0,
        "seconds an Elasticsearch write run's lock outlives its last renewal (a live run renews "
        "it every quarter of that): how long the next writer waits after a run died",
    )
    geocoder: str = _setting(
        "KATDIR_GEOCODER",
        "",
        "a geopy service name (e.g. nominatim) asked when the offline gazetteer cannot place "
        "an address; empty: offline only",
    )
    geocoder_domain: str = _setting(
        "KATDIR_GEOCODER_DOMAIN", "", "host[:port] of that service (your own Nominatim, say)"
    )
    geocoder_scheme: str = _setting("KATDIR_GEOCODER_SCHEME", "", "http or https for that service")
    geocode_cache: str = _setting(
        "KATDIR_GEOCODE_CACHE",
        "",
        "SQLite file caching geocoder answers; empty: KATDIR_VAR/geocode-cache.sqlite",
    )
    api_online_geocoding: bool = _setting(
        "KATDIR_API_ONLINE_GEOCODING",
        False,
        "let the web API send visitors' searches to KATDIR_GEOCODER (they can be home "
        "addresses); off: the API answers from the offline gazetteer and the geocoding cache",
    )
    user_agent: str = _setting(
        "KATDIR_USER_AGENT",
        "katdir/0.1 (+https://github.com/katdir/katdir)",
        "how the crawler and the geocoder identify themselves",
    )
    allow_private_hosts: bool = _setting(
        "KATDIR_ALLOW_PRIVATE_HOSTS",
        False,
        "let the crawler fetch private and loopback addresses (the demo's and tests' local web)",
    )
    httpcache: bool = _setting(
        "KATDIR_HTTPCACHE",
        False,
        "cache the crawler's responses under KATDIR_VAR/httpcache (for development)",
    )
    browser: str = _setting(
        "KATDIR_BROWSER",
        "/usr/bin/chromium",
        "the Chromium the crawler reads JavaScript-only pages with (empty: none)",
    )
    log_level: str = _setting(
        "KATDIR_LOG_LEVEL", "WARNING", "the crawler's log level (DEBUG, INFO, WARNING, ERROR)"
    )
    # -- curators (katdir/curator, search_api/curator) --
    secret_key: str = _setting(
        "KATDIR_SECRET_KEY",
        "",
        "key signing curators' sessions and CSRF tokens; empty: one made once and kept in "
        "KATDIR_VAR/secret_key",
        secret=True,
    )
    cookie_secure: bool = _setting(
        "KATDIR_COOKIE_SECURE",
        True,
        "send the curators' session cookie over HTTPS only (browsers make an exception for "
        "http://localhost)",
    )
    retry_after: int = _setting(
        "KATDIR_RETRY_AFTER",
        5,
        "seconds the API's 503 answers ask clients to wait (Retry-After) while the store is down",
    )
    rate_limit: str = _setting(
        "KATDIR_RATE_LIMIT",
        "300/minute;5000/hour",
        "requests one client may make to the API and the pages (Flask-Limiter notation, "
        "';' between windows); off: no limit",
    )
    rate_limit_forms: str = _setting(
        "KATDIR_RATE_LIMIT_FORMS",
        "5/hour;20/day",
        "posts of the public forms (corrections, removals) one client may make",
    )
    rate_limit_storage: str = _setting(
        "KATDIR_RATE_LIMIT_STORAGE",
        "memory://",
        "where the counters live: memory:// (per worker process) or a shared backend such as "
        "redis://host:6379 (needs the redis package) so that every worker counts together",
    )
    answer_cache_mb: int = _setting(
        "KATDIR_ANSWER_CACHE_MB",
        32,
        "memory each API worker keeps for answers asked again while the store does not change "
        "(searches and clinics, as sent); 0: none",
    )
    search_columns: bool = _setting(
        "KATDIR_SEARCH_COLUMNS",
        True,
        "each process of the embedded store keeps its search columns in memory (~170 bytes a "
        "clinic) and answers searches without text from them; off: SQL answers every search",
    )
    text_searches: int = _setting(
        "KATDIR_TEXT_SEARCHES",
        0,
        "text searches (q) this machine runs at once, across every worker of the var folder; "
        "one more is answered 503 with Retry-After. 0: half the cores, at least one",
    )
    map_tile_url: str = _setting(
        "KATDIR_MAP_TILE_URL",
        "",
        "a tile server for the maps, as a Leaflet URL template (https://tiles.example/{z}/{x}/{y}"
        ".png); visitors' browsers then ask it for tiles around their search. Empty (default): "
        "the maps draw only the state and county outlines this site serves",
    )
    map_tile_attribution: str = _setting(
        "KATDIR_MAP_TILE_ATTRIBUTION", "", "the credit line the tile server asks for"
    )

    # Where each value came from ("default", "environment", "override"): for `katdir config`.
    sources: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    @property
    def store_url(self) -> str:
        return self.store or f"sqlite:///{(self.var_dir / 'katdir.db').resolve()}"

    @property
    def geocode_cache_path(self) -> Path:
        return (
            Path(self.geocode_cache)
            if self.geocode_cache
            else self.var_dir / "geocode-cache.sqlite"
        )

    @property
    def geocoder_options(self) -> dict[str, str]:
        """Constructor options of the online geocoder (geopy's names)."""
        options = {"domain": self.geocoder_domain, "scheme": self.geocoder_scheme}
        return {k: v for k, v in options.items() if v}

    def with_overrides(self, overrides: Mapping[str, Any]) -> Settings:
        """A copy with some values replaced; keys are setting or variable names."""
        changes = {
            _field_named(key).name: _convert(_field_named(key), value)
            for key, value in overrides.items()
        }
        return replace(
            self,
            **changes,
            sources=MappingProxyType({**self.sources, **dict.fromkeys(changes, "override")}),
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        return load_settings(environ)


@dataclass(frozen=True)
class SettingInfo:
    """One row of the settings table."""

    name: str
    env: str
    type: type
    default: Any
    help: str
    secret: bool


def table() -> Iterator[SettingInfo]:
    """The declared settings, in order."""
    types = {"Path": Path, "str": str, "int": int, "bool": bool, "float": float}
    for f in fields(Settings):
        if "env" in f.metadata:
            yield SettingInfo(
                f.name,
                f.metadata["env"],
                types[str(f.type)],
                f.default,
                f.metadata["help"],
                f.metadata["secret"],
            )


def _field_named(key: str) -> SettingInfo:
    for info in table():
        if key in (info.name, info.env):
            return info
    raise SettingsError(f"no setting is called {key!r}{_suggestion(key)}")


def _suggestion(name: str) -> str:
    names = [info.env for info in table()] + [info.name for info in table()]
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else ""


def _convert(info: SettingInfo, value: Any) -> Any:
    """A value from the environment (a string) or from code, as the setting's type."""
    if not isinstance(value, str):
        if info.type is Path and isinstance(value, os.PathLike):
            return Path(value)
        if info.type is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, info.type) and not (info.type is int and isinstance(value, bool)):
            return value
        raise SettingsError(f"{info.env}={value!r}: expected {info.type.__name__}")
    text = value.strip()
    if info.type is bool:
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE or text == "":
            return False if text else info.default
        raise SettingsError(f"{info.env}={value!r}: use 1/true/yes/on or 0/false/no/off")
    if info.type is int:
        try:
            number = int(text) if text else info.default
        except ValueError:
            raise SettingsError(f"{info.env}={value!r} is not a whole number") from None
        if number < 0:
            raise SettingsError(f"{info.env}={value!r}: must be 0 or more")
        return number
    if info.type is float:
        try:
            return float(text) if text else info.default
        except ValueError:
            raise SettingsError(f"{info.env}={value!r} is not a number") from None
    if info.type is Path:
        return Path(text) if text else info.default
    return text


def load_settings(
    environ: Mapping[str, str] | None = None, overrides: Mapping[str, Any] | None = None
) -> Settings:
    """The settings from `environ` (default: the process environment), then `overrides`
    (keyed by setting or variable name). Raises `SettingsError` for a value of the wrong
    type; logs a warning for a `KATDIR_*` variable that is no setting."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    known = set()
    for info in table():
        known.add(info.env)
        if info.env in env and env[info.env] != "":
            values[info.name] = _convert(info, env[info.env])
            sources[info.name] = "environment"
        else:
            sources[info.name] = "default"
    for name in sorted(env):
        if (
            name.startswith(ENV_PREFIX)
            and name not in known
            and not name.startswith(NOT_SETTINGS_PREFIXES)
        ):
            log.warning(
                "%s is not a katdir setting and is ignored%s; `katdir config` lists them all",
                name,
                _suggestion(name),
            )
    settings = Settings(**values, sources=MappingProxyType(sources))
    return settings.with_overrides(overrides) if overrides else settings


def describe(settings: Settings) -> list[tuple[str, str, str, str]]:
    """(variable, effective value, source, help) for each setting; secrets masked."""
    rows = []
    for info in table():
        value = getattr(settings, info.name)
        shown = ("(set)" if value else "") if info.secret else str(value)
        rows.append((info.env, shown, settings.sources.get(info.name, "default"), info.help))
    return rows


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity, which containers narrow), at least 1:
    what the default numbers of gunicorn workers, text-search slots and index readers follow."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1
