"""robots.txt parsing and matching rules."""

from __future__ import annotations

from newslake.fetching.robots import allow_all, parse_robots, product_token, unavailable

UA = "newslake/0.1 (+https://github.com/newslake/newslake)"
BASE = "https://news.example.org"


def test_product_token_is_the_crawler_name():
    assert product_token(UA) == "newslake"
    assert product_token("NewsLake-Test/2.0") == "newslake-test"


def test_our_group_beats_the_star_group_and_groups_do_not_mix():
    rules = parse_robots(
        "User-agent: *\nDisallow: /\nCrawl-delay: 30\n\nUser-agent: NewsLake\nDisallow: /private/\n", UA
    )
    assert rules.allowed(BASE + "/story.html")
    assert not rules.allowed(BASE + "/private/x")
    assert rules.crawl_delay is None  # the star group's delay does not apply to us


def test_star_group_applies_when_we_are_not_named():
    rules = parse_robots("User-agent: otherbot\nDisallow: /\n\nUser-agent: *\nDisallow: /admin\n", UA)
    assert rules.allowed(BASE + "/news/1")
    assert not rules.allowed(BASE + "/admin/panel")
    assert not rules.allowed(BASE + "/administrator")  # prefix match, as RFC 9309 says


def test_longest_match_wins_and_allow_wins_ties():
    rules = parse_robots(
        "User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\nDisallow: /a\nAllow: /a\n", UA
    )
    assert rules.allowed(BASE + "/wp-admin/admin-ajax.php")
    assert not rules.allowed(BASE + "/wp-admin/options.php")
    assert rules.allowed(BASE + "/a/b")


def test_wildcards_end_anchor_and_query():
    rules = parse_robots("User-agent: *\nDisallow: /*.pdf$\nDisallow: /*?print=\nDisallow: /search\n", UA)
    assert not rules.allowed(BASE + "/files/report.pdf")
    assert rules.allowed(BASE + "/files/report.pdf.html")
    assert not rules.allowed(BASE + "/story?print=1")
    assert rules.allowed(BASE + "/story?page=2")
    assert not rules.allowed(BASE + "/search?q=x")


def test_grouped_user_agents_comments_empty_disallow_and_robots_txt_itself():
    rules = parse_robots(
        "# comment\nUser-agent: a\nUser-agent: newslake # us\nDisallow:\n\nUser-agent: *\nDisallow: /\n", UA
    )
    assert rules.allowed(BASE + "/anything")
    blocked = parse_robots("User-agent: *\nDisallow: /\n", UA)
    assert not blocked.allowed(BASE + "/x") and blocked.allowed(BASE + "/robots.txt")


def test_crawl_delay_and_sitemaps():
    rules = parse_robots(
        "Sitemap: https://news.example.org/sitemap.xml\nUser-agent: *\nCrawl-delay: 2.5\nDisallow: /tmp/\n"
        "Sitemap: https://news.example.org/news.xml\nSitemap: https://news.example.org/sitemap.xml\n", UA
    )
    assert rules.crawl_delay == 2.5
    assert rules.sitemaps == ("https://news.example.org/sitemap.xml", "https://news.example.org/news.xml")
    assert parse_robots("User-agent: *\nCrawl-delay: soon\n", UA).crawl_delay is None


def test_missing_and_unavailable_robots():
    assert allow_all().allowed(BASE + "/x") and allow_all().available
    assert not unavailable().available and not unavailable().allowed(BASE + "/x")


def test_rules_before_any_user_agent_are_ignored():
    assert parse_robots("Disallow: /\n", UA).allowed(BASE + "/x")


def test_non_ascii_paths_match_in_either_spelling():
    rules = parse_robots("User-agent: *\nDisallow: /новости/архив/\nDisallow: /%d0%b8%d0%bd/\n", UA)
    assert not rules.allowed(BASE + "/%D0%BD%D0%BE%D0%B2%D0%BE%D1%81%D1%82%D0%B8/%D0%B0%D1%80%D1%85%D0%B8%D0%B2/1")
    assert not rules.allowed(BASE + "/новости/архив/2")
    assert not rules.allowed(BASE + "/ин/x")
    assert rules.allowed(BASE + "/новости/2026/")
