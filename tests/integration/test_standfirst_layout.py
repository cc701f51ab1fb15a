"""Finding 6: on a layout where a standfirst equal to the meta description precedes the story, the dateline is
still found and the body does not repeat the description (page served by a real HTTP server, real Fetcher)."""

from __future__ import annotations

import pytest
from integration.tiny_site import Route, serve_tiny_site
from newslake.config import parse_source
from newslake.extraction import extract_article
from newslake.fetching import Fetcher, decode_html

pytestmark = pytest.mark.integration

STANDFIRST = "Parliament voted on Tuesday to widen the grounds for blocking websites without a court order."
STORY = [
    "BISHKEK (HN) — Kyrgyzstan's parliament on Tuesday passed amendments that let the culture ministry block "
    "websites for two months without a court ruling, a move media groups said would chill reporting.",
    "The bill passed its third reading with 72 votes in favour. Deputies who backed it said the measure "
    "targeted false information spread during emergencies and would be applied narrowly.",
    "Press freedom groups urged the president not to sign the law, saying the definition of false "
    "information was vague enough to cover critical journalism about officials and public spending.",
]


def page(standfirst_class: str) -> bytes:
    paragraphs = "".join(f"<p>{p}</p>" for p in STORY)
    return f"""<!doctype html><html lang="en"><head><title>Parliament widens website blocking | Highland News</title>
<meta name="description" content="{STANDFIRST}">
<meta property="article:published_time" content="2026-11-18T09:00:00+06:00"></head>
<body><header><nav><a href="/">Home</a> <a href="/politics/">Politics</a></nav></header>
<main><article><h1>Parliament widens website blocking</h1>
<p class="{standfirst_class}">{STANDFIRST}</p>
<div class="story-body">{paragraphs}</div></article></main>
<footer><p>© 2026 Highland News</p></footer></body></html>""".encode()


@pytest.mark.parametrize("standfirst_class", ["standfirst", "lead"])
def test_dateline_after_a_standfirst_and_no_repeated_description(standfirst_class):
    path = f"/news/2026/11/18/{standfirst_class}/"
    with serve_tiny_site({path: Route(page(standfirst_class))}) as site:
        source = parse_source({"id": "highland", "name": "Highland", "base_url": site.base_url,
                               "languages": ["en"], "allowed_domains": ["127.0.0.1"],
                               "allow_private_network": True, "discovery": {"feeds": ["rss.xml"]},
                               "fetch": {"delay_seconds": 0}}, "test")
        with Fetcher(source) as fetcher:
            result = fetcher.fetch(site.url(path))
    article = extract_article(decode_html(result.body, result.headers), result.final_url)
    assert article.description == STANDFIRST
    assert article.dateline == "BISHKEK (HN) —" and article.dateline_place == "Bishkek"
    assert article.dateline_agency == "HN"
    assert STANDFIRST not in article.body
    assert article.body.startswith("Kyrgyzstan's parliament on Tuesday")
    assert article.word_count == sum(len(p.split()) for p in STORY) - 3  # the dateline's words are not body
