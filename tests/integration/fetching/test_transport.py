"""Transport safety over real sockets: TLS always verified, proxies from the environment, blocked hosts left alone."""

from __future__ import annotations

import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from demo_site.server import make_server
from integration.fetching.fault_servers import get_json, make_source
from newslake.fetching import Fetcher, Outcome

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def tls_site(tmp_path_factory):
    """The demo site over HTTPS with a self-signed certificate for localhost; yields (server, cert path)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True, capture_output=True,
    )
    server = make_server("127.0.0.1", 0, crawl_delay=0)
    port = server.server_address[1]
    server.base_url = f"https://localhost:{port}/"
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server, cert
    server.shutdown()
    server.server_close()


def test_self_signed_certificate_is_refused(tls_site, monkeypatch):
    server, _ = tls_site
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    source = make_source(server.base_url, domains=["localhost"])
    with Fetcher(source) as fetcher:
        result = fetcher.fetch(server.base_url + "_fault/ok/tls1")
    assert result.outcome is Outcome.TRANSIENT_FAILED
    assert "TLS verification failed" in result.error and "certificate" in result.error.lower()
    assert server.hits["/_fault/ok/tls1"] == 0


def test_operator_ca_bundle_is_trusted(tls_site, monkeypatch):
    server, cert = tls_site
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
    source = make_source(server.base_url, domains=["localhost"])
    with Fetcher(source) as fetcher:
        result = fetcher.fetch(server.base_url + "_fault/ok/tls2")
    assert result.outcome is Outcome.FETCHED and result.final_url.startswith("https://localhost:")


class _Proxy(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002 - stdlib signature
        pass

    def do_GET(self):
        self.server.seen.append(self.path)  # a forward proxy receives the absolute URL
        body = b"" if self.path.endswith("/robots.txt") else b"<html><body><p>via proxy</p></body></html>"
        self.send_response(404 if not body else 200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def proxy():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Proxy)
    server.daemon_threads, server.seen = True, []
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_proxy_from_standard_environment_variables(proxy, monkeypatch):
    monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{proxy.server_address[1]}")
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    source = make_source("http://news.example.test/", allow_private=False)
    with Fetcher(source) as fetcher:
        result = fetcher.fetch("http://news.example.test/story.html")
    assert result.outcome is Outcome.FETCHED and b"via proxy" in result.body
    assert proxy.seen == ["http://news.example.test/robots.txt", "http://news.example.test/story.html"]


def test_no_proxy_is_honoured(proxy, monkeypatch, site):
    monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{proxy.server_address[1]}")
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    source = make_source(site.base_url)
    with Fetcher(source) as fetcher:
        assert fetcher.fetch(site.base_url + "_fault/ok/np").outcome is Outcome.FETCHED
    assert proxy.seen == []


def test_host_that_keeps_refusing_is_left_alone(site):
    source = make_source(site.base_url, max_retries=1)
    with Fetcher(source, blocked_streak_limit=4) as fetcher:
        results = [fetcher.fetch(f"{site.base_url}_fault/forbidden/brk{i}") for i in range(10)]
    assert [r.outcome for r in results] == [Outcome.BLOCKED] * 10
    assert [r.attempts for r in results] == [2] * 4 + [0] * 6
    assert "not requested" in results[-1].error
    assert get_json(f"{site.base_url}_fault/hits/brk9")["hits"] == 0


def test_a_success_resets_the_blocked_streak(site):
    source = make_source(site.base_url, max_retries=0)
    with Fetcher(source, blocked_streak_limit=2) as fetcher:
        outcomes = [fetcher.fetch(f"{site.base_url}_fault/{path}").outcome
                    for path in ("forbidden/rs1", "ok/rs2", "forbidden/rs3", "ok/rs4")]
    assert outcomes == [Outcome.BLOCKED, Outcome.FETCHED, Outcome.BLOCKED, Outcome.FETCHED]


def test_connected_peer_is_checked_even_when_name_checks_pass(site):
    """The socket-level guard alone (no DNS pre-check) refuses a private peer, and honours an exact exemption."""
    import urllib3
    from newslake.fetching.addresses import PrivateAddressError, guarded_pool_classes

    port = site.server_address[1]
    guarded = urllib3.PoolManager(retries=False)
    guarded.pool_classes_by_scheme = guarded_pool_classes()
    with pytest.raises(PrivateAddressError, match="private address 127.0.0.1"):
        guarded.request("GET", f"http://localhost:{port}/_fault/ok/peer1")
    assert get_json(f"{site.base_url}_fault/hits/peer1")["hits"] == 0

    exempt = urllib3.PoolManager(retries=False)
    exempt.pool_classes_by_scheme = guarded_pool_classes({f"127.0.0.1:{port}"})
    assert exempt.request("GET", f"http://localhost:{port}/_fault/ok/peer2").status == 200
