"""The Fetcher: polite, bounded, safe HTTP GETs for one source, each ending in exactly one Outcome."""

from __future__ import annotations

import logging
import os
import random
import threading
import time
import urllib.request
import zlib
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypedDict
from urllib.parse import urljoin, urlsplit

import urllib3
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import LocationParseError, ProtocolError, SSLError

from newslake.config import SourceConfig
from newslake.fetching.addresses import PrivateAddressError, check_host_resolves_public, endpoint_addresses
from newslake.fetching.compression import BodyTooLarge, CappedDecoder, UnsupportedEncoding, accept_encoding
from newslake.fetching.connections import pacing, pool_classes
from newslake.fetching.content import html_problem, is_gzip, media_type, xml_problem
from newslake.fetching.politeness import HostPacer
from newslake.fetching.result import FetchResult, FetchStats, Outcome
from newslake.fetching.retry import RETRY_STATUSES, backoff_delay, parse_retry_after, status_outcome
from newslake.fetching.robots import RobotsCache, RobotsRules, allow_all, parse_robots, unavailable

log = logging.getLogger(__name__)

KINDS = ("html", "xml", "robots")
_ACCEPT = {
    "html": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1",
    "xml": "application/rss+xml,application/atom+xml,application/xml;q=0.9,text/xml;q=0.9,*/*;q=0.1",
    "robots": "text/plain,*/*;q=0.1",
}
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024


class _PoolKw(TypedDict):
    """Connection-pool settings shared by the direct pool manager and every proxy manager."""

    maxsize: int
    block: bool
    retries: bool
    timeout: urllib3.Timeout
    cert_reqs: str
    ca_certs: str | None


@dataclass
class _Response:
    """What one attempt (one redirect chain) produced before it is mapped to an outcome."""

    final_url: str
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    outcome: Outcome | None = None  # set when the attempt already decided the outcome
    error: str | None = None
    retryable: bool = False


class Fetcher:
    """Polite, safe HTTP client for one source; a context manager holding all per-run politeness state."""

    def __init__(
        self,
        source: SourceConfig,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        exempt_addresses: Collection[str] = (),
        blocked_streak_limit: int = 10,
    ) -> None:
        # exempt_addresses: exact "ip:port" peers allowed although private (a test site standing in for a
        # public one); blocked_streak_limit: after this many blocked URLs in a row a host is not asked again
        # in this run (0 = never give up early).
        self.source = source
        self.config = source.fetch
        self.stats = FetchStats()
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()
        self._rng_lock = threading.Lock()
        self._pacer = HostPacer(self.config.concurrency, sleep=sleep, clock=clock)
        self._robots = RobotsCache()
        self._robots_locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()
        self._timeout = urllib3.Timeout(connect=self.config.connect_timeout, read=self.config.read_timeout)
        self._pool_kw = _PoolKw(
            maxsize=self.config.concurrency,
            block=False,
            retries=False,
            timeout=self._timeout,
            cert_reqs="CERT_REQUIRED",
            ca_certs=_ca_bundle(),
        )
        # sources.yaml allow_private_endpoints: exact private host:port peers; everything else stays guarded.
        exempt_addresses = frozenset(exempt_addresses) | endpoint_addresses(source.allow_private_endpoints)
        self._direct = urllib3.PoolManager(num_pools=16, **self._pool_kw)
        # The guard is checked on the connected socket's peer address, so DNS tricks cannot reach internal hosts.
        self._direct.pool_classes_by_scheme = pool_classes(guard=not source.allow_private_network,
                                                           exempt=exempt_addresses)
        self._proxies: dict[str, urllib3.ProxyManager] = {}
        self._exempt = frozenset(exempt_addresses)
        self._resolved: dict[str, str] = {}  # host:port -> "" (public) or why it is private; per run
        self._blocked_limit = blocked_streak_limit
        self._blocked_streak: dict[str, int] = {}
        self._closed = False

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close pooled connections."""
        self._closed = True
        self._direct.clear()
        for manager in self._proxies.values():
            manager.clear()

    # ------------------------------------------------------------------ public API

    def fetch(
        self, url: str, *, kind: str = "html", validators: Mapping[str, str | None] | None = None
    ) -> FetchResult:
        """GET one URL politely; never raises for network problems, the outcome says what happened."""
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
        started = self._clock()
        try:
            result = self._fetch(url, kind, validators or {}, started)
        except Exception as exc:  # a bug must not lose the rest of a batch; it is logged loudly
            log.exception("unexpected error fetching %s", url)
            result = self._result(url, _Response(url, error=f"internal error: {exc!r}"), Outcome.TRANSIENT_FAILED,
                                  0, started)
        self.stats.add(result.outcome)
        return result

    def fetch_many(
        self,
        urls: Iterable[str],
        *,
        kind: str = "html",
        progress: Callable[[int, int, FetchStats], None] | None = None,
        validators: Mapping[str, Mapping[str, str | None]] | None = None,
    ) -> Iterator[FetchResult]:
        """Fetch many URLs on fetch.concurrency workers (conditional for URLs in validators); yields in completion order."""
        todo = list(urls)
        total = len(todo)
        if not total:
            return
        workers = max(1, min(self.config.concurrency, total))
        pending: set[Future[FetchResult]] = set()
        done_count = 0
        position = 0
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"fetch-{self.source.id}") as pool:
            try:
                # Keep only a small window queued so an abandoned iterator does not fetch everything.
                while position < total or pending:
                    while position < total and len(pending) < workers * 2:
                        url = todo[position]
                        pending.add(pool.submit(self.fetch, url, kind=kind, validators=(validators or {}).get(url)))
                        position += 1
                    finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for future in finished:
                        done_count += 1
                        result = future.result()
                        if progress is not None:
                            progress(done_count, total, self.stats)
                        yield result
            finally:
                for future in pending:
                    future.cancel()

    def robots(self, url: str) -> RobotsRules:
        """The robots.txt rules for url's origin (fetched once per Fetcher, then cached)."""
        parts = urlsplit(url)
        origin = _origin(parts)
        with self._lock:
            lock = self._robots_locks.setdefault(origin, threading.Lock())
        with lock:
            rules = self._robots.get(origin)
            if rules is None:
                rules = self._load_robots(origin)
                self._robots.put(origin, rules)
            return rules

    def delay_for(self, url: str) -> float:
        """Seconds between request starts to url's host: max(fetch.delay_seconds, robots Crawl-delay)."""
        rules = self.robots(url)
        return max(self.config.delay_seconds, rules.crawl_delay or 0.0)

    # ------------------------------------------------------------------ internals

    def _load_robots(self, origin: str) -> RobotsRules:
        response, _attempts = self._with_retries(origin + "/robots.txt", "robots", {}, delay=self.config.delay_seconds)
        status = response.status
        if response.outcome in (Outcome.FETCHED, None) and status is not None and 200 <= status < 300:
            text = (response.body or b"").decode("utf-8", errors="replace")
            return parse_robots(text, self.config.user_agent)
        if status == 429 or (status is not None and status >= 500) or response.outcome is Outcome.TRANSIENT_FAILED:
            reason = response.error or f"HTTP {status}"
            log.warning("robots.txt at %s unavailable (%s); its URLs count as transient", origin, reason)
            return unavailable(reason)
        # 4xx (other than 429), an off-domain redirect or an unusable body: RFC 9309 says crawl freely.
        return allow_all()

    def _fetch(self, url: str, kind: str, validators: Mapping[str, str | None], started: float) -> FetchResult:
        parts = _split(url)
        if parts is None:
            return self._result(url, _Response(url, error="not an absolute http(s) URL"), Outcome.OFF_DOMAIN, 0,
                                started)
        if not self.source.is_allowed_host(parts.hostname):
            return self._result(url, _Response(url, error=f"host {parts.hostname} not in allowed_domains"),
                                Outcome.OFF_DOMAIN, 0, started)
        host = parts.hostname.lower()
        with self._lock:
            streak = self._blocked_streak.get(host, 0)
        if self._blocked_limit and streak >= self._blocked_limit:
            # The host refused the last N URLs even after retries: stop asking instead of retrying forever.
            return self._result(url, _Response(url, error=f"not requested: {host} answered 403/429 to the last "
                                               f"{streak} URLs after retries"), Outcome.BLOCKED, 0, started)
        delay = self.config.delay_seconds
        if kind != "robots":
            rules = self.robots(url)
            if not rules.available:
                error = f"robots.txt unavailable ({rules.reason}); try later"
                return self._result(url, _Response(url, error=error), Outcome.TRANSIENT_FAILED, 0, started)
            if not rules.allowed(url):
                return self._result(url, _Response(url, error="disallowed by robots.txt"),
                                    Outcome.ROBOTS_DISALLOWED, 0, started)
            delay = max(delay, rules.crawl_delay or 0.0)
        headers = {}
        if validators.get("etag"):
            headers["If-None-Match"] = str(validators["etag"])
        if validators.get("last_modified"):
            headers["If-Modified-Since"] = str(validators["last_modified"])
        response, attempts = self._with_retries(url, kind, headers, delay=delay)
        outcome = self._outcome(response, kind)
        if outcome is Outcome.BLOCKED or response.status is not None:
            with self._lock:
                blocked = outcome is Outcome.BLOCKED
                self._blocked_streak[host] = self._blocked_streak.get(host, 0) + 1 if blocked else 0
        return self._result(url, response, outcome, attempts, started)

    def _with_retries(self, url: str, kind: str, extra_headers: dict[str, str], *, delay: float) -> tuple[_Response, int]:
        """Run attempts until one is final or retries are spent; honours Retry-After and backs off with jitter."""
        attempt = 0
        while True:
            attempt += 1
            response = self._attempt(url, kind, extra_headers, delay)
            if kind == "robots" and response.status in (401, 403):
                response.retryable = False  # RFC 9309: an access-denied robots.txt means "crawl freely"
            if not response.retryable or attempt > self.config.max_retries:
                return response, attempt
            retry_after = parse_retry_after(response.headers.get("retry-after"))
            if retry_after is not None:
                if retry_after > self.config.max_retry_after:
                    response.error = (f"Retry-After {retry_after:.0f}s exceeds fetch.max_retry_after "
                                      f"{self.config.max_retry_after:.0f}s; not retried sooner than asked")
                    return response, attempt
                # Retry-After speaks for the whole host, so every thread waits, not just this URL.
                self._pacer.push_back(_host(response.final_url), retry_after)
            else:
                with self._rng_lock:
                    pause = backoff_delay(attempt, base=self.config.backoff_base, cap=self.config.backoff_cap,
                                          rng=self._rng)
                self._sleep(pause)

    def _attempt(self, url: str, kind: str, extra_headers: dict[str, str], delay: float) -> _Response:
        """One request chain: follow redirects within allowed domains, read the body under the size cap."""
        current = url
        seen = set()
        for hop in range(self.config.max_redirects + 1):
            if current in seen:
                return _Response(current, outcome=Outcome.REDIRECT_LOOP,
                                 error=f"redirect loop: after {hop} redirects {current} redirects back to itself")
            seen.add(current)
            parts = _split(current)
            if parts is None:
                return _Response(current, outcome=Outcome.OFF_DOMAIN, error=f"redirect to unsupported URL {current!r}")
            if not self.source.is_allowed_host(parts.hostname):
                return _Response(current, outcome=Outcome.OFF_DOMAIN,
                                 error=f"redirect to host {parts.hostname} not in allowed_domains")
            if hop and kind != "robots":
                rules = self.robots(current)
                if not rules.available:
                    return _Response(current, outcome=Outcome.TRANSIENT_FAILED,
                                     error=f"robots.txt of redirect target unavailable ({rules.reason})")
                if not rules.allowed(current):
                    return _Response(current, outcome=Outcome.ROBOTS_DISALLOWED,
                                     error="redirect target disallowed by robots.txt")
                delay = max(delay, rules.crawl_delay or 0.0)
            response = self._request(current, parts, kind, extra_headers, delay)
            location = response.headers.get("location")
            if response.outcome is None and response.status in _REDIRECTS and location:
                current = urljoin(current, location.strip())
                continue
            return response
        return _Response(current, outcome=Outcome.REDIRECT_LOOP,
                         error=f"more than {self.config.max_redirects} redirects (fetch.max_redirects)")

    def _manager(self, parts) -> urllib3.PoolManager:
        if not self.source.allow_private_network:
            # Refuse before connecting; the guarded connection re-checks the peer it really reached (DNS
            # rebinding), and behind a proxy this DNS answer is the only view of the target we get.
            port = parts.port or (443 if parts.scheme == "https" else 80)
            target = f"{parts.hostname.lower()}:{port}"
            with self._lock:
                verdict = self._resolved.get(target)
            if verdict is None:
                try:
                    check_host_resolves_public(parts.hostname, port, self._exempt)
                    verdict = ""
                except PrivateAddressError as exc:
                    verdict = str(exc)
                with self._lock:
                    self._resolved[target] = verdict
            if verdict:
                raise PrivateAddressError(verdict)
        proxy = _proxy_for(parts)
        if proxy is None:
            return self._direct
        with self._lock:
            manager = self._proxies.get(proxy)
            if manager is None:
                manager = self._proxies[proxy] = urllib3.ProxyManager(proxy, num_pools=16, **self._pool_kw)
                # Paced, not guarded: the proxy itself is usually on a private network.
                manager.pool_classes_by_scheme = pool_classes(guard=False)
            return manager

    def _request(self, url: str, parts, kind: str, extra_headers: dict[str, str], delay: float) -> _Response:
        headers = {
            "User-Agent": self.config.user_agent,
            "Accept": _ACCEPT[kind],
            "Accept-Encoding": accept_encoding(),
            **extra_headers,
        }
        if self.source.languages:
            headers["Accept-Language"] = ", ".join(
                [self.source.languages[0]] + [f"{lang};q=0.8" for lang in self.source.languages[1:]]
            )
        cap = self.config.max_bytes
        try:
            manager = self._manager(parts)
            with self._pacer.slot(parts.hostname.lower(), delay) as gate, pacing(gate):
                raw = self._open(manager, url, headers)
                complete = False
                try:
                    status = raw.status
                    resp_headers = {k.lower(): v for k, v in raw.headers.items()}
                    response = _Response(url, status=status, headers=resp_headers)
                    if not 200 <= status < 300:
                        # Error and redirect bodies are never used; drop the connection rather than read them.
                        response.retryable = status in RETRY_STATUSES or status >= 500
                        return response
                    length = resp_headers.get("content-length", "")
                    if length.isdigit() and int(length) > cap and not resp_headers.get("content-encoding"):
                        return _too_large(response, f"Content-Length {length} exceeds fetch.max_bytes {cap}")
                    response.body = self._read_body(raw, resp_headers, cap, truncate=kind == "robots")
                    complete = True
                    return response
                finally:
                    if not complete:
                        raw.close()
                    raw.release_conn()
        except BodyTooLarge as exc:
            return _Response(url, outcome=Outcome.TOO_LARGE, error=str(exc))
        except UnsupportedEncoding as exc:
            return _Response(url, outcome=Outcome.NOT_HTML, error=str(exc))
        except PrivateAddressError as exc:
            return _Response(url, outcome=Outcome.OFF_DOMAIN, error=f"refused private address: {exc}")
        except SSLError as exc:
            # Never retried and never bypassed: a failing certificate may be an interception attempt.
            return _Response(url, outcome=Outcome.TRANSIENT_FAILED, error=f"TLS verification failed: {exc}")
        except LocationParseError as exc:
            return _Response(url, outcome=Outcome.OFF_DOMAIN, error=f"invalid URL: {exc}")
        except zlib.error as exc:
            return _Response(url, error=f"corrupt compressed body: {exc}", retryable=True)
        except (Urllib3Error, OSError) as exc:
            return _Response(url, error=f"{type(exc).__name__}: {exc}", retryable=True)

    def _open(self, manager: urllib3.PoolManager, url: str, headers: dict[str, str]):
        """urlopen without urllib3's own retries, except one immediate retry when a pooled connection was stale."""
        for fresh in (False, True):
            try:
                return manager.urlopen("GET", url, headers=headers, redirect=False, retries=False,
                                       preload_content=False, decode_content=False, timeout=self._timeout)
            except ProtocolError:
                # The server closed a kept-alive connection before answering (it may not send
                # "Connection: close"); that is not a failed attempt, so try once on a new connection.
                if fresh:
                    raise
        raise AssertionError("unreachable")

    def _read_body(self, raw, headers: dict[str, str], cap: int, *, truncate: bool) -> bytes:
        decoder = CappedDecoder(headers.get("content-encoding"), cap)
        # read_timeout bounds each socket read; this bounds a server that drips bytes forever.
        budget = self.config.connect_timeout + 2 * self.config.read_timeout
        deadline = time.monotonic() + budget
        pieces: list[bytes] = []
        try:
            # read1 returns what one socket read gives, so the budget is checked while a server drips.
            while chunk := raw.read1(_CHUNK, decode_content=False):
                pieces.append(decoder.feed(chunk))
                if time.monotonic() > deadline:
                    raise TimeoutError(f"body not complete within {budget:.1f}s")
            pieces.append(decoder.finish())
        except BodyTooLarge:
            if truncate:
                return b"".join(pieces)[:cap]
            raise
        return b"".join(pieces)

    def _outcome(self, response: _Response, kind: str) -> Outcome:
        if response.outcome is not None:
            return response.outcome
        status = response.status
        if status is None:
            return Outcome.TRANSIENT_FAILED
        if 200 <= status < 300:
            body = response.body or b""
            if kind == "xml" and is_gzip(body):
                try:
                    response.body = body = _gunzip_capped(body, self.config.max_bytes)
                except BodyTooLarge as exc:
                    response.body, response.error = None, str(exc)
                    return Outcome.TOO_LARGE
                except (OSError, EOFError, zlib.error) as exc:
                    response.body, response.error = None, f"broken gzip body: {exc}"
                    return Outcome.NOT_HTML
            check = {"html": html_problem, "xml": xml_problem}.get(kind)
            problem = check(response.headers.get("content-type"), body) if check else None
            if problem:
                response.body, response.error = None, problem
                return Outcome.NOT_HTML
            return Outcome.FETCHED
        outcome = status_outcome(status)
        if outcome is not Outcome.NOT_MODIFIED:
            response.error = response.error or f"HTTP {status}" + (" after retries" if response.retryable else "")
        return outcome

    def _result(self, url: str, response: _Response, outcome: Outcome, attempts: int, started: float) -> FetchResult:
        body = response.body if outcome is Outcome.FETCHED else None
        return FetchResult(
            url=url,
            final_url=response.final_url,
            status=response.status,
            outcome=outcome,
            headers=dict(response.headers),
            body=body,
            content_type=media_type(response.headers.get("content-type")),
            fetched_at=datetime.now(UTC),
            attempts=attempts,
            error=response.error if outcome is not Outcome.FETCHED else None,
            elapsed=max(0.0, self._clock() - started),
        )


def _ca_bundle() -> str | None:
    """CA bundle: the operator's REQUESTS_CA_BUNDLE / SSL_CERT_FILE, else certifi's. Verification stays on."""
    for name in ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"):
        path = os.environ.get(name)
        if path and os.path.isfile(path):
            return path
    try:
        import certifi
    except ImportError:
        return None
    return certifi.where()


def _split(url: str):
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return parts


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def _origin(parts) -> str:
    """'scheme://host[:port]' with the default port left out, as robots.txt URLs are usually written."""
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    default = 443 if parts.scheme == "https" else 80
    return f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port and parts.port != default else "")


def _proxy_for(parts) -> str | None:
    """The proxy from the standard *_proxy environment variables for this URL, honouring no_proxy."""
    proxies = urllib.request.getproxies_environment()
    proxy = proxies.get(parts.scheme) or proxies.get("all")
    if not proxy:
        return None
    # proxy_bypass_environment is stdlib (used by urllib itself) but undocumented, so typeshed omits it.
    if urllib.request.proxy_bypass_environment(parts.hostname, proxies):  # type: ignore[attr-defined]
        return None
    return proxy


def _too_large(response: _Response, error: str) -> _Response:
    response.outcome, response.error = Outcome.TOO_LARGE, error
    return response


def _gunzip_capped(body: bytes, cap: int) -> bytes:
    decoder = CappedDecoder("gzip", cap)
    data = decoder.feed(body) + decoder.finish()
    if not data and body:
        raise OSError("empty gzip stream")
    return data

