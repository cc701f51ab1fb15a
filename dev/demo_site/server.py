"""Steppe Wire demo news site: a stdlib HTTP server with feeds, sitemaps, archives, traps and an answer key."""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import re
import signal
import sys
import threading
import time
from collections import Counter, deque
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

if __package__:
    from . import feeds, pages
    from .catalog import SECTIONS, Catalog, load_catalog
else:  # run as a script: python dev/demo_site/server.py
    import feeds
    import pages
    from catalog import SECTIONS, Catalog, load_catalog

HERE = Path(__file__).resolve().parent
ARCHIVE_PAGE_SIZE = 5
SITE_EPOCH = datetime(2026, 11, 1, tzinfo=UTC)
_ARCHIVE_RE = re.compile(r"^/archive/(\d{4})/(\d{2})/(\d{2})/(?:page/(\d+)/)?$")
_SECTION_RE = re.compile(r"^/section/([a-z]+)/$")
_TAG_RE = re.compile(r"^/tag/([^/]+)/$")
_STATIC = {f"/{name}/": name for name in pages.STATIC}


class Page:
    """A rendered response: body bytes plus the validators that make it cacheable."""

    def __init__(self, body: bytes, content_type: str, last_modified: datetime | None = None, status: int = 200):
        self.body = body
        self.content_type = content_type
        self.last_modified = last_modified
        self.status = status


class DemoServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that carries the catalogue, base URL, crawl delay and a request log."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, crawl_delay: float, base_url: str | None = None):
        super().__init__(address, DemoHandler)
        host, port = self.server_address[:2]
        self.base_url = base_url or f"http://{host}:{port}/"
        if not self.base_url.endswith("/"):
            self.base_url += "/"
        self.crawl_delay = crawl_delay
        self.catalog: Catalog = load_catalog()
        self.fault_state: dict = {}
        self.log_lock = threading.Lock()
        self.hits: Counter = Counter()
        self.recent: deque = deque(maxlen=5000)

    def record(self, path: str, user_agent: str | None) -> None:
        """Count a request (for tests that check politeness: robots obeyed, delay kept)."""
        with self.log_lock:
            self.hits[path] += 1
            self.recent.append((time.time(), path, user_agent or ""))


class DemoHandler(BaseHTTPRequestHandler):
    """Routes a request to a page, feed, sitemap, trap or fault."""

    server: DemoServer
    server_version = "SteppeWire/1.0"
    protocol_version = "HTTP/1.1"
    # headers and body go out in separate writes; with Nagle on, keep-alive clients stall ~40 ms per response
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - stdlib signature
        pass  # keep test output quiet; /_stats.json has the request log

    def do_HEAD(self) -> None:
        self._dispatch(head=True)

    def do_GET(self) -> None:
        self._dispatch(head=False)

    def send_bytes(self, status: int, body: bytes, headers: dict | None = None) -> None:
        """Send a complete response with Content-Length (used by faults.py too)."""
        headers = dict(headers or {})
        self.send_response(status)
        names = {k.lower() for k in headers}
        for key, value in headers.items():
            self.send_header(key, str(value))
        if "content-length" not in names:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not self._head:
            self.wfile.write(body)

    def _dispatch(self, head: bool) -> None:
        self._head = head
        path = urlsplit(self.path).path
        self.server.record(path, self.headers.get("User-Agent"))
        if path.startswith("/_fault/"):
            self._fault()
            return
        try:
            page = self._route(path)
        except Exception as exc:  # a bug in the demo site must not look like a network fault
            page = Page(f"demo site error: {exc!r}".encode(), "text/plain; charset=utf-8", status=500)
        if isinstance(page, str):  # redirect target
            self.send_bytes(301, b"", {"Location": page})
            return
        self._send_page(page)

    def _fault(self) -> None:
        target = HERE / "faults.py"
        self.close_connection = True
        if not target.exists():
            self.send_bytes(404, b"no fault modes installed\n", {"Content-Type": "text/plain"})
            return
        spec = importlib.util.spec_from_file_location("faults", target)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.handle(self)
        self.close_connection = True

    def _send_page(self, page: Page) -> None:
        headers = {"Content-Type": page.content_type}
        if page.status == 200:
            etag = '"' + hashlib.sha256(page.body).hexdigest()[:20] + '"'
            headers["ETag"] = etag
            headers["Cache-Control"] = "public, max-age=300"
            if page.last_modified:
                headers["Last-Modified"] = format_datetime(page.last_modified.astimezone(UTC), usegmt=True)
            if self._not_modified(etag, page.last_modified):
                self.send_bytes(304, b"", {k: v for k, v in headers.items() if k != "Content-Type"}
                                | {"Content-Length": "0"})
                return
        self.send_bytes(page.status, page.body, headers)

    def _not_modified(self, etag: str, last_modified: datetime | None) -> bool:
        inm = self.headers.get("If-None-Match")
        if inm is not None:
            tags = [t.strip().removeprefix("W/") for t in inm.split(",")]
            return "*" in tags or etag in tags
        ims = self.headers.get("If-Modified-Since")
        if ims and last_modified:
            try:
                since = parsedate_to_datetime(ims)
            except (TypeError, ValueError):
                return False
            if since.tzinfo is None:
                since = since.replace(tzinfo=UTC)
            return last_modified.replace(microsecond=0) <= since
        return False

    def _route(self, path: str) -> Page | str:
        srv, base, cat = self.server, self.server.base_url, self.server.catalog
        html = "text/html; charset=utf-8"
        xml = "application/xml; charset=utf-8"
        newest = max(s.last_modified for s in cat.stories)
        if path in ("/", "/en/", "/ru/"):
            lang = path.strip("/") or None
            return Page(pages.render_home(cat, base, lang).encode(), html, newest)
        if path == "/robots.txt":
            return Page(feeds.robots_txt(base, srv.crawl_delay).encode(), "text/plain; charset=utf-8", SITE_EPOCH)
        if path in ("/rss.xml", "/feed/"):
            return Page(feeds.rss(cat, base).encode(), "application/rss+xml; charset=utf-8", newest)
        if path == "/atom.xml":
            return Page(feeds.atom(cat, base).encode(), "application/atom+xml; charset=utf-8", newest)
        if path == "/sitemap.xml":
            return Page(feeds.sitemap_index(cat, base).encode(), xml, newest)
        if path == "/" + feeds.NEWS_SITEMAP:
            return Page(feeds.news_sitemap(cat, base).encode(), xml, newest)
        if path == "/" + feeds.POSTS_SITEMAP:
            return Page(feeds.posts_sitemap(cat, base).encode(), xml, newest)
        if path == "/_answer_key.json":
            body = json.dumps(cat.answer_key(base), ensure_ascii=False, indent=1).encode()
            return Page(body, "application/json; charset=utf-8")
        if path == "/_stats.json":
            with srv.log_lock:
                data = {"hits": dict(srv.hits), "recent": list(srv.recent)}
            return Page(json.dumps(data).encode(), "application/json")
        if path in _STATIC:
            return Page(pages.render_static(_STATIC[path], base).encode(), html, SITE_EPOCH)
        if m := _SECTION_RE.match(path):
            if m.group(1) in SECTIONS:
                return Page(pages.render_section(m.group(1), cat, base).encode(), html, newest)
        if (m := _TAG_RE.match(path)) and (tag_page := pages.render_tag(unquote(m.group(1)), cat, base)):
            return Page(tag_page.encode(), html, newest)
        if m := _ARCHIVE_RE.match(path):
            return self._archive(*m.groups())
        if path.startswith("/private/"):
            return Page(pages.render_private(base).encode(), html, SITE_EPOCH)
        if story := cat.by_path.get(path):
            amp = next((t.path for t in cat.traps if t.kind == "duplicate" and t.story is story), None)
            body = pages.render_story(story, cat, base, amp_path=amp)
            charset = story.encoding
            return Page(body.encode(charset, errors="xmlcharrefreplace"), f"text/html; charset={charset}",
                        story.last_modified)
        if trap := cat.trap_by_path.get(path):
            return self._trap(trap)
        if not path.endswith("/") and (path + "/" in cat.by_path or path + "/" in cat.trap_by_path):
            return base + path.lstrip("/") + "/"
        return Page(pages.render_not_found(base).encode(), html, status=404)

    def _trap(self, trap) -> Page:
        base, cat = self.server.base_url, self.server.catalog
        html = "text/html; charset=utf-8"
        if trap.kind == "server_error":
            return Page(b"<html><body><h1>500 Internal Server Error</h1><p>Database connection failed.</p>"
                        b"</body></html>", html, status=500)
        if trap.kind == "not_found":
            return Page(pages.render_not_found(base).encode(), html, status=404)
        if trap.kind == "duplicate":
            body = pages.render_story(trap.story, cat, base, path=trap.path, layout="amp",
                                      canonical_path=trap.story.path)
            return Page(body.encode(), html, trap.story.last_modified)
        if trap.kind == "robots_disallowed":
            return Page(pages.render_private(base).encode(), html, SITE_EPOCH)
        # the undated feature sends no Last-Modified either: it has no date anywhere
        when = None if trap.kind == "no_date" else trap.story.last_modified
        return Page(pages.render_story(trap.story, cat, base).encode(), html, when)

    def _archive(self, y: str, m: str, d: str, page: str | None) -> Page:
        cat, base = self.server.catalog, self.server.base_url
        try:
            day = datetime(int(y), int(m), int(d)).strftime("%Y-%m-%d")
        except ValueError:
            return Page(b"no such day", "text/plain; charset=utf-8", status=404)
        teasers = {s.path: s.description for s in cat.stories}
        teasers.update({t.path: (t.story.description if t.story else t.title) for t in cat.traps})
        rows = [(p, title, when, teasers.get(p, "")) for p, title, when in cat.archive_entries(day)]
        n_pages = max(1, -(-len(rows) // ARCHIVE_PAGE_SIZE))
        number = int(page or 1)
        if number < 1 or number > n_pages or page == "1":
            return Page(b"no such page", "text/plain; charset=utf-8", status=404)
        chunk = rows[(number - 1) * ARCHIVE_PAGE_SIZE: number * ARCHIVE_PAGE_SIZE]
        newest = max((w for _, _, w, _ in rows if w), default=SITE_EPOCH)
        return Page(pages.render_archive(day, number, chunk, n_pages, base).encode(), "text/html; charset=utf-8",
                    newest)


def make_server(host: str = "127.0.0.1", port: int = 8765, crawl_delay: float = 1.0,
                base_url: str | None = None) -> DemoServer:
    """Bind the demo site (port 0 picks a free port); absolute URLs use host:port unless base_url is given."""
    return DemoServer((host, port), crawl_delay, base_url)


def answer_key(base_url: str) -> dict:
    """The answer key for a site served at base_url (same as GET /_answer_key.json)."""
    if not base_url.endswith("/"):
        base_url += "/"
    return load_catalog().answer_key(base_url)


def main(argv: list[str] | None = None) -> int:
    """Command line: serve until SIGTERM/SIGINT."""
    parser = argparse.ArgumentParser(description="Serve the Steppe Wire demo news site.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--crawl-delay", type=float, default=1.0, help="Crawl-delay announced in robots.txt")
    parser.add_argument("--base-url", default=None,
                        help="public URL for absolute links (e.g. http://demo-site:8765/ behind --host 0.0.0.0)")
    args = parser.parse_args(argv)
    server = make_server(args.host, args.port, args.crawl_delay, args.base_url)

    def stop(signum, frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"demo site serving on {server.base_url}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
