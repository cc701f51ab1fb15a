"""Page metadata from one parsed lxml tree: JSON-LD article objects, OpenGraph/article:*, other meta tags."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

# schema.org types whose fields describe the article itself
_ARTICLE_TYPE_RE = re.compile(r"(Article|BlogPosting|LiveBlogPosting|Report|SocialMediaPosting)$", re.IGNORECASE)
_PAGE_TYPE_RE = re.compile(r"WebPage$", re.IGNORECASE)
# objects whose dates are not the page's (an image upload, a person, the site)
_NOT_PAGE_TYPES = frozenset({"ImageObject", "Person", "Organization", "NewsMediaOrganization", "WebSite",
                             "BreadcrumbList", "ListItem", "SiteNavigationElement", "Brand", "Place"})


_BYLINE_XPATH = (
    "//body//*[@rel='author' or contains(@class,'byline') or contains(@class,'author') "
    "or contains(@id,'byline') or contains(@class,'Byline') or contains(@class,'Author') "
    "or contains(@href,'/author/') or contains(@href,'/authors/')]"
    "[not(contains(@class,'comment')) and not(ancestor::*[contains(@class,'comment')])]"
)


@dataclass
class JsonLdArticle:
    """The fields newslake reads from the best schema.org article object on the page."""

    type: str = ""
    headline: str | None = None
    description: str | None = None
    date_published: object = None
    date_modified: object = None
    authors: list[str] = field(default_factory=list)
    body: str | None = None
    language: str | None = None
    section: str | None = None
    keywords: list[str] = field(default_factory=list)
    url: str | None = None
    publisher: str | None = None


@dataclass
class PageMeta:
    """Everything read from <head>-style metadata, keyed the way pages spell it (lowercased)."""

    meta: dict[str, list[str]] = field(default_factory=dict)
    jsonld: JsonLdArticle | None = None
    jsonld_page: JsonLdArticle | None = None  # a WebPage object, used only for dates
    canonical: str | None = None
    html_lang: str | None = None
    title_tag: str | None = None
    itemprops: dict[str, list[str]] = field(default_factory=dict)
    byline_elements: list[str] = field(default_factory=list)  # short texts of author/byline-classed elements

    def first(self, *keys: str) -> tuple[str | None, str | None]:
        """First non-empty meta value among keys, with the key that gave it."""
        for key in keys:
            for value in self.meta.get(key, ()):
                if value and value.strip():
                    return value.strip(), key
        return None, None

    def all(self, *keys: str) -> list[str]:
        """All non-empty values of the given meta keys, in order."""
        return [v.strip() for key in keys for v in self.meta.get(key, ()) if v and v.strip()]


def _text(node) -> str:
    return " ".join("".join(node.itertext()).split())


def _load_json(raw: str):
    raw = raw.strip()
    if not raw:
        return None
    raw = re.sub(r"^\s*(?://\s*)?<!\[CDATA\[|(?://\s*)?\]\]>\s*$", "", raw).strip()
    try:
        return json.loads(raw)
    except ValueError:
        pass
    # common publisher mistakes: raw newlines/tabs inside strings, trailing commas
    cleaned = re.sub(r"[\x00-\x1f]", " ", raw)
    cleaned = re.sub(r",\s*([}\]])", r"\1", cleaned)
    try:
        return json.loads(cleaned)
    except ValueError:
        return None


def _walk(data, out: list[dict]) -> None:
    if isinstance(data, list):
        for item in data:
            _walk(item, out)
    elif isinstance(data, dict):
        out.append(data)
        for key in ("@graph", "mainEntity", "mainEntityOfPage", "hasPart", "itemListElement", "item"):
            value = data.get(key)
            if isinstance(value, (list, dict)):
                _walk(value, out)


def _types(node: dict) -> list[str]:
    value = node.get("@type", [])
    values = value if isinstance(value, list) else [value]
    return [v.rsplit("/", 1)[-1] for v in values if isinstance(v, str)]


def _str(value) -> str | None:
    if isinstance(value, list):
        value = next((v for v in value if v), None)
    if isinstance(value, dict):
        value = value.get("@value") or value.get("name") or value.get("text")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str):
        value = " ".join(value.split())
        return value or None
    return None


def _names(value, index: dict[str, dict]) -> list[str]:
    """Person names from a schema.org author value: string, object, @id reference or list."""
    items = value if isinstance(value, list) else [value]
    names: list[str] = []
    for item in items:
        if isinstance(item, dict) and set(item) <= {"@id"} and item.get("@id") in index:
            item = index[item["@id"]]
        if isinstance(item, str):
            names.append(item)
        elif isinstance(item, dict):
            if any(t in ("Organization", "NewsMediaOrganization", "WebSite") for t in _types(item)):
                continue
            name = _str(item.get("name"))
            if not name and (item.get("givenName") or item.get("familyName")):
                name = " ".join(filter(None, (_str(item.get("givenName")), _str(item.get("familyName")))))
            if name:
                names.append(name)
    return [" ".join(n.split()) for n in names if n and n.strip()]


def _keywords(value) -> list[str]:
    if isinstance(value, str):
        return [k.strip() for k in value.split(",") if k.strip()]
    if isinstance(value, list):
        return [s for v in value if (s := _str(v))]
    return []


def _to_article(node: dict, index: dict[str, dict]) -> JsonLdArticle:
    publisher = node.get("publisher")
    if isinstance(publisher, dict) and set(publisher) <= {"@id"}:
        ref = publisher.get("@id")
        publisher = index.get(ref, publisher) if isinstance(ref, str) else publisher
    url = node.get("url") or node.get("@id")
    main = node.get("mainEntityOfPage")
    if isinstance(main, dict):
        main = main.get("@id") or main.get("url")
    section = node.get("articleSection")
    return JsonLdArticle(
        type=(_types(node) or [""])[0],
        headline=_str(node.get("headline")) or _str(node.get("name")),
        description=_str(node.get("description")),
        date_published=node.get("datePublished") or node.get("dateCreated") or node.get("uploadDate"),
        date_modified=node.get("dateModified"),
        authors=_names(node.get("author") or node.get("creator") or [], index),
        body=node.get("articleBody") if isinstance(node.get("articleBody"), str) else None,
        language=_str(node.get("inLanguage")),
        section=_str(section),
        keywords=_keywords(node.get("keywords")),
        url=main if isinstance(main, str) else (url if isinstance(url, str) else None),
        publisher=_str(publisher) if publisher else None,
    )


def _pick_article(nodes: list[dict], page_url: str) -> dict | None:
    articles = [n for n in nodes if any(_ARTICLE_TYPE_RE.search(t) for t in _types(n))]
    if not articles:
        return None

    def rank(node: dict) -> tuple:
        url = node.get("url") or node.get("@id") or ""
        main = node.get("mainEntityOfPage")
        if isinstance(main, dict):
            main = main.get("@id") or ""
        same = any(isinstance(u, str) and u and u.rstrip("/").split("#")[0] == page_url.rstrip("/")
                   for u in (url, main))
        return (same, bool(node.get("datePublished")), bool(node.get("articleBody")), bool(node.get("headline")))

    return max(articles, key=rank)  # max keeps the first of equals


def read_metadata(tree, url: str) -> PageMeta:
    """Collect meta tags, JSON-LD, canonical link, <html lang> and <title> from a parsed page."""
    page = PageMeta()
    for node in tree.iter("meta"):
        key = node.get("property") or node.get("name") or node.get("itemprop") or node.get("http-equiv")
        content = node.get("content")
        if key and content is not None:
            page.meta.setdefault(key.strip().lower(), []).append(content)
    nodes: list[dict] = []
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() == "application/ld+json" and script.text:
            data = _load_json(script.text)
            if data is not None:
                _walk(data, nodes)
    index = {n["@id"]: n for n in nodes if isinstance(n.get("@id"), str)}
    chosen = _pick_article(nodes, url)
    if chosen is not None:
        page.jsonld = _to_article(chosen, index)
    else:
        dated = [n for n in nodes if n.get("datePublished") and not set(_types(n)) & _NOT_PAGE_TYPES]
        webpage = next((n for n in dated if any(_PAGE_TYPE_RE.search(t) for t in _types(n))),
                       dated[0] if dated else None)
        if webpage is not None:
            page.jsonld_page = _to_article(webpage, index)
    for link in tree.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        if "canonical" in rel and link.get("href"):
            page.canonical = link.get("href").strip()
            break
    root = tree.getroottree().getroot() if hasattr(tree, "getroottree") else tree
    page.html_lang = (root.get("lang") or root.get("xml:lang") or root.get(
        "{http://www.w3.org/XML/1998/namespace}lang") or "").strip() or None
    title = next(tree.iter("title"), None)
    if title is not None:
        page.title_tag = _text(title) or None
    for node in tree.xpath(_BYLINE_XPATH):
        text = _text(node)
        if 0 < len(text) <= 80:
            page.byline_elements.append(text)
        if len(page.byline_elements) >= 3:
            break
    for node in tree.xpath("//*[@itemprop]"):
        prop = node.get("itemprop").strip()
        if prop not in ("datePublished", "dateModified", "headline", "author", "dateCreated"):
            continue
        value = node.get("content") or node.get("datetime")
        if value is None and prop in ("headline", "author"):
            inner = node.xpath(".//*[@itemprop='name']")
            value = _text(inner[0]) if inner else _text(node)
        if value:
            page.itemprops.setdefault(prop, []).append(value.strip())
    return page

