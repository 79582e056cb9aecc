"""Scrapy settings of the katdir crawler: politeness, bounds, safety and output in one place.

Behaviour is switched here (or by ``crawl(settings_overrides=...)``), never by flags inside
spiders. The values katdir's own settings table declares (user agent, private hosts, the
development cache, the log level) are defaults here; ``crawler.run.scrapy_settings`` sets
them from the effective `katdir.settings.Settings` (see ``from_katdir``).
"""

from __future__ import annotations

from crawler.browser import CHROMIUM_ARGS, usable_browser
from crawler.items import LISTING_FIELDS
from katdir.settings import Settings

_DEFAULTS = Settings()

BOT_NAME = "katdir"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# --- who we are, and manners ------------------------------------------------------------
USER_AGENT = _DEFAULTS.user_agent  # "katdir/0.1 (+https://github.com/katdir/katdir)"
ROBOTSTXT_OBEY = True
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
CONCURRENT_REQUESTS = 32
# Per site: crawler.middlewares.SiteSlotMiddleware makes one download slot per host:port.
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0.25
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 20.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0

# --- bounds against a hostile web --------------------------------------------------------
DOWNLOAD_TIMEOUT = 20
DOWNLOAD_MAXSIZE = 5 * 1024 * 1024  # clinic pages are small; a huge body is a trap
DOWNLOAD_WARNSIZE = 1 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 2
REDIRECT_MAX_TIMES = 5
METAREFRESH_MAXDELAY = 10
DEPTH_LIMIT = 8  # a backstop; the spiders bound themselves (KATDIR_MAX_SITE_DEPTH, profiles)
URLLENGTH_LIMIT = 1024
CLOSESPIDER_TIMEOUT = 3600
CLOSESPIDER_PAGECOUNT = 50_000
CLOSESPIDER_ERRORCOUNT = 1000
# Only the web: no file://, ftp:// or s3:// from user-supplied URLs.
DOWNLOAD_HANDLERS = {"file": None, "ftp": None, "s3": None}

# --- safety --------------------------------------------------------------------------------
KATDIR_ALLOW_PRIVATE_HOSTS = _DEFAULTS.allow_private_hosts
DOWNLOADER_MIDDLEWARES = {
    # Before robots.txt (100): a refused host is not even asked for its robots.txt.
    "crawler.middlewares.SSRFGuardMiddleware": 50,
    "crawler.middlewares.SiteSlotMiddleware": 60,
}
TWISTED_DNS_RESOLVER = "crawler.resolver.PublicOnlyResolver"

# --- the asyncio reactor (Scrapy's default, stated because the run depends on it) ---------
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"

# --- items -----------------------------------------------------------------------------------
ITEM_PIPELINES = {
    "crawler.pipelines.ValidateListingPipeline": 100,
    "crawler.pipelines.RequireIdentityPipeline": 200,
    "crawler.pipelines.DedupeListingPipeline": 300,
}
FEED_EXPORT_ENCODING = "utf-8"
FEED_EXPORT_FIELDS = list(LISTING_FIELDS)
# FEEDS is set per run by crawler.run.crawl: {"listings.jsonl": {"format": "jsonlines"}}.
FEEDS: dict = {}

# --- progress, summary and monitors ---------------------------------------------------------
EXTENSIONS = {
    "crawler.extensions.CrawlProgress": 490,
    "crawler.extensions.ListingMonitor": 500,
}
KATDIR_PROGRESS = True
# The crawl fails (`katdir crawl` exits non-zero) when its output collapses:
KATDIR_MONITOR_MIN_LISTINGS = 1  # fewer listings than this
KATDIR_MONITOR_MIN_LISTINGS_PER_SEED = 0.0  # or fewer listings per seed than this
KATDIR_MONITOR_MIN_COVERAGE = {"name": 0.9, "address": 0.5, "phone": 0.5, "routes": 0.5}
KATDIR_MONITOR_COVERAGE_MIN_LISTINGS = 5  # coverage is judged from this many listings on

# --- the spiders ------------------------------------------------------------------------------
KATDIR_MAX_PAGES_PER_SITE = 12
KATDIR_MAX_SITEMAPS_PER_SITE = 3
KATDIR_MAX_SITE_DEPTH = 3  # links followed this many hops from a site's start page
KATDIR_EXTRACTOR = (
    "crawler.extract.extract_page"  # a dotted path, so another extractor can be plugged in
)
# One page's extraction is bounded (crawler.extraction): it runs in one of these worker
# processes, off the reactor; a page over the time budget has its worker killed and is
# counted as an `extract_timeout` error; HTML is cut at the size budget first. 0 workers =
# extract in the reactor's thread, unbounded (debugging only).
KATDIR_EXTRACT_WORKERS = 2
KATDIR_EXTRACT_TIMEOUT = 15.0  # seconds per page
KATDIR_EXTRACT_MAX_CHARS = 1_000_000  # characters of a page's text that are read
KATDIR_SOURCES_DIR = ""  # directory profiles; "" = crawler/sources
KATDIR_SITES: dict[str, str] = {}  # site name → base URL, for `site:NAME/path` references

# --- pages that render only in a browser (crawler.browser) ----------------------------------
# scrapy-playwright fetches the pages whose body is empty or scripts only, with the Chromium
# of katdir's settings (KATDIR_BROWSER, Debian's by default); when it is installed, http(s)
# goes through scrapy-playwright's handler, which hands every other request to Scrapy's own.
KATDIR_BROWSER = ""  # set by from_katdir; "" = no browser: such pages are read as they come
KATDIR_BROWSER_MAX_PAGES = 20  # per crawl
KATDIR_BROWSER_TIMEOUT = 20  # seconds per page
PLAYWRIGHT_BROWSER_TYPE = "chromium"
PLAYWRIGHT_LAUNCH_OPTIONS = {"headless": True, "args": CHROMIUM_ARGS}
PLAYWRIGHT_MAX_CONTEXTS = 1
PLAYWRIGHT_MAX_PAGES_PER_CONTEXT = 2
PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT = KATDIR_BROWSER_TIMEOUT * 1000
PLAYWRIGHT_ABORT_REQUEST = "crawler.browser.abort_request"
_PLAYWRIGHT_HANDLER = "crawler.browser_handler.LazyPlaywrightDownloadHandler"

# --- development: cache responses (off unless asked for) ---------------------------------------
HTTPCACHE_ENABLED = _DEFAULTS.httpcache
HTTPCACHE_DIR = str((_DEFAULTS.var_dir / "httpcache").resolve())
HTTPCACHE_EXPIRATION_SECS = 24 * 3600
HTTPCACHE_IGNORE_HTTP_CODES = [429, 500, 502, 503, 504]
HTTPCACHE_GZIP = True

LOG_LEVEL = _DEFAULTS.log_level


def from_katdir(settings: Settings) -> dict:
    """The Scrapy settings that follow katdir's settings table. (A function: Scrapy reads
    only this module's upper-case names.)"""
    return {
        "USER_AGENT": settings.user_agent,
        "KATDIR_ALLOW_PRIVATE_HOSTS": settings.allow_private_hosts,
        "HTTPCACHE_ENABLED": settings.httpcache,
        "HTTPCACHE_DIR": str((settings.var_dir / "httpcache").resolve()),
        "LOG_LEVEL": settings.log_level,
        **_browser_settings(settings),
    }


def _browser_settings(settings: Settings) -> dict:
    browser = usable_browser(settings.browser)
    if not browser:
        return {"KATDIR_BROWSER": ""}
    return {
        "KATDIR_BROWSER": browser,
        "DOWNLOAD_HANDLERS": {
            **DOWNLOAD_HANDLERS,
            "http": _PLAYWRIGHT_HANDLER,
            "https": _PLAYWRIGHT_HANDLER,
        },
        "PLAYWRIGHT_LAUNCH_OPTIONS": {**PLAYWRIGHT_LAUNCH_OPTIONS, "executable_path": browser},
        "PLAYWRIGHT_ABORT_REQUEST": (
            "crawler.browser.abort_request_local"
            if settings.allow_private_hosts
            else PLAYWRIGHT_ABORT_REQUEST
        ),
    }
