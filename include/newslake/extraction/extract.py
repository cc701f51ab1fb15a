"""extract_article: one parse of the page, metadata in order of trust, then body, dateline, byline, language."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from urllib.parse import urljoin, urlsplit

from newslake.article import Article, Hints
from newslake.config import SourceConfig
from newslake.fetching.encoding import decode_html

from .authors import byline_from_paragraphs, normalise_authors
from .body import (
    element_paragraphs,
    is_truncated,
    jsonld_body_paragraphs,
    main_text_paragraphs,
    reconcile_with_jsonld,
    unwrap_layout_tables,
)
from .cleanup import (
    cut_after_rights_notice,
    cut_tail_link_block,
    drop_dated_runs,
    drop_embedded_posts,
    drop_heading,
    drop_link_lists,
    drop_site_chrome,
    drop_summary_box,
    is_calendar,
    is_cross_link,
    is_date_stamp,
    is_furniture,
    is_trailing_junk,
)
from .dateline import parse_dateline
from .dates import (
    date_from_text,
    date_from_url,
    embedded_json_date,
    first_time_element,
    header_date,
    parse_datetime,
    reading_dates,
    refine_day,
)
from .language import detect_language, normalise_language_tag
from .metadata import PageMeta, read_metadata
from .selectors import SelectorResult, apply_selectors, has_selectors
from .tails import (
    cut_comments,
    cut_footer,
    cut_references,
    cut_trailing_headlines,
    drop_captions,
    drop_closing_notes,
    drop_promos,
    drop_teasers,
)
from .titles import is_story_heading, squash, strip_section_labels, strip_site_name, unescape_entities
from .widgets import cut_posted_in, drop_widgets

IMPORTANT_FIELDS = ("title", "body", "published_at", "authors", "language")
_OG_KEYS = ("og:", "article:")
_PUBLISHED_META = (
    "article:published_time", "og:article:published_time", "article:published", "og:published_time",
    "citation_publication_date", "citation_date", "citation_online_date", "dc.date.issued", "dcterms.issued",
    "dc.date", "dcterms.date", "dcterms.created", "dc.date.created", "parsely-pub-date", "sailthru.date",
    "article.published", "published_time", "publish-date", "publish_date", "pubdate", "publishdate",
    "datepublished", "date", "release_date", "mediator_published_time",
)
_MODIFIED_META = (
    "article:modified_time", "og:updated_time", "og:article:modified_time", "dcterms.modified",
    "dc.date.modified", "last-modified", "datemodified", "article.updated",
)
_AUTHOR_META = (
    "article:author", "og:article:author", "author", "parsely-author", "citation_author", "dc.creator",
    "dcterms.creator", "sailthru.author", "byl", "twitter:creator:name",
)
_TITLE_META = ("og:title", "twitter:title", "citation_title", "dc.title", "dcterms.title", "parsely-title",
               "headline", "title")
_DESCRIPTION_META = ("og:description", "description", "twitter:description", "dc.description",
                     "dcterms.description")
_SECTION_META = ("article:section", "og:article:section", "parsely-section", "section", "category")
_TAG_META = ("article:tag", "og:article:tag", "news_keywords", "keywords", "parsely-tags")


def _source_of_key(key: str | None) -> str:
    return "opengraph" if key and key.startswith(_OG_KEYS) else "meta"


def _parse_tree(text: str):
    from lxml import etree
    from lxml import html as lxml_html

    if not text or not text.strip():
        return None
    # lxml refuses str input that carries an XML encoding declaration
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    parser = lxml_html.HTMLParser(remove_comments=True, remove_pis=True, collect_ids=False)
    try:
        tree = lxml_html.document_fromstring(text, parser=parser)
    except (etree.ParserError, ValueError, TypeError):
        return None
    return tree


def _node_text(node) -> str:
    return " ".join("".join(node.itertext()).split())


def _site_names(meta: PageMeta) -> tuple[str, ...]:
    names = meta.all("og:site_name", "application-name", "twitter:site", "publisher", "copyright")
    if meta.jsonld and meta.jsonld.publisher:
        names.append(meta.jsonld.publisher)
    return tuple(n.lstrip("@") for n in names)


def _choose_title(article: Article, meta: PageMeta, tree, hints: Hints | None, sel: SelectorResult,
                  lead: list[str]) -> None:
    h1_nodes = tree.xpath("//h1")
    h1 = _node_text(h1_nodes[0]) if h1_nodes else None
    headings = frozenset(squash(t) for t in [*lead[:15], *(_node_text(n) for n in tree.iter("h1", "h2", "h3"))]
                         if 0 < len(t) < 300)
    site_names = _site_names(meta)
    candidates: list[tuple[str | None, str]] = [(sel.title, "selector")]
    if meta.jsonld:
        candidates.append((meta.jsonld.headline, "jsonld"))
    for key in _TITLE_META:
        value, _ = meta.first(key)
        candidates.append((value, _source_of_key(key)))
    candidates += [(hints.title if hints else None, "hints"), (meta.title_tag, "html"), (h1, "html")]
    for value, how in candidates:
        if value and value.strip():
            title = unescape_entities(" ".join(value.split()))
            if how != "selector":
                title = strip_site_name(title, site_names, h1, urlsplit(article.url).hostname or "", headings)
                # metadata titles are often SEO variants or cut at 110 characters; the story's own
                # heading is what readers see, when it is clearly the same story's headline
                if h1 and how != "html" and is_story_heading(h1, title, site_names):
                    title, how = strip_section_labels(h1), "html"
            article.title = title
            article.field_sources["title"] = how
            return


def _choose_dates(article: Article, meta: PageMeta, tree, url: str, hints: Hints | None,
                  sel: SelectorResult, body_text: str, raw_html: str) -> None:
    found: tuple[datetime, str, str] | None = None  # (value, date_source, field method)
    if sel.date:
        value = parse_datetime(sel.date)
        if value:
            found = (value, "text", "selector")
    if found is None and meta.jsonld and (value := parse_datetime(meta.jsonld.date_published)):
        found = (value, "jsonld", "jsonld")
    if found is None:
        for key in _PUBLISHED_META:
            for raw in meta.meta.get(key, ()):
                if value := parse_datetime(raw):
                    found = (value, "meta", _source_of_key(key))
                    break
            if found:
                break
    if found is None:
        for raw in meta.itemprops.get("datePublished", []) + meta.itemprops.get("dateCreated", []):
            if value := parse_datetime(raw):
                found = (value, "meta", "meta")
                break
    if found is None and meta.jsonld_page and (value := parse_datetime(meta.jsonld_page.date_published)):
        found = (value, "jsonld", "jsonld")
    if found is None and (value := embedded_json_date(raw_html)):
        found = (value, "meta", "meta")
    if found is None and hints and hints.published_at:
        source = hints.date_source if hints.date_source in ("feed", "sitemap") else "feed"
        found = (parse_datetime(hints.published_at) or hints.published_at, source, "hints")
    if found is None and (value := date_from_url(url)):
        found = (value, "url", "url")
    if found is None and (value := header_date(tree) or first_time_element(tree)):
        found = (value, "text", "text")
    if found is None and (value := date_from_text(body_text[:2000])):
        found = (value, "text", "text")
    if found and (found[0].hour, found[0].minute, found[0].second) == (0, 0, 0):
        # a bare day (URL, day-only meta, printed date) gains its clock time from a <time> element
        refined = refine_day(found[0], tree)
        if refined is not None:
            found = (refined, found[1], found[2])
    if found:
        article.published_at, article.date_source, article.field_sources["published_at"] = found
    modified = None
    if meta.jsonld:
        modified = parse_datetime(meta.jsonld.date_modified)
        if modified:
            article.field_sources["modified_at"] = "jsonld"
    if modified is None:
        for key in _MODIFIED_META:
            for raw in meta.meta.get(key, ()):
                if modified := parse_datetime(raw):
                    article.field_sources["modified_at"] = _source_of_key(key)
                    break
            if modified:
                break
    article.modified_at = modified


def _choose_body(article: Article, tree, url: str, meta: PageMeta, sel: SelectorResult) -> list[str]:
    if sel.body_html:
        from lxml import html as lxml_html

        paragraphs: list[str] = []
        for fragment in sel.body_html:
            try:
                paragraphs += element_paragraphs(lxml_html.fragment_fromstring(fragment, create_parent="div"))
            except Exception:
                continue
        if paragraphs:
            article.extraction_method = "selector"
            return paragraphs
    unwrap_layout_tables(tree)
    paragraphs = main_text_paragraphs(tree, url)
    method = "trafilatura"
    if meta.jsonld and meta.jsonld.body:
        ld = jsonld_body_paragraphs(meta.jsonld.body)
        # only a complete articleBody is evidence: teasers are short or end in '...'
        if sum(len(p.split()) for p in ld) >= 50 and not is_truncated(ld):
            paragraphs, method = reconcile_with_jsonld(paragraphs, ld)
    if not paragraphs:
        for node in tree.iter("article"):
            paragraphs = element_paragraphs(node)
            if paragraphs:
                method = "article-element"
                break
    article.extraction_method = method if paragraphs else None
    return paragraphs


def _page_description(meta: PageMeta) -> str | None:
    if meta.jsonld and meta.jsonld.description:
        return meta.jsonld.description
    description, _key = meta.first(*_DESCRIPTION_META)
    return description


def _comparable(text: str) -> str:
    return " ".join(unescape_entities(text).split()).strip(" .…").casefold()


def drop_standfirst(paragraphs: list[str], description: str | None) -> list[str]:
    """Drop a leading standfirst that repeats the page description when the story proper starts with a dateline."""
    if not description or len(paragraphs) < 2:
        return paragraphs
    wanted = _comparable(description)
    truncated = description.rstrip().endswith(("...", "…"))
    for i, paragraph in enumerate(paragraphs[:2]):
        have = _comparable(paragraph)
        same = have == wanted or (truncated and len(wanted) >= 40 and have.startswith(wanted))
        # Only a dateline right after it proves where the story starts; elsewhere a lede equal to the
        # description is part of the story (hand-labelled corpora keep it).
        if same and i + 1 < len(paragraphs) and parse_dateline(paragraphs[i + 1]):
            return paragraphs[:i] + paragraphs[i + 1:]
    return paragraphs


_DEK_TAGS = ("p", "h2", "h3", "div", "span")


def shown_description(tree, description: str | None, paragraphs: list[str]) -> str | None:
    """The page's description when it is also shown on the page (a dek under the headline) but not in the body."""
    if not description or not paragraphs:
        return None
    wanted = _comparable(description)
    if len(wanted.split()) < 4 or wanted in _comparable(" ".join(paragraphs[:2])):
        return None
    body = tree.find("body") if tree.tag != "body" else tree
    for element in (body if body is not None else tree).iter(*_DEK_TAGS):
        if len(element) > 4:  # a container of many blocks is not a dek; its text would also be slow to join
            continue
        # joining every element's text costs more than the rest of the extraction: its first text node
        # must already start the description
        first = _comparable(next((t for t in element.itertext() if t.strip()), ""))
        if not first or not wanted.startswith(first[:20]):
            continue
        text = " ".join("".join(element.itertext()).split())
        if text and _comparable(text) == wanted:
            return text
    return None


def _clean_body(article: Article, paragraphs: list[str], site_names: tuple[str, ...],
                description: str | None = None) -> tuple[list[str], list[str]]:
    paragraphs, after_heading = drop_heading(paragraphs, article.title)
    paragraphs = drop_standfirst(paragraphs, description)
    paragraphs = drop_dated_runs(cut_footer(cut_comments(cut_posted_in(cut_references(cut_after_rights_notice(paragraphs))))))
    paragraphs = drop_widgets(paragraphs)
    paragraphs = cut_tail_link_block(drop_site_chrome(drop_link_lists(drop_embedded_posts(drop_teasers(drop_promos(paragraphs))))))
    paragraphs = cut_trailing_headlines(drop_captions(paragraphs))
    paragraphs = [p for p in drop_summary_box(paragraphs)
                  if not (is_cross_link(p) or is_date_stamp(p) or is_calendar(p))]
    while paragraphs and (is_furniture(paragraphs[-1]) or is_trailing_junk(paragraphs[-1])):
        paragraphs = paragraphs[:-1]
    while paragraphs and is_furniture(paragraphs[0]):
        paragraphs = paragraphs[1:]
    byline_authors: list[str] = []
    names, index = byline_from_paragraphs(paragraphs, site_names=site_names, after_heading=after_heading)
    if names and index is not None:
        byline_authors = names
        paragraphs = paragraphs[:index] + paragraphs[index + 1:]
    # after the byline search, which may take the writer's name from such a note
    paragraphs = drop_closing_notes(paragraphs)
    while paragraphs and (is_furniture(paragraphs[-1]) or is_trailing_junk(paragraphs[-1])):
        paragraphs = paragraphs[:-1]
    if paragraphs:
        dateline = parse_dateline(paragraphs[0])
        if dateline:
            article.dateline, article.dateline_place = dateline.raw, dateline.place
            article.dateline_agency = dateline.agency
            article.field_sources["dateline"] = "text"
            paragraphs = [dateline.rest] + paragraphs[1:]
    return paragraphs, byline_authors


def _choose_authors(article: Article, meta: PageMeta, sel: SelectorResult, byline: list[str],
                    site_names: tuple[str, ...]) -> None:
    candidates: list[tuple[list[str], str]] = [(sel.authors, "selector")]
    if meta.jsonld:
        candidates.append((meta.jsonld.authors, "jsonld"))
    for key in _AUTHOR_META:
        candidates.append((meta.all(key), _source_of_key(key)))
    candidates.append((meta.itemprops.get("author", []), "meta"))
    candidates.append((byline, "text"))
    # each byline-classed element on its own: later ones are often other stories' bylines
    candidates += [([text], "html") for text in meta.byline_elements]
    for values, how in candidates:
        names = normalise_authors(values, site_names=site_names)
        if names:
            article.authors = names
            article.field_sources["authors"] = how
            return


def _choose_language(article: Article, meta: PageMeta, hints: Hints | None) -> None:
    declared: tuple[str | None, str] = (None, "")
    for tag, how in (
        (meta.jsonld.language if meta.jsonld else None, "jsonld"),
        (meta.html_lang, "html"),
        (meta.first("content-language", "og:locale", "language", "dc.language")[0], "meta"),
        (hints.language if hints else None, "hints"),
    ):
        code = normalise_language_tag(tag)
        if code:
            declared = (code, how)
            break
    sample = " ".join(filter(None, (article.title, article.body)))
    detection = detect_language(sample)
    if detection.language and (declared[0] is None or (detection.confident and detection.language != declared[0])):
        article.language, article.field_sources["language"] = detection.language, "text"
    elif declared[0]:
        article.language, article.field_sources["language"] = declared
    if declared[0] and article.language != declared[0]:
        article.warnings.append(f"page declares language {declared[0]!r}, text reads as {article.language!r}")


def _fill(article: Article, meta: PageMeta, url: str) -> None:
    canonical, how = meta.canonical, "html"
    if not canonical:
        canonical, how = meta.first("og:url")[0], "opengraph"
    if not canonical and meta.jsonld and meta.jsonld.url:
        canonical, how = meta.jsonld.url, "jsonld"
    if canonical and canonical.startswith(("http://", "https://", "/")):
        article.canonical_url = urljoin(url, canonical)
        article.field_sources["canonical_url"] = how
    description, key = meta.first(*_DESCRIPTION_META)
    if meta.jsonld and meta.jsonld.description:
        description, how = meta.jsonld.description, "jsonld"
    elif description:
        how = _source_of_key(key)
    if description:
        article.description = unescape_entities(" ".join(description.split()))
        article.field_sources["description"] = how
    if meta.jsonld and meta.jsonld.section:
        article.section, article.field_sources["section"] = meta.jsonld.section, "jsonld"
    else:
        value, key = meta.first(*_SECTION_META)
        if value:
            article.section, article.field_sources["section"] = value, _source_of_key(key)
    tags = list(meta.jsonld.keywords) if meta.jsonld else []
    how = "jsonld"
    if not tags:
        for key in _TAG_META:
            values = meta.all(key)
            if values:
                tags = [t.strip() for v in values for t in v.split(",") if t.strip()]
                how = _source_of_key(key)
                break
    first_spelling: dict[str, str] = {}  # tags compare case-insensitively; the first spelling is kept
    for tag in tags:
        first_spelling.setdefault(tag.lower(), tag)
    article.tags = list(first_spelling.values())
    if article.tags:
        article.field_sources["tags"] = how


def _extract_into(article: Article, html: str | bytes, url: str, hints: Hints | None,
                  source: SourceConfig | None, headers: Mapping[str, str] | None) -> None:
    text = decode_html(html, headers)
    if _looks_binary(text):
        article.warnings.append("input is binary data, not HTML")
        if hints:
            _apply_hints_only(article, hints, url)
        return
    sel = SelectorResult()
    if source is not None and has_selectors(source.selectors):
        sel = apply_selectors(text, source.selectors)
        if sel.html is not None:
            text = sel.html
    tree = _parse_tree(text)
    if tree is None:
        article.warnings.append("input is not parseable HTML")
        if hints:
            _apply_hints_only(article, hints, url)
        return
    meta = read_metadata(tree, url)
    site_names = _site_names(meta)
    paragraphs = _choose_body(article, tree, url, meta, sel)
    _choose_title(article, meta, tree, hints, sel, paragraphs)
    description = _page_description(meta)
    paragraphs, byline = _clean_body(article, paragraphs, site_names, description)
    if article.dateline is None and (dek := shown_description(tree, description, paragraphs)):
        # A dek the page shows under the headline belongs to the story (unless a dateline marks where
        # the story starts); the main-text extractor usually leaves it out with the header block.
        paragraphs = [dek] + paragraphs
    article.body = "\n\n".join(paragraphs) or None
    if article.body:
        article.field_sources["body"] = article.extraction_method or "trafilatura"
    _choose_dates(article, meta, tree, url, hints, sel, article.body or "", text)
    _choose_authors(article, meta, sel, byline, site_names)
    _fill(article, meta, url)
    _choose_language(article, meta, hints)


_ODD_CHARS_RE = re.compile("[\ufffd\x00-\x08\x0b\x0e-\x1f]")


def _looks_binary(text: str) -> bool:
    sample = text[:4096]
    if not sample:
        return False
    return len(_ODD_CHARS_RE.findall(sample)) > max(2, len(sample) // 20)


def _apply_hints_only(article: Article, hints: Hints, url: str) -> None:
    if hints.title:
        article.title, article.field_sources["title"] = hints.title, "hints"
    if hints.published_at:
        article.published_at = parse_datetime(hints.published_at)
        article.date_source = hints.date_source if hints.date_source in ("feed", "sitemap") else "feed"
        article.field_sources["published_at"] = "hints"
    elif value := date_from_url(url):
        article.published_at, article.date_source, article.field_sources["published_at"] = value, "url", "url"
    if hints.language:
        article.language, article.field_sources["language"] = normalise_language_tag(hints.language), "hints"


def extract_article(html: str | bytes, url: str, *, hints: Hints | None = None,
                    source: SourceConfig | None = None, headers: Mapping[str, str] | None = None,
                    fetched_at: datetime | None = None) -> Article:
    """Extract every record field from a page (bytes decoded with the response headers); never raises."""
    article = Article(url=url)
    # Offset-less times are the site's local time; "yesterday, 14:30" counts from the fetch, never the wall clock.
    zone, languages = (source.timezone, source.languages) if source is not None else (None, ())
    try:
        with reading_dates(zone, now=fetched_at, languages=languages):
            _extract_into(article, html if html is not None else "", url, hints, source, headers)
    except Exception as exc:  # a malformed page must cost one record's fields, never the batch
        article.warnings.append(f"extraction error: {type(exc).__name__}: {exc}")
    article.missing = [name for name in IMPORTANT_FIELDS if not getattr(article, name)]
    return article
