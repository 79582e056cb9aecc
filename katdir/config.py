"""Configuration from the environment (12-factor), with defaults that work on a laptop.

Every command and the web app read the same `Settings`, so `KATDIR_STORE` means the same
thing to `katdir import`, `katdir index` and `katdir serve`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def _flag(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    var_dir: Path = field(default_factory=lambda: Path("var"))
    store: str = ""
    es_prefix: str = "katdir"
    geocoder: str | None = None
    geocoder_options: dict[str, str] = field(default_factory=dict)
    user_agent: str = "katdir/0.1 (+https://github.com/katdir/katdir)"
    allow_private_hosts: bool = False

    @property
    def store_url(self) -> str:
        return self.store or f"sqlite:///{(self.var_dir / 'katdir.db').resolve()}"

    @property
    def geocode_cache_path(self) -> Path:
        return self.var_dir / "geocode-cache.sqlite"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        options = {}
        if env.get("KATDIR_GEOCODER_DOMAIN"):
            options["domain"] = env["KATDIR_GEOCODER_DOMAIN"]
        if env.get("KATDIR_GEOCODER_SCHEME"):
            options["scheme"] = env["KATDIR_GEOCODER_SCHEME"]
        return cls(
            var_dir=Path(env.get("KATDIR_VAR", "var")),
            store=env.get("KATDIR_STORE", ""),
            es_prefix=env.get("KATDIR_ES_PREFIX", "katdir"),
            geocoder=env.get("KATDIR_GEOCODER") or None,
            geocoder_options=options,
            user_agent=env.get("KATDIR_USER_AGENT", cls.user_agent),
            allow_private_hosts=_flag(env.get("KATDIR_ALLOW_PRIVATE_HOSTS")),
        )
