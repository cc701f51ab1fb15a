"""Small builders for inline golden HTML pages used by the extraction unit tests."""

from __future__ import annotations

import json

STORY = [
    "The regional court in Taraz on Tuesday upheld the fine imposed on the newspaper's publisher, "
    "rejecting an appeal that argued the article had been accurate and in the public interest.",
    "The publisher said it would take the case to the Supreme Court and called the ruling a warning "
    "to every editor in the region who writes about land sales and local budgets.",
    "Lawyers for the city administration told the court that the newspaper had relied on a single "
    "anonymous source and had not asked officials for comment before publication.",
    "Press freedom groups have counted eleven similar cases in the region since the start of the year, "
    "most of them ending in fines that small publications struggle to pay.",
]


def ld(obj) -> str:
    """A JSON-LD script element for obj."""
    return f'<script type="application/ld+json">{json.dumps(obj, ensure_ascii=False)}</script>'


def page(head: str = "", body: str | None = None, *, lang: str | None = "en", title: str = "Court upholds fine",
         paragraphs: list[str] | None = None, before: str = "", after: str = "") -> str:
    """A news page: site chrome, an <article> with an h1 and paragraphs, and a footer."""
    paragraphs = STORY if paragraphs is None else paragraphs
    if body is None:
        text = "".join(f"<p>{p}</p>" for p in paragraphs)
        body = (
            '<header><a href="/">Steppe Courier</a><nav><a href="/news">News</a> <a href="/sport">Sport</a>'
            '<a href="/about">About us</a></nav></header>'
            f"<main><article><h1>{title}</h1>{before}{text}{after}</article>"
            '<aside><h3>Most read</h3><ul><li><a href="/a">Heat wave hits the south</a></li>'
            '<li><a href="/b">New bridge opens in Atyrau</a></li></ul></aside></main>'
            "<footer><p>© 2024 Steppe Courier. All rights reserved.</p></footer>"
        )
    lang_attr = f' lang="{lang}"' if lang else ""
    return (f"<!DOCTYPE html><html{lang_attr}><head><meta charset=\"utf-8\"><title>{title} | Steppe Courier"
            f"</title>{head}</head><body>{body}</body></html>")
