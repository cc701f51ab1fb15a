"""extract_article: one parse of the page, metadata in order of trust, then body, dateline, byline, language."""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urljoin, urlsplit

from newslake.article import Article, Hints
from newslake.config import SourceConfig

from .authors import byline_from_paragraphs, normalise_authors
from .body import (
    element_paragraphs,
    is_truncated,
    jsonld_body_paragraphs,
    main_text_paragraphs,
    reconcile_with_jsonld,
    unwrap_layout_tables,
)
from .dateline import parse_dateline
from .dates import (
    date_from_text,
    date_from_url,
    embedded_json_date,
    first_time_element,
    header_date,
    parse_datetime,
    refine_day,
)
from .decoding import decode_html
from .language import detect_language, normalise_language_tag
from .metadata import PageMeta, read_metadata
from .selectors import SelectorResult, apply_selectors, has_selectors

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
_TITLE_SEP_RE = re.compile(r"\s+(?:\||-|–|—|::|»|·|•|/)\s+")


def _source_of_key(key: str) -> str:
    return "opengraph" if key.startswith(_OG_KEYS) else "meta"


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


def _squash(text: str) -> str:
    return re.sub(r"\W+", "", text.lower())


_SECTION_WORDS = frozenset(
    "opinion opinions editorial editorials analysis commentary column news breaking politics world local "
    "national business economy sport sports college culture entertainment lifestyle tech technology science "
    "health travel video photos live update updated exclusive watch review reviews мнение новости политика "
    "экономика спорт культура общество".split()
)


def _is_section_label(part: str) -> bool:
    words = part.lower().split()
    return 0 < len(words) <= 3 and all(w.strip("[]():") in _SECTION_WORDS for w in words)


def _strip_section_labels(title: str) -> str:
    """'Opinion | Story | Editorial' -> 'Story'."""
    parts = _TITLE_SEP_RE.split(title)
    while len(parts) > 1 and _is_section_label(parts[0]):
        title = title[len(parts[0]):].lstrip(" |-–—:»·•/")
        parts = parts[1:]
    while len(parts) > 1 and _is_section_label(parts[-1]):
        title = title[: title.rfind(parts[-1])].rstrip(" |-–—:»·•/")
        parts = parts[:-1]
    return title


def _strip_site_name(title: str, site_names: tuple[str, ...], h1: str | None, host: str,
                     headings: frozenset[str] = frozenset()) -> str:
    """Remove a site-name part from a page title ('Story | Site', 'Site - Story')."""
    if h1 and h1 != title and h1 in title:
        rest = title.replace(h1, "", 1).strip()
        # the heading plus a separated site part: 'Story | Site', 'Site: Story'
        if rest and (rest[0] in "|-–—:»·•/" or rest[-1] in "|-–—:»·•/"):
            return h1
    parts = _TITLE_SEP_RE.split(title)
    if len(parts) < 2:
        return title
    names = {_squash(s) for s in site_names if _squash(s)}
    squashed_host = _squash(host.removeprefix("www."))

    def is_site(part: str) -> bool:
        key = _squash(part)
        return bool(key) and (key in names or (len(part.split()) <= 4 and key in squashed_host))

    for part in parts:
        if _squash(part) in headings:  # the part the page itself prints as its headline
            return part
    title = _strip_section_labels(title)
    parts = _TITLE_SEP_RE.split(title)
    if len(parts) < 2:
        return title
    first, last = parts[0], parts[-1]
    if is_site(last) or (" | " in title and len(last.split()) <= 5 < len(first.split())):
        return title[: title.rfind(last)].rstrip(" |-–—:»·•/")
    if is_site(first):
        return title[len(first):].lstrip(" |-–—:»·•/")
    return title


def _unescape(text: str) -> str:
    """Decode entities a CMS escaped twice ('&amp;#8217;' arrives as '&#8217;')."""
    if "&" in text and re.search(r"&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);", text):
        import html

        return html.unescape(text)
    return text


def _is_story_heading(h1: str, title: str, site_names: tuple[str, ...]) -> bool:
    if h1 == title or len(h1.split()) < 3 or len(h1) > 300:
        return False
    if _squash(h1) in {_squash(s) for s in site_names}:
        return False
    squashed_h1, squashed_title = _squash(h1), _squash(title)
    if len(squashed_h1) > len(squashed_title) and squashed_h1.endswith(squashed_title):
        return False  # the heading is the title behind a section label

    # share a distinctive word with the metadata title, so a site banner in <h1> does not win
    h1_words = {w for w in re.findall(r"\w{4,}", h1.lower())}
    title_words = {w for w in re.findall(r"\w{4,}", title.lower())}
    return len(h1_words & title_words) >= max(1, min(len(h1_words), len(title_words)) // 3)


def _choose_title(article: Article, meta: PageMeta, tree, hints: Hints | None, sel: SelectorResult,
                  lead: list[str]) -> None:
    h1_nodes = tree.xpath("//h1")
    h1 = _node_text(h1_nodes[0]) if h1_nodes else None
    headings = frozenset(_squash(t) for t in [*lead[:15], *(_node_text(n) for n in tree.iter("h1", "h2", "h3"))]
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
            title = _unescape(" ".join(value.split()))
            if how != "selector":
                title = _strip_site_name(title, site_names, h1, urlsplit(article.url).hostname or "", headings)
                # metadata titles are often SEO variants or cut at 110 characters; the story's own
                # heading is what readers see, when it is clearly the same story's headline
                if h1 and how != "html" and _is_story_heading(h1, title, site_names):
                    title, how = _strip_section_labels(h1), "html"
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


def _same_text(a: str, b: str) -> bool:
    def norm(s: str) -> str:
        return " ".join(re.findall(r"\w+", s.lower()))

    return norm(a) == norm(b)


_FURNITURE_RE = re.compile(
    r"^(?:©|\(c\)|copyright\b)|all rights reserved|все права защищены|reproduction of (?:materials|content)"
    r"|подпишитесь на|sign up for|subscribe to our|newsletter|рассылк"
    r"|перепечатка|при (?:использовании|цитировании) материалов|^(?:share|follow us|subscribe|advertisement"
    r"|реклама|поделиться)\b",
    re.IGNORECASE,
)


# Rights notices end the story on every site that prints one: nothing after them is article text.
_END_MARKER_RE = re.compile(
    r"all rights reserved|все права защищены|права защищены|исключительные права|правовые ограничения"
    r"|(?:допускается|разрешается|запрещается) (?:цитирование|перепечатка|копирование|использование)"
    r"|(?:перепечатка|републикация|цитирование|копирование)[^.]{0,80}(?:ссылк|гиперссылк|согласовани|разрешени)"
    r"|may not be (?:reproduced|republished|redistributed)|without (?:the )?(?:prior )?written permission",
    re.IGNORECASE,
)
# a list of headlines each starting with its date or time: '27.11 \ 15:00 Title', '22:48 / 09.04.2013 Title'
_DATED_LINE_RE = re.compile(r"^\W*\d{1,2}[.:/]\d{2}(?:[.:/]\d{2,4})?\b")


# cross-links placed inside the story text: 'Read also: …', 'Читайте также: …'
_CROSS_LINK_RE = re.compile(
    r"^(?:read (?:also|more)|see also|also read|related(?: stories| articles)?|more on this|читайте (?:также|еще|ещё)"
    r"|смотрите также|см\. также|по теме|оқыңыз|окуңуз)\b\s*[:.\-–—]?",
    re.IGNORECASE,
)
# a summary box above the story: a 'Key points' label and its bullet lines
_SUMMARY_LABEL_RE = re.compile(r"^(?:key (?:points|facts|takeaways)|highlights|in brief|summary|главное|коротко"
                               r"|кратко|основное)\s*:?$", re.IGNORECASE)


def _drop_summary_box(paragraphs: list[str]) -> list[str]:
    for index, paragraph in enumerate(paragraphs[:3]):
        if _SUMMARY_LABEL_RE.match(paragraph.strip()):
            end = index + 1
            while end < len(paragraphs) and paragraphs[end].lstrip().startswith(("- ", "• ", "* ", "— ")):
                end += 1
            if end > index + 1:
                return paragraphs[:index] + paragraphs[end:]
    return paragraphs


def _is_furniture(paragraph: str) -> bool:
    words = len(paragraph.split())
    return (words <= 40 and bool(_FURNITURE_RE.search(paragraph))) or (words <= 8 and "©" in paragraph)


def _is_headline_list(paragraph: str) -> bool:
    lines = paragraph.split("\n")
    return len(lines) >= 3 and sum(1 for line in lines if _DATED_LINE_RE.match(line)) >= 0.6 * len(lines)


def _drop_dated_runs(paragraphs: list[str]) -> list[str]:
    """Drop runs of three or more short lines that each start with a date or time (headline lists)."""
    dated = [len(p.split()) <= 20 and _DATED_LINE_RE.match(p) is not None for p in paragraphs]
    keep = [True] * len(paragraphs)
    start = 0
    while start < len(paragraphs):
        end = start
        while end < len(paragraphs) and dated[end]:
            end += 1
        if end - start >= 3:
            keep[start:end] = [False] * (end - start)
        start = end + 1 if end == start else end
    return [p for p, k in zip(paragraphs, keep, strict=True) if k and not _is_headline_list(p)]


def _cut_after_rights_notice(paragraphs: list[str]) -> list[str]:
    for index in range(len(paragraphs) // 2, len(paragraphs)):
        if len(paragraphs[index].split()) <= 80 and _END_MARKER_RE.search(paragraphs[index]):
            return paragraphs[:index]
    return paragraphs


def _drop_heading(paragraphs: list[str], title: str | None) -> tuple[list[str], bool]:
    """Drop the headline and the short lines above it (menu items, section label); True if found."""
    if not title:
        return paragraphs, False
    for index, paragraph in enumerate(paragraphs[:15]):
        if _same_text(paragraph, title):
            if all(len(p.split()) <= 8 for p in paragraphs[:index]):
                return paragraphs[index + 1:], True
            break
    return paragraphs, False


def _is_trailing_junk(paragraph: str) -> bool:
    """A short label left at the end (menu link, button): no sentence, not a person's name."""
    words = paragraph.split()
    if len(words) > 3 or paragraph.rstrip().endswith((".", "!", "?", "…", "\"", "”", "»")):
        return False
    return not normalise_authors(paragraph, min_tokens=2)


def _clean_body(article: Article, paragraphs: list[str], site_names: tuple[str, ...]) -> tuple[list[str], list[str]]:
    paragraphs, after_heading = _drop_heading(paragraphs, article.title)
    paragraphs = _drop_dated_runs(_cut_after_rights_notice(paragraphs))
    paragraphs = [p for p in _drop_summary_box(paragraphs)
                  if not (len(p.split()) <= 25 and _CROSS_LINK_RE.match(p))]
    while paragraphs and (_is_furniture(paragraphs[-1]) or _is_trailing_junk(paragraphs[-1])):
        paragraphs = paragraphs[:-1]
    while paragraphs and _is_furniture(paragraphs[0]):
        paragraphs = paragraphs[1:]
    byline_authors: list[str] = []
    names, index = byline_from_paragraphs(paragraphs, site_names=site_names, after_heading=after_heading)
    if names and index is not None:
        byline_authors = names
        paragraphs = paragraphs[:index] + paragraphs[index + 1:]
        while paragraphs and (_is_furniture(paragraphs[-1]) or _is_trailing_junk(paragraphs[-1])):
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
    declared: tuple[str | None, str | None] = (None, None)
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
        article.description = _unescape(" ".join(description.split()))
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
    seen: set[str] = set()
    article.tags = [t for t in tags if not (t.lower() in seen or seen.add(t.lower()))]
    if article.tags:
        article.field_sources["tags"] = how


def _extract_into(article: Article, html: str | bytes, url: str, hints: Hints | None,
                  source: SourceConfig | None) -> None:
    text = decode_html(html)
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
    paragraphs, byline = _clean_body(article, paragraphs, site_names)
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
                    source: SourceConfig | None = None) -> Article:
    """Extract every record field a page gives; never raises on bad input, lists what is missing."""
    article = Article(url=url)
    try:
        _extract_into(article, html if html is not None else "", url, hints, source)
    except Exception as exc:  # a malformed page must cost one record's fields, never the batch
        article.warnings.append(f"extraction error: {type(exc).__name__}: {exc}")
    article.missing = [name for name in IMPORTANT_FIELDS if not getattr(article, name)]
    return article
