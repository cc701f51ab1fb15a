"""Main-text extraction: trafilatura on the shared tree, checked against JSON-LD articleBody and selectors."""

from __future__ import annotations

import re

_BLOCK_TAGS = frozenset(
    "p div h1 h2 h3 h4 h5 h6 li blockquote pre section article header footer ul ol table tr td th "
    "figure figcaption dd dt br hr main aside".split()
)
_SKIP_TAGS = frozenset("script style noscript template svg button form iframe nav".split())


def paragraphs_of(text: str | None) -> list[str]:
    """Split extracted text into non-empty, whitespace-normalised paragraphs."""
    if not text:
        return []
    return [p for p in (" ".join(line.split()) for line in re.split(r"\n+", text)) if p]


def element_paragraphs(element) -> list[str]:
    """Paragraph texts of an lxml element: block-level children start new paragraphs."""
    chunks: list[str] = []
    current: list[str] = []

    def flush() -> None:
        text = " ".join("".join(current).split())
        if text:
            chunks.append(text)
        current.clear()

    def walk(node) -> None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in _SKIP_TAGS:
            if node.tail:
                current.append(node.tail)
            return
        block = tag in _BLOCK_TAGS
        if block:
            flush()
        if node.text and tag:
            current.append(node.text)
        for child in node:
            walk(child)
        if block:
            flush()
        if node.tail:
            current.append(node.tail)

    tail = element.tail
    element.tail = None
    try:
        walk(element)
    finally:
        element.tail = tail
    flush()
    return chunks


def trafilatura_paragraphs(tree, url: str | None, *, fast: bool = False, precision: bool = False) -> list[str]:
    """Run trafilatura on the shared tree (it works on its own copy, so the tree stays intact)."""
    import trafilatura

    try:
        text = trafilatura.extract(
            tree, url=url, include_comments=False, include_tables=True,
            fast=fast, favor_precision=precision, deduplicate=False,
        )
    except Exception:  # trafilatura's own failures must not cost the record its metadata
        return []
    return paragraphs_of(text)


def jsonld_body_paragraphs(body: str | None) -> list[str]:
    """Paragraphs of a JSON-LD articleBody (HTML tags removed, blank lines kept as breaks)."""
    if not body or not body.strip():
        return []
    if "<" in body and re.search(r"</?(p|br|div)\b", body, re.IGNORECASE):
        from lxml import html as lxml_html

        try:
            fragment = lxml_html.fragment_fromstring(body, create_parent="div")
        except Exception:
            return paragraphs_of(re.sub(r"<[^>]+>", " ", body))
        return element_paragraphs(fragment)
    return paragraphs_of(body)
