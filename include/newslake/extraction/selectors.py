"""Per-source CSS selector overrides (beautifulsoup4 syntax): drop elements, pick title/body/date/authors."""

from __future__ import annotations

from dataclasses import dataclass, field

from newslake.config import Selectors


@dataclass
class SelectorResult:
    """What a source's selectors picked out of a page; html is the page after drop selectors."""

    html: str | None = None
    title: str | None = None
    body_html: list[str] = field(default_factory=list)
    date: str | None = None
    authors: list[str] = field(default_factory=list)


def has_selectors(selectors: Selectors | None) -> bool:
    """True when a source configures any selector."""
    return bool(selectors and (selectors.title or selectors.body or selectors.date or selectors.authors
                               or selectors.drop))


def _text(node) -> str:
    return " ".join(node.get_text(" ").split())


def apply_selectors(html: str, selectors: Selectors) -> SelectorResult:
    """Run a source's selectors over the page with beautifulsoup4; bad selectors select nothing."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "lxml")
    result = SelectorResult()

    def select(css: str | None) -> list:
        if not css:
            return []
        try:
            return soup.select(css)
        except Exception:  # an invalid selector in sources.yaml must not fail the page
            return []

    for css in selectors.drop:
        for node in select(css):
            node.decompose()
    if selectors.drop:
        result.html = str(soup)
    found = select(selectors.title)
    if found:
        result.title = _text(found[0]) or None
    result.body_html = [str(node) for node in select(selectors.body)]
    found = select(selectors.date)
    if found:
        node = found[0]
        result.date = (node.get("datetime") or node.get("content") or _text(node)) or None
    result.authors = [t for node in select(selectors.authors) if (t := node.get("content") or _text(node))]
    return result
