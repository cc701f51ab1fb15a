"""Real HTTP servers on 127.0.0.1 for fetching tests (the demo site with fault modes) and a test source builder."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from demo_site.server import make_server
from newslake.config import SourceConfig, parse_source


def serve(crawl_delay: float) -> Iterator:
    """Run the demo site (fault modes included) on a free port; yields the server (.base_url, .hits)."""
    server = make_server("127.0.0.1", 0, crawl_delay=crawl_delay)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def make_source(base_url: str, *, allow_private: bool = True, domains: list[str] | None = None,
                **fetch) -> SourceConfig:
    """A test source on base_url with fast defaults (no delay, tiny backoff) unless overridden."""
    settings = {"delay_seconds": 0, "backoff_base": 0.01, "backoff_cap": 0.05, "max_retries": 2,
                "connect_timeout": 2, "read_timeout": 2, "concurrency": 4,
                "user_agent": "newslake-test/1.0 (+https://example.org/newslake)"}
    settings.update(fetch)
    data = {
        "id": "fault_test",
        "name": "Fault test",
        "base_url": base_url,
        "languages": ["en"],
        "discovery": {"feeds": ["/rss.xml"]},
        "allow_private_network": allow_private,
        "fetch": settings,
    }
    if domains is not None:
        data["allowed_domains"] = domains
    return parse_source(data, "test")


def get_json(url: str) -> dict:
    """GET a JSON document from a test server (plain urllib: not the code under test)."""
    import json
    import urllib.request

    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - 127.0.0.1 test server
        return json.loads(response.read())


class _RobotsHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002 - stdlib signature
        pass

    def do_GET(self):
        server = self.server
        with server.lock:
            server.paths.append(self.path)
        if self.path == "/robots.txt":
            status, body = server.robots_status, server.robots_body
        else:
            status, body = 200, b"<!doctype html><html><body><p>page</p></body></html>"
        self.send_response(status)
        self.send_header("Content-Type", "text/plain" if self.path == "/robots.txt" else "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def serve_robots(status: int, body: bytes = b"") -> Iterator:
    """A minimal site whose robots.txt answers `status`; records every requested path in .paths."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _RobotsHandler)
    server.daemon_threads = True
    server.robots_status, server.robots_body = status, body
    server.paths, server.lock = [], threading.Lock()
    server.base_url = f"http://127.0.0.1:{server.server_address[1]}/"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
