"""A tiny real HTTP site on 127.0.0.1 serving fixed bytes per path, and sources.yaml text pointing at it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    """What one path answers."""

    body: bytes
    content_type: str = "text/html"
    status: int = 200


@dataclass
class TinySite:
    """A running tiny site: its base URL, routes (editable while it runs) and the paths requested."""

    base_url: str
    routes: dict[str, Route]
    paths: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        """Absolute URL of a site path."""
        return self.base_url + path.lstrip("/")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002 - stdlib signature
        pass

    def do_GET(self):
        site: TinySite = self.server.site
        site.paths.append(self.path)
        route = site.routes.get(self.path.split("?", 1)[0]) or Route(b"not found", "text/plain", 404)
        self.send_response(route.status)
        self.send_header("Content-Type", route.content_type)
        self.send_header("Content-Length", str(len(route.body)))
        self.end_headers()
        self.wfile.write(route.body)


@contextmanager
def serve_tiny_site(routes: dict[str, Route]) -> Iterator[TinySite]:
    """Serve routes on a free 127.0.0.1 port until the block ends (paths without a route answer 404)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.site = TinySite(f"http://127.0.0.1:{server.server_address[1]}/", routes)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server.site
    finally:
        server.shutdown()
        server.server_close()


def sources_yaml(base_url: str, source_id: str = "tiny", languages: str = "[ru, en]") -> str:
    """A sources.yaml with one loopback source on base_url that discovers through /rss.xml only."""
    return (
        "sources:\n"
        f"  - id: {source_id}\n"
        "    name: Tiny test site\n"
        f"    base_url: {base_url}\n"
        "    allowed_domains: [127.0.0.1]\n"
        "    allow_private_network: true\n"
        f"    languages: {languages}\n"
        "    discovery: {feeds: [rss.xml]}\n"
        "    fetch: {delay_seconds: 0, max_retries: 0}\n"
        "    min_articles_per_day: 0\n"
    )
