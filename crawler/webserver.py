"""A small real HTTP server for a folder of sample sites: one port per site, on 127.0.0.1.

Each sub-folder of the web folder is a site. In .html, .htm, .xml and .txt files the
placeholder ``{{site:<name>}}`` becomes that site's base URL (``http://127.0.0.1:PORT``),
so sites can link to each other and sitemaps and robots.txt can name absolute URLs. The
demo, the crawler's tests and the ``sample_web`` fixture serve the bundled sample web this way.
"""

from __future__ import annotations

import io
import mimetypes
import posixpath
import re
import threading
import time
from dataclasses import dataclass
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from urllib.parse import unquote, urlsplit

PLACEHOLDER = re.compile(r"\{\{\s*site:([A-Za-z0-9_.-]+)\s*\}\}")
_PLACEHOLDER_BYTES = re.compile(PLACEHOLDER.pattern.encode())
TEMPLATED_SUFFIXES = {".html", ".htm", ".xml", ".txt"}
CONTENT_TYPES = {
    ".html": "text/html",  # pages declare their own charset (or are read as the crawler guesses)
    ".htm": "text/html",
    ".xml": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".pdf": "application/pdf",
    ".gz": "application/gzip",
}


@dataclass(frozen=True)
class Hit:
    """One request the sample web answered (the access log the tests read)."""

    site: str
    method: str
    path: str
    status: int
    user_agent: str
    at: float


def render(text: str, sites: dict[str, str]) -> str:
    """Replace every ``{{site:<name>}}`` by that site's base URL; unknown names stay as they are."""
    return PLACEHOLDER.sub(lambda m: sites.get(m.group(1), m.group(0)), text)


def render_bytes(body: bytes, sites: dict[str, str]) -> bytes:
    """``render`` on a file's bytes, so a page in any charset is served byte for byte."""
    return _PLACEHOLDER_BYTES.sub(
        lambda m: (
            sites[m.group(1).decode()].encode() if m.group(1).decode() in sites else m.group(0)
        ),
        body,
    )


class _SiteHandler(SimpleHTTPRequestHandler):
    server_version = "katdir-sample-web/0.1"
    sys_version = ""

    def __init__(self, *args, site: str, web: SampleWeb, **kwargs) -> None:
        self.site = site
        self.web = web
        super().__init__(*args, **kwargs)

    # Quiet: requests go to the access log, not to stderr.
    def log_message(self, format: str, *args) -> None:  # noqa: A002
        pass

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        status = (
            code.value if isinstance(code, HTTPStatus) else int(code) if str(code).isdigit() else 0
        )
        self.web._record(
            Hit(
                self.site,
                self.command or "",
                urlsplit(self.path).path,
                status,
                self.headers.get("User-Agent", "") if self.headers else "",
                time.time(),
            )
        )

    def list_directory(self, path):  # no directory listings: a site answers 404
        self.send_error(HTTPStatus.NOT_FOUND, "File not found")
        return None

    def guess_type(self, path) -> str:
        suffix = posixpath.splitext(str(path))[1].lower()
        return (
            CONTENT_TYPES.get(suffix)
            or mimetypes.guess_type(str(path))[0]
            or "application/octet-stream"
        )

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not urlsplit(self.path).path.endswith("/"):
                return super().send_head()  # the usual 301 to the path with a slash
            path = path / "index.html"
        if path.suffix.lower() not in TEMPLATED_SUFFIXES or not path.is_file():
            return super().send_head()
        try:
            body = render_bytes(path.read_bytes(), self.web.sites)
        except OSError:
            self.send_error(HTTPStatus.NOT_FOUND, "File not found")
            return None
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Last-Modified", self.date_time_string(int(path.stat().st_mtime)))
        self.end_headers()
        return io.BytesIO(body)


class SampleWeb:
    """Sites of a web folder served over real HTTP, one ``ThreadingHTTPServer`` each."""

    def __init__(self, folder: str | Path, host: str = "127.0.0.1") -> None:
        self.folder = Path(folder)
        self.host = host
        self.sites: dict[str, str] = {}
        self.hits: list[Hit] = []
        self._lock = threading.Lock()
        self._servers: list[ThreadingHTTPServer] = []
        self._threads: list[threading.Thread] = []
        names = sorted(
            p.name
            for p in self.folder.iterdir()
            if p.is_dir() and not p.name.startswith((".", "_"))
        )
        if not names:
            raise ValueError(f"{self.folder} has no site folders")
        try:
            for name in names:
                handler = partial(
                    _SiteHandler, directory=str(self.folder / name), site=name, web=self
                )
                server = ThreadingHTTPServer((host, 0), handler)
                server.daemon_threads = True
                self._servers.append(server)
                self.sites[name] = f"http://{host}:{server.server_address[1]}"
            for server, name in zip(self._servers, names, strict=False):
                thread = threading.Thread(
                    target=server.serve_forever,
                    kwargs={"poll_interval": 0.2},
                    name=f"sample-web-{name}",
                    daemon=True,
                )
                thread.start()
                self._threads.append(thread)
        except BaseException:
            self.close()
            raise

    def url(self, site: str, path: str = "/") -> str:
        return self.sites[site] + ("/" + path.lstrip("/"))

    def _record(self, hit: Hit) -> None:
        with self._lock:
            self.hits.append(hit)

    def fetched(self, site: str | None = None) -> list[str]:
        """Paths requested so far (of one site, or of all), in order."""
        with self._lock:
            return [unquote(h.path) for h in self.hits if site is None or h.site == site]

    def close(self) -> None:
        # shutdown() waits for serve_forever() to return, so only call it on started servers,
        # and on all at once rather than one poll interval after another.
        stoppers = [
            threading.Thread(target=server.shutdown)
            for server, _ in zip(self._servers, self._threads, strict=False)
        ]
        for stopper in stoppers:
            stopper.start()
        for stopper in stoppers:
            stopper.join()
        for server in self._servers:
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._servers.clear()
        self._threads.clear()

    def __enter__(self) -> SampleWeb:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def serve_web(folder: str | Path, host: str = "127.0.0.1") -> SampleWeb:
    """Start serving every site folder of ``folder``; use as a context manager or call ``close()``."""
    return SampleWeb(folder, host)
