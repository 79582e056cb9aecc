"""Run a crawl from Python: ``crawl(seeds, output) -> CrawlSummary``, listings written as JSON Lines.

Each crawl runs in a child Python process (``python -m crawler.run JOB.json``) in a process
group of its own, which dies with its parent (``crawler.lifetime``). Scrapy runs
on a Twisted reactor, which can be started only once per process, and installs process-wide
logging and signal handlers; a child process makes ``crawl()`` callable any number of times
from one program (the tests, the demo with its web server threads, a scheduler) and keeps a
crawl that meets a hostile web (memory, hung connections) away from the caller. The cost is
the child's start-up, well under a second. ``isolate=False`` runs in the calling process
instead (once per process, and only where no reactor is running yet).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from crawler.lifetime import PARENT_ENV, child_of_crawl_parent, forward_signals, stop_group
from katdir.settings import Settings as KatdirSettings
from katdir.settings import load_settings

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SPIDERS = ("clinic_site", "directory", "sitemap")
# For a web served on this machine (the demo's and the tests' sample web): allowed past the
# SSRF guard, and without the politeness delays meant for other people's servers.
LOCAL_WEB_SETTINGS: dict[str, Any] = {
    "KATDIR_ALLOW_PRIVATE_HOSTS": True,
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "PLAYWRIGHT_ABORT_REQUEST": "crawler.browser.abort_request_local",
}


class CrawlError(RuntimeError):
    """The crawl could not run at all (bad spider, crashed process), as opposed to a crawl
    that ran and failed its monitors (``CrawlSummary.ok`` is False then)."""


@dataclass
class CrawlSummary:
    spider: str | None = None
    output: str | None = None
    pages: int = 0
    responses: int = 0
    sites: int = 0
    listings: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    skipped: int = 0
    robots_forbidden: int = 0
    ssrf_blocked: int = 0
    elapsed_s: float = 0.0
    pages_per_s: float | None = None
    finish_reason: str | None = None
    monitor_failures: list[str] = field(default_factory=list)
    returncode: int = 0

    @property
    def ok(self) -> bool:
        """The crawl ran and its monitors passed; ``katdir crawl`` exits non-zero otherwise."""
        return self.returncode == 0 and not self.monitor_failures

    @classmethod
    def from_dict(cls, data: dict[str, Any], **extra: Any) -> CrawlSummary:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in {**data, **extra}.items() if k in known})

    def describe(self) -> str:
        errors = ", ".join(f"{kind} {n}" for kind, n in self.errors.items()) or "none"
        dropped = ", ".join(f"{why} {n}" for why, n in self.dropped.items())
        speed = f", {self.pages_per_s:g} pages/s" if self.pages_per_s else ""
        lines = [
            f"{self.spider}: {self.pages} pages from {self.sites} sites in {self.elapsed_s:.1f} s{speed}; "
            f"{self.listings} listings{f' (dropped: {dropped})' if dropped else ''} → {self.output}",
            f"  errors: {errors}; skipped {self.skipped} (robots.txt {self.robots_forbidden}, "
            f"private hosts {self.ssrf_blocked}); finished: {self.finish_reason}",
        ]
        if self.monitor_failures:
            lines.append("  CRAWL FAILED: " + "; ".join(self.monitor_failures))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.describe()


def crawl(
    seeds: list[str],
    output: Path | str,
    spider: str = "clinic_site",
    settings_overrides: dict[str, Any] | None = None,
    progress: bool = True,
    *,
    isolate: bool = True,
    timeout: float | None = None,
) -> CrawlSummary:
    """Crawl ``seeds`` with ``spider`` and write its listings to ``output`` (JSON Lines).

    ``seeds`` are start URLs for ``clinic_site``; sitemap (or robots.txt) URLs for
    ``sitemap``; profile names or YAML paths for ``directory`` (none: every profile in
    ``crawler/sources``). ``settings_overrides`` are
    Scrapy settings (JSON-able values), e.g. ``{"KATDIR_ALLOW_PRIVATE_HOSTS": True,
    "KATDIR_SITES": web.sites}`` for the sample web. Raises ``CrawlError`` when the crawl
    could not run; a crawl that ran but failed its monitors returns with ``ok`` False.
    """
    if spider not in SPIDERS:
        raise CrawlError(f"unknown spider {spider!r}; known: {', '.join(SPIDERS)}")
    output = Path(output).resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    job = {
        "seeds": list(seeds),
        "output": str(output),
        "spider": spider,
        "settings": settings_overrides or {},
        "progress": progress,
    }
    if not isolate:
        data = run_job(job)
        if not data["started"]:
            raise CrawlError(f"the {spider} crawl could not start (see its log above)")
        return CrawlSummary.from_dict(data)
    with tempfile.TemporaryDirectory(prefix="katdir-crawl-") as tmp:
        job_path = Path(tmp) / "job.json"
        summary_path = Path(tmp) / "summary.json"
        job["summary_path"] = str(summary_path)
        job_path.write_text(json.dumps(job, default=str), encoding="utf-8")
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(PROJECT_ROOT), env.get("PYTHONPATH")) if p
        )
        env[PARENT_ENV] = str(os.getpid())
        # its own process group: the child, its forkserver and its extraction workers are
        # stopped together (crawler.lifetime)
        process = subprocess.Popen(
            [sys.executable, "-m", "crawler.run", str(job_path)], env=env, process_group=0
        )
        try:
            with forward_signals(process):
                returncode = process.wait(timeout=timeout)
        except BaseException:  # Ctrl-C, a forwarded signal, or the timeout: stop the group
            stop_group(process)
            raise
        if not summary_path.is_file():
            raise CrawlError(
                f"the crawl process exited with {returncode} before finishing "
                f"(see its output above)"
            )
        data = json.loads(summary_path.read_text(encoding="utf-8"))
    if not data.get("started", True):
        raise CrawlError(f"the {spider} crawl could not start (see its log above)")
    return CrawlSummary.from_dict(data, returncode=returncode)


def scrapy_settings(job: dict[str, Any], katdir_settings: KatdirSettings | None = None) -> Any:
    """Scrapy settings for a job: ``crawler.settings``, what katdir's settings (default: from
    the environment) decide, the job's overrides, its feed."""
    from scrapy.settings import Settings

    from crawler.settings import from_katdir

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.update(from_katdir(katdir_settings or load_settings()), priority="project")
    settings.update(job.get("settings") or {}, priority="cmdline")
    settings.set(
        "FEEDS",
        {
            job["output"]: {
                "format": "jsonlines",
                "encoding": "utf8",
                "overwrite": True,
                "store_empty": True,
            }
        },
        priority="cmdline",
    )
    settings.set("KATDIR_PROGRESS", bool(job.get("progress", True)), priority="cmdline")
    return settings


def run_job(job: dict[str, Any]) -> dict[str, Any]:
    """Run one crawl in this process and return its summary (a dict of ``CrawlSummary`` fields)."""
    from scrapy.crawler import AsyncCrawlerProcess

    from crawler.extensions import FAILURES_STAT, crawl_summary

    process = AsyncCrawlerProcess(scrapy_settings(job))
    crawler = process.create_crawler(job["spider"])
    process.crawl(crawler, seeds=job.get("seeds") or [])
    process.start()
    try:
        stats = crawler.stats.get_stats()
    except RuntimeError:  # the crawl never started (its error is in the log above)
        stats = {"finish_reason": "did_not_start", FAILURES_STAT: ["the crawl could not start"]}
    summary = crawl_summary(stats, job["spider"])
    summary["output"] = job["output"]
    summary["started"] = "did_not_start" != stats.get("finish_reason")
    return summary


def main(argv: list[str] | None = None) -> int:
    """``python -m crawler.run JOB.json``: the child process of ``crawl()``. Exit status 0 when
    the crawl passed its monitors, 1 when it failed them, 2 when it could not start."""
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m crawler.run JOB.json", file=sys.stderr)
        return 2
    if not child_of_crawl_parent():
        print(
            "crawler.run: the program that started this crawl has exited; not crawling",
            file=sys.stderr,
        )
        return 2
    job = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    summary = run_job(job)
    if job.get("summary_path"):
        Path(job["summary_path"]).write_text(json.dumps(summary, default=str), encoding="utf-8")
    if not summary["started"]:
        return 2
    return 1 if summary["monitor_failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
