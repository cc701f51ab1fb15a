"""Every demo-site fault mode against the real Fetcher over HTTP: the outcome, that it finishes, nothing valid lost."""

from __future__ import annotations

import time

import pytest
from integration.fetching.fault_servers import get_json, make_source, serve
from newslake.fetching import Fetcher, Outcome, decode_html
from newslake.fetching.encoding import detect_encoding

pytestmark = pytest.mark.integration

CYRILLIC_WORDS = "Суд приговорил блогера"


@pytest.fixture(scope="module")
def site():
    yield from serve(0)


@pytest.fixture(scope="module")
def internal():
    """A second server standing in for an internal service that must never be reached."""
    yield from serve(0)


def hits(server, key: str) -> int:
    return get_json(f"{server.base_url}_fault/hits/{key}")["hits"]


# Each case: path under the site, expected outcome, a substring the error must contain (or None).
FAULT_MATRIX = [
    ("_fault/retry-after/m429s?n=1&secs=1", Outcome.FETCHED, None),
    ("_fault/retry-after/m429d?n=1&secs=1&form=date", Outcome.FETCHED, None),
    ("_fault/unavailable/m503?n=2", Outcome.FETCHED, None),
    ("_fault/unavailable/m503x?n=99", Outcome.TRANSIENT_FAILED, "503"),
    ("_fault/slow/mslow?secs=3", Outcome.TRANSIENT_FAILED, "timed out"),
    ("_fault/slow/mdrip?secs=3&phase=body", Outcome.TRANSIENT_FAILED, "timed out"),
    ("_fault/reset/mreset", Outcome.TRANSIENT_FAILED, "reset"),
    ("_fault/truncated/mtrunc", Outcome.TRANSIENT_FAILED, "IncompleteRead"),
    ("_fault/big/mbig?mb=50", Outcome.TOO_LARGE, "exceeds"),
    ("_fault/big/mbiglen?mb=50&length=1", Outcome.TOO_LARGE, "Content-Length"),
    ("_fault/gzip-bomb/mbomb", Outcome.TOO_LARGE, "gzip"),
    ("_fault/br-bomb/mbr?gb=0.25", Outcome.TOO_LARGE, "br"),
    ("_fault/redirect-loop/mloop/a", Outcome.REDIRECT_LOOP, "redirect loop"),
    ("_fault/redirect-offsite/moff", Outcome.OFF_DOMAIN, "offsite.invalid"),
    ("private/secret-page/", Outcome.ROBOTS_DISALLOWED, "robots"),
    ("_fault/wrong-charset/mwrong", Outcome.FETCHED, None),
    ("_fault/charset/m1251?enc=cp1251&declare=none", Outcome.FETCHED, None),
    ("_fault/binary/mbin/photo.html", Outcome.NOT_HTML, "binary"),
    ("_fault/pdf/mpdf", Outcome.NOT_HTML, "application/pdf"),
    ("_fault/forbidden/m403", Outcome.BLOCKED, "403"),
    ("_fault/status/m404?code=404", Outcome.GONE, None),
    ("_fault/status/m410?code=410", Outcome.GONE, None),
]


def test_fault_batch_every_url_gets_its_outcome_and_valid_pages_survive(site):
    """One fetch_many over all faults mixed with valid pages: each URL ends once, in the expected outcome."""
    source = make_source(site.base_url, read_timeout=0.4, max_retries=2, max_retry_after=5)
    valid = [f"{site.base_url}_fault/ok/valid{i}" for i in range(8)]
    faults = {site.base_url + path: (outcome, needle) for path, outcome, needle in FAULT_MATRIX}
    urls = list(faults) + valid
    seen = []
    started = time.monotonic()
    with Fetcher(source) as fetcher:
        results = list(fetcher.fetch_many(urls, progress=lambda done, total, stats: seen.append((done, total))))
    elapsed = time.monotonic() - started

    assert sorted(r.url for r in results) == sorted(urls), "exactly one result per URL"
    by_url = {r.url: r for r in results}
    for url in valid:
        assert by_url[url].outcome is Outcome.FETCHED and b"Recovered page" in by_url[url].body
    for url, (outcome, needle) in faults.items():
        result = by_url[url]
        assert result.outcome is outcome, (url, result.outcome, result.error)
        if needle:
            assert needle.lower() in (result.error or "").lower(), (url, result.error)
        if outcome is not Outcome.FETCHED:
            assert result.body is None
    assert fetcher.stats.total == len(urls)
    assert fetcher.stats[Outcome.FETCHED] == len(valid) + 5
    assert seen[-1] == (len(urls), len(urls))
    assert elapsed < 20


def test_retry_after_seconds_is_waited_for(site):
    source = make_source(site.base_url)
    with Fetcher(source) as fetcher:
        started = time.monotonic()
        result = fetcher.fetch(site.base_url + "_fault/retry-after/ra1?n=1&secs=1")
    assert result.outcome is Outcome.FETCHED
    assert result.attempts == 2
    assert time.monotonic() - started >= 0.95
    assert hits(site, "ra1") == 2


def test_retry_after_http_date_is_waited_for(site):
    source = make_source(site.base_url)
    with Fetcher(source) as fetcher:
        started = time.monotonic()
        result = fetcher.fetch(site.base_url + "_fault/retry-after/ra2?n=1&secs=1&form=date")
    assert result.outcome is Outcome.FETCHED and result.attempts == 2
    assert time.monotonic() - started >= 0.95


def test_retry_after_beyond_cap_is_not_retried_early(site):
    """Asked to come back in 60 s with a 2 s cap: give up (blocked) instead of retrying sooner than asked."""
    source = make_source(site.base_url, max_retry_after=2)
    with Fetcher(source) as fetcher:
        started = time.monotonic()
        result = fetcher.fetch(site.base_url + "_fault/retry-after/ra3?n=5&secs=60")
    assert result.outcome is Outcome.BLOCKED
    assert result.attempts == 1 and "max_retry_after" in result.error
    assert time.monotonic() - started < 1
    assert hits(site, "ra3") == 1


def test_persistent_429_ends_blocked_after_bounded_retries(site):
    source = make_source(site.base_url, max_retries=2)
    with Fetcher(source) as fetcher:
        result = fetcher.fetch(site.base_url + "_fault/retry-after/ra4?n=99&secs=0")
    assert result.outcome is Outcome.BLOCKED and result.status == 429
    assert result.attempts == 3 and hits(site, "ra4") == 3


def test_503_then_success_and_persistent_503(site):
    source = make_source(site.base_url, max_retries=3)
    with Fetcher(source) as fetcher:
        ok = fetcher.fetch(site.base_url + "_fault/unavailable/u1?n=2")
        bad = fetcher.fetch(site.base_url + "_fault/unavailable/u2?n=99")
    assert ok.outcome is Outcome.FETCHED and ok.attempts == 3
    assert bad.outcome is Outcome.TRANSIENT_FAILED and bad.attempts == 4 and bad.status == 503
    assert hits(site, "u2") == 4


def test_slow_response_times_out_within_budget(site):
    source = make_source(site.base_url, read_timeout=0.3, max_retries=1)
    with Fetcher(source) as fetcher:
        started = time.monotonic()
        result = fetcher.fetch(site.base_url + "_fault/slow/s1?secs=2")
    assert result.outcome is Outcome.TRANSIENT_FAILED and result.attempts == 2
    assert time.monotonic() - started < 1.5


def test_drip_feed_is_stopped_by_the_total_budget(site):
    """Bytes keep coming faster than read_timeout, so only the whole-body budget (connect + 2 x read) ends it."""
    source = make_source(site.base_url, connect_timeout=0.2, read_timeout=0.3, max_retries=0)
    with Fetcher(source) as fetcher:
        started = time.monotonic()
        result = fetcher.fetch(site.base_url + "_fault/drip/d1?secs=4&every=0.1")
    assert result.outcome is Outcome.TRANSIENT_FAILED and "body not complete" in result.error
    assert time.monotonic() - started < 2


def test_forbidden_always_is_blocked(site):
    source = make_source(site.base_url, max_retries=1)
    with Fetcher(source) as fetcher:
        result = fetcher.fetch(site.base_url + "_fault/forbidden/f1")
    assert result.outcome is Outcome.BLOCKED and result.status == 403 and result.attempts == 2


def test_size_cap_applies_to_plain_and_decompressed_bodies(site):
    source = make_source(site.base_url, max_bytes=1_000_000)
    with Fetcher(source) as fetcher:
        started = time.monotonic()
        big = fetcher.fetch(site.base_url + "_fault/big/b1?mb=50")
        bomb = fetcher.fetch(site.base_url + "_fault/gzip-bomb/b2?gb=1")
        fine = fetcher.fetch(site.base_url + "_fault/ok/b3")
    assert big.outcome is Outcome.TOO_LARGE and big.attempts == 1
    assert bomb.outcome is Outcome.TOO_LARGE and "1000000" in bomb.error
    assert fine.outcome is Outcome.FETCHED
    assert time.monotonic() - started < 5


def test_gzip_encoded_page_is_decoded(site):
    """A normal gzip-encoded page (the real demo site compresses nothing, so use the bomb at a tiny size)."""
    source = make_source(site.base_url, max_bytes=40 << 20)
    with Fetcher(source) as fetcher:
        result = fetcher.fetch(site.base_url + "_fault/gzip-bomb/g1?gb=0.01", kind="robots")
    assert result.outcome is Outcome.FETCHED
    assert len(result.body) >= 10 << 20 and set(result.body[:4096]) == {0}


def test_redirect_loop_is_its_own_outcome_and_stops_at_the_first_repeat(site):
    source = make_source(site.base_url, max_redirects=5)
    with Fetcher(source) as fetcher:
        result = fetcher.fetch(site.base_url + "_fault/redirect-loop/l1/a")
    assert result.outcome is Outcome.REDIRECT_LOOP and "redirects back to itself" in result.error
    assert result.attempts == 1  # a loop is not retried
    assert hits(site, "l1") == 2  # a -> b -> a: the repeat of a is never requested


def test_a_chain_longer_than_max_redirects_is_a_redirect_loop(site):
    source = make_source(site.base_url, max_redirects=1)
    with Fetcher(source) as fetcher:
        result = fetcher.fetch(site.base_url + "_fault/redirect-loop/l2/a")
    assert result.outcome is Outcome.REDIRECT_LOOP and "more than 1 redirects" in result.error
    assert hits(site, "l2") == 2


def test_redirect_loops_do_not_count_toward_blocking(site, local_store):
    """Finding 4: a day whose pages all loop is not 'the source may be blocking us' and not 'try later'."""
    import json
    from datetime import date

    from newslake.pipeline import RunContext, day_interval, fetch_stage

    source = make_source(site.base_url, max_retries=2)
    start, end = day_interval(date(2026, 11, 18))
    ctx = RunContext(source, start, end, "run-loops", local_store)
    urls = [site.base_url + f"_fault/redirect-loop/lb{i}/a" for i in range(6)]
    key = ctx.work_key("candidates.json")
    local_store.put(key, json.dumps({"candidates": [{"url": u} for u in urls]}).encode())
    with Fetcher(source, blocked_streak_limit=2) as fetcher:
        result = fetch_stage(ctx, fetcher, ctx.first_result().then("discover", {}, start, candidates=key))
    counts = result.counts["fetch"]
    assert counts["redirect_loop"] == 6 and counts["transient_failed"] == 0 and counts["blocked"] == 0
    assert all(hits(site, f"lb{i}") == 2 for i in range(6))  # each asked once, none given up as blocked


def test_redirect_to_other_domain_is_not_followed(site):
    source = make_source(site.base_url)
    with Fetcher(source) as fetcher:
        result = fetcher.fetch(site.base_url + "_fault/redirect-offsite/o1?to=http://evil.example.org/x")
    assert result.outcome is Outcome.OFF_DOMAIN
    assert result.final_url == "http://evil.example.org/x"


def test_redirect_to_private_address_is_refused(site, internal):
    """The source may not use private addresses; the test site stands in for a public one via an exemption
    for its exact ip:port, so a redirect to another loopback service must be refused before any request."""
    port = site.server_address[1]
    internal_port = internal.server_address[1]
    source = make_source(f"http://127.0.0.1:{port}/", allow_private=False, domains=["127.0.0.1", "localhost"])
    target = f"http://localhost:{internal_port}/_fault/ok/secret"
    with Fetcher(source, exempt_addresses={f"127.0.0.1:{port}"}) as fetcher:
        normal = fetcher.fetch(site.base_url + "_fault/ok/pub")
        redirected = fetcher.fetch(site.base_url + f"_fault/redirect-to/p1?to={target}")
        literal = fetcher.fetch(site.base_url + f"_fault/redirect-to/p2?to=http://127.0.0.1:{internal_port}/x")
        direct = fetcher.fetch(target)
    assert normal.outcome is Outcome.FETCHED
    for result in (redirected, literal, direct):
        assert result.outcome is Outcome.OFF_DOMAIN
        assert "private address" in result.error
    assert hits(internal, "secret") == 0
    assert internal.hits.total() == 1  # only our own hits query above


def test_host_name_that_resolves_private_is_refused():
    """'localhost' is not an IP literal: only the resolved address shows it is loopback."""
    source = make_source("http://localhost:9/", allow_private=False, domains=["localhost"])
    with Fetcher(source) as fetcher:
        result = fetcher.fetch("http://localhost:9/page")
    assert result.outcome is Outcome.OFF_DOMAIN and "private address" in result.error


def test_robots_disallow_makes_no_request(site):
    source = make_source(site.base_url)
    with Fetcher(source) as fetcher:
        result = fetcher.fetch(site.base_url + "private/staff-only/")
        allowed = fetcher.fetch(site.base_url + "_fault/ok/r1")
    assert result.outcome is Outcome.ROBOTS_DISALLOWED and result.attempts == 0
    assert allowed.outcome is Outcome.FETCHED
    assert site.hits["/private/staff-only/"] == 0


@pytest.mark.parametrize("enc", ["cp1251", "koi8-r"])
@pytest.mark.parametrize("declare", ["header", "meta", "none"])
def test_cyrillic_pages_decode_to_correct_text(site, enc, declare):
    source = make_source(site.base_url)
    with Fetcher(source) as fetcher:
        result = fetcher.fetch(site.base_url + f"_fault/charset/c-{enc}-{declare}?enc={enc}&declare={declare}")
    assert result.outcome is Outcome.FETCHED
    text = decode_html(result.body, result.headers)
    assert CYRILLIC_WORDS in text and "свободу слова" in text


def test_wrong_charset_header_is_overruled_by_utf8_bytes(site):
    source = make_source(site.base_url)
    with Fetcher(source) as fetcher:
        result = fetcher.fetch(site.base_url + "_fault/wrong-charset/w1")
    assert "iso-8859-1" in result.headers["content-type"]
    assert detect_encoding(result.body, result.headers)[0] == "utf-8"
    text = decode_html(result.body, result.headers)
    assert "Café résumé" in text and CYRILLIC_WORDS in text


def test_binary_and_non_html_content_are_not_html(site):
    source = make_source(site.base_url)
    with Fetcher(source) as fetcher:
        png = fetcher.fetch(site.base_url + "_fault/binary/n1/photo.html")
        pdf = fetcher.fetch(site.base_url + "_fault/pdf/n2")
    assert png.outcome is Outcome.NOT_HTML and png.content_type == "text/html" and png.body is None
    assert pdf.outcome is Outcome.NOT_HTML and pdf.content_type == "application/pdf"
    assert png.attempts == pdf.attempts == 1  # a server-closed keep-alive connection costs no attempt


def test_conditional_get_returns_not_modified(site):
    source = make_source(site.base_url)
    with Fetcher(source) as fetcher:
        first = fetcher.fetch(site.base_url + "rss.xml", kind="xml")
        again = fetcher.fetch(site.base_url + "rss.xml", kind="xml", validators=first.validators)
        by_date = fetcher.fetch(site.base_url + "rss.xml", kind="xml",
                                validators={"last_modified": first.last_modified})
    assert first.outcome is Outcome.FETCHED and first.etag and first.last_modified
    assert again.outcome is Outcome.NOT_MODIFIED and again.status == 304 and again.body is None
    assert by_date.outcome is Outcome.NOT_MODIFIED


def test_robots_is_fetched_once_per_fetcher_and_user_agent_is_honest(site):
    source = make_source(site.base_url)
    before = site.hits["/robots.txt"]
    with Fetcher(source) as fetcher:
        for i in range(5):
            assert fetcher.fetch(site.base_url + f"_fault/ok/ua{i}").outcome is Outcome.FETCHED
    assert site.hits["/robots.txt"] - before == 1
    agents = {agent for _, path, agent in list(site.recent) if path.startswith("/_fault/ok/ua")}
    assert agents == {source.fetch.user_agent}


def test_gzipped_sitemap_file_is_unpacked_for_xml(site):
    source = make_source(site.base_url)
    with Fetcher(source) as fetcher:
        result = fetcher.fetch(site.base_url + "_fault/sitemap-gz/sm1/sitemap.xml.gz", kind="xml")
        as_html = fetcher.fetch(site.base_url + "_fault/sitemap-gz/sm2/sitemap.xml.gz")
    assert result.outcome is Outcome.FETCHED and result.body.startswith(b"<?xml")
    assert b"/en/story-sm1/" in result.body
    assert as_html.outcome is Outcome.NOT_HTML
