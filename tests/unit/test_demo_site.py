"""The Steppe Wire demo site over real HTTP: discovery surfaces, validators, encodings, traps and the answer key."""

from __future__ import annotations

import json
import re
import signal
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

import pytest
from bs4 import BeautifulSoup
from fixtures_demo import start_demo_site

NS = {
    "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
    "atom": "http://www.w3.org/2005/Atom",
}
ARTICLE_LINK = re.compile(r"/(amp/)?(en|ru)/(\d{4}/\d{2}/\d{2}|features)/[^/]+/$")


def get(url: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, {k.lower(): v for k, v in err.headers.items()}, err.read()


def utc(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def strip_query(url: str) -> str:
    return url.split("?", 1)[0]


@pytest.fixture(scope="module")
def key(demo_site):
    return demo_site.answer_key


@pytest.fixture(scope="module")
def pages(demo_site, key):
    """Every answer-key article fetched once: url -> (status, headers, body)."""
    return {a["url"]: get(a["url"]) for a in key["articles"]}


def test_answer_key_covers_days_languages_and_all_trap_kinds(key):
    assert key["site"] == "Steppe Wire"
    assert len(key["articles"]) >= 40
    assert len(key["days"]) >= 5 and key["days"] == sorted(key["days"])
    assert {a["language"] for a in key["articles"]} == {"en", "ru"}
    kinds = {t["kind"] for t in key["traps"]}
    assert kinds == {"no_date", "duplicate", "stub", "not_found", "server_error", "robots_disallowed"}
    assert {t["day"] for t in key["traps"]} <= {"2026-11-18", "2026-11-19", "2026-11-20"}
    for day, counts in key["per_day"].items():
        assert counts["articles"] == sum(a["day"] == day for a in key["articles"])
    urls = [a["url"] for a in key["articles"]]
    assert len(set(urls)) == len(urls)
    assert not set(urls) & {t["url"] for t in key["traps"]}, "traps are not valid articles"
    for a in key["articles"]:
        assert a["published_at"].endswith("Z") and a["published_at"][:10] == a["day"]
        assert a["dateline"] == f"{a['dateline_place'].upper()} (NL) —"
        assert 120 <= a["word_count"] <= 350


def test_answer_key_function_matches_http(demo_site, key):
    from demo_site.server import answer_key

    assert answer_key(demo_site.base_url) == key


def test_late_night_article_belongs_to_previous_utc_day(key):
    late = [a for a in key["articles"] if a["published_at"] == "2026-11-20T21:30:00Z"]
    assert len(late) == 1
    assert late[0]["day"] == "2026-11-20" and "/2026/11/20/" in late[0]["url"]


def test_robots_txt_announces_delay_private_area_and_sitemap(demo_site):
    status, headers, body = get(demo_site.url("/robots.txt"))
    text = body.decode()
    assert status == 200 and headers["content-type"].startswith("text/plain")
    assert "User-agent: *" in text and "Disallow: /private/" in text
    assert re.search(r"^Crawl-delay: 0$", text, re.M)
    assert f"Sitemap: {demo_site.base_url}sitemap.xml" in text


def test_rss_and_atom_list_the_fifteen_newest_articles(demo_site, key):
    newest = sorted(key["articles"], key=lambda a: a["published_at"], reverse=True)[:15]
    expected = [a["url"] for a in newest]

    rss = ET.fromstring(get(demo_site.url("/rss.xml"))[2])
    items = rss.findall("./channel/item")
    assert [strip_query(i.findtext("link")) for i in items] == expected
    by_url = {a["url"]: a for a in key["articles"]}
    for item in items:
        pub = parsedate_to_datetime(item.findtext("pubDate")).astimezone(UTC)
        assert pub.strftime("%Y-%m-%dT%H:%M:%SZ") == by_url[item.findtext("guid")]["published_at"]

    atom = ET.fromstring(get(demo_site.url("/atom.xml"))[2])
    entries = atom.findall("atom:entry", NS)
    assert [e.find("atom:link", NS).get("href") for e in entries] == expected
    for entry in entries:
        published = datetime.fromisoformat(entry.findtext("atom:published", namespaces=NS))
        updated = datetime.fromisoformat(entry.findtext("atom:updated", namespaces=NS))
        assert published.tzinfo is not None and updated >= published


def test_sitemap_index_leads_to_news_and_posts_sitemaps(demo_site, key):
    index = ET.fromstring(get(demo_site.url("/sitemap.xml"))[2])
    locs = [e.text for e in index.findall("sm:sitemap/sm:loc", NS)]
    assert len(locs) == 2 and all(loc.startswith(demo_site.base_url) for loc in locs)
    news_url = next(loc for loc in locs if "news" in loc)
    posts_url = next(loc for loc in locs if "posts" in loc)

    news = ET.fromstring(get(news_url)[2])
    rows = news.findall("sm:url", NS)
    recent_days = set(key["days"][-2:])
    assert {r.findtext("sm:loc", namespaces=NS) for r in rows} == {
        a["url"] for a in key["articles"] if a["day"] in recent_days}
    for row in rows:
        when = datetime.fromisoformat(row.findtext("news:news/news:publication_date", namespaces=NS))
        assert when.astimezone(UTC).strftime("%Y-%m-%d") in recent_days
        assert row.findtext("news:news/news:title", namespaces=NS)
        assert row.findtext("news:news/news:publication/news:language", namespaces=NS) in ("en", "ru")

    posts = ET.fromstring(get(posts_url)[2])
    lastmod = {r.findtext("sm:loc", namespaces=NS): r.findtext("sm:lastmod", namespaces=NS)
               for r in posts.findall("sm:url", NS)}
    assert {a["url"] for a in key["articles"]} <= set(lastmod)
    sitemap_traps = {t["url"]: t for t in key["traps"] if t["kind"] in ("not_found", "robots_disallowed", "stub")}
    assert set(sitemap_traps) <= set(lastmod)
    for url, trap in sitemap_traps.items():
        assert datetime.fromisoformat(lastmod[url]).astimezone(UTC).strftime("%Y-%m-%d") == trap["day"]


def _crawl_archive(demo_site, day: str) -> tuple[list[list[str]], list[str]]:
    """Follow rel=next from the day's first archive page; return article links per page and page URLs."""
    url = demo_site.url(f"/archive/{day.replace('-', '/')}/")
    pages_links, seen = [], []
    while url:
        status, _, body = get(url)
        assert status == 200, url
        seen.append(url)
        soup = BeautifulSoup(body, "html.parser")
        links = [a["href"] for a in soup.find_all("a", href=True)]
        pages_links.append([u for u in links if ARTICLE_LINK.search(urlsplit(u).path)])
        nxt = soup.find("a", rel="next")
        url = nxt["href"] if nxt else None
        assert len(seen) < 10
    return pages_links, seen


def test_archive_pages_cover_exactly_the_days_articles(demo_site, key):
    for day in key["days"]:
        per_page, page_urls = _crawl_archive(demo_site, day)
        found = [u for links in per_page for u in links]
        expected = {a["url"] for a in key["articles"] if a["day"] == day}
        expected |= {t["url"] for t in key["traps"] if t["day"] == day
                     and t["kind"] in ("no_date", "duplicate", "stub", "server_error")}
        assert set(found) == expected, day
        assert len(found) == len(set(found))
        assert all(len(links) <= 5 for links in per_page)
        assert len(page_urls) == -(-len(expected) // 5) >= 2
        assert page_urls[1].endswith(f"/archive/{day.replace('-', '/')}/page/2/")
    status, _, _ = get(demo_site.url("/archive/2026/11/16/page/9/"))
    assert status == 404


def test_articles_match_the_answer_key(key, pages):
    for a in key["articles"]:
        status, headers, body = pages[a["url"]]
        assert status == 200, a["url"]
        assert headers["etag"] and headers["last-modified"]
        charset = headers["content-type"].split("charset=")[1]
        assert charset == a["encoding"]
        soup = BeautifulSoup(body.decode(charset), "html.parser")
        assert soup.html["lang"].startswith(a["language"])
        assert soup.find("link", rel="canonical")["href"] == a["canonical_url"]
        assert soup.find("meta", property="og:title")["content"] == a["title"]
        text = soup.get_text("\n")
        assert a["dateline"] + " " in text
        assert a["body"].split("\n\n")[-1] in text
        blocks = soup.find_all("script", type="application/ld+json")
        assert bool(blocks) == a["has_jsonld"], a["url"]
        if blocks:
            data = json.loads(blocks[0].string)
            node = next(n for n in data.get("@graph", [data]) if n["@type"] == "NewsArticle")
            when = node["datePublished"]
        elif a["date_in"] == "meta":
            assert not soup.find("time", datetime=True)
            when = soup.find("meta", property="article:published_time")["content"]
        else:
            assert not soup.find("meta", property="article:published_time")
            when = soup.find("time", datetime=True)["datetime"]
        assert utc(when) == a["published_at"], a["url"]


def test_bylines_sit_at_the_end_of_the_body(key, pages):
    for a in key["articles"]:
        _, headers, body = pages[a["url"]]
        soup = BeautifulSoup(body.decode(a["encoding"]), "html.parser")
        paragraphs = [p.get_text() for p in soup.find_all("p")]
        last_body = a["body"].split("\n\n")[-1]
        byline = paragraphs[paragraphs.index(last_body) + 1]
        for name in a["authors"]:
            assert name in byline


def test_layouts_and_date_sources_vary(key):
    assert {a["layout"] for a in key["articles"]} == {"wordpress", "drupal", "minimal", "amp"}
    assert sum(not a["has_jsonld"] for a in key["articles"]) >= 6
    assert {a["date_in"] for a in key["articles"]} == {"jsonld", "meta", "time"}
    assert sum(len(a["authors"]) > 1 for a in key["articles"]) >= 3


def test_cp1251_page_decodes_to_its_russian_title(key, pages):
    cp = [a for a in key["articles"] if a["encoding"] == "windows-1251"]
    assert len(cp) == 1 and cp[0]["language"] == "ru"
    _, headers, body = pages[cp[0]["url"]]
    assert headers["content-type"] == "text/html; charset=windows-1251"
    assert b'<meta charset="windows-1251">' in body
    assert cp[0]["title"].encode("cp1251") in body
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    assert all(a["encoding"] == "utf-8" for a in key["articles"] if a is not cp[0])


def test_conditional_get_answers_304(demo_site, key):
    for url in (demo_site.url("/rss.xml"), demo_site.url("/sitemaps/news.xml"), key["articles"][0]["url"]):
        status, headers, _ = get(url)
        assert status == 200
        status, _, body = get(url, {"If-None-Match": headers["etag"]})
        assert status == 304 and body == b""
        status, _, _ = get(url, {"If-Modified-Since": headers["last-modified"]})
        assert status == 304
        status, _, _ = get(url, {"If-None-Match": '"something-else"'})
        assert status == 200


def test_traps_behave_as_the_answer_key_says(demo_site, key):
    traps = {t["kind"]: t for t in key["traps"]}
    assert get(traps["not_found"]["url"])[0] == 404
    assert get(traps["server_error"]["url"])[0] == 500

    robots = RobotFileParser(demo_site.url("/robots.txt"))
    robots.read()
    assert not robots.can_fetch("newslake", traps["robots_disallowed"]["url"])
    assert robots.can_fetch("newslake", key["articles"][0]["url"])

    status, _, body = get(traps["duplicate"]["url"])
    soup = BeautifulSoup(body, "html.parser")
    assert status == 200 and soup.html.has_attr("amp")
    assert soup.find("link", rel="canonical")["href"] == traps["duplicate"]["duplicate_of"]
    assert traps["duplicate"]["duplicate_of"] in {a["url"] for a in key["articles"]}

    status, _, body = get(traps["stub"]["url"])
    soup = BeautifulSoup(body, "html.parser")
    assert status == 200 and len(soup.find(class_="entry-content").get_text().split()) < 20

    status, headers, body = get(traps["no_date"]["url"])
    html = body.decode()
    assert status == 200 and "last-modified" not in headers
    assert not re.search(r"/\d{4}/\d{2}/\d{2}/", urlsplit(traps["no_date"]["url"]).path)
    assert "<time" not in html and "published_time" not in html and "datePublished" not in html
    story = BeautifulSoup(html, "html.parser").find(class_="story-text").get_text()
    assert not re.search(r"\b(20\d\d|January|February|March|April|May|June|July|August|September|October|"
                         r"November|December)\b", story)


def test_one_article_mentions_dates_that_are_not_its_own(key):
    for a in key["articles"]:
        if "3 October" in a["body"] and "March 2025" in a["body"]:
            assert a["day"] == "2026-11-16"
            break
    else:
        pytest.fail("no article with decoy dates in its body")


def test_server_exits_cleanly_on_sigterm_and_port_zero_gets_a_real_port():
    site = start_demo_site(port=0, crawl_delay=1.5)
    try:
        assert site.port > 0 and site.base_url == f"http://127.0.0.1:{site.port}/"
        assert "Crawl-delay: 1.5" in get(site.url("/robots.txt"))[2].decode()
        site.process.send_signal(signal.SIGTERM)
        assert site.process.wait(timeout=5) == 0
    finally:
        site.stop()


def test_stats_count_requests(demo_site):
    get(demo_site.url("/about/"))
    stats = demo_site.stats()
    assert stats["hits"]["/about/"] >= 1
    assert json.dumps(stats)


def test_navigation_pages_resolve_and_list_articles(demo_site, key):
    article = next(a for a in key["articles"] if a["language"] == "ru" and a["layout"] == "wordpress")
    tag_link = BeautifulSoup(get(article["url"])[2], "html.parser").find("a", rel="tag")
    status, _, body = get(tag_link["href"])  # a Cyrillic tag, percent-encoded
    assert status == 200 and article["url"].encode() in body
    status, _, body = get(demo_site.url("/section/courts/"))
    assert status == 200
    assert all(a["url"].encode() in body for a in key["articles"] if a["section"] in ("Courts", "Суды"))
    assert get(demo_site.url("/no/such/page/"))[0] == 404
