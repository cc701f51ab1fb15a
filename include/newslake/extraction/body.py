"""Main-text extraction: trafilatura on the shared tree, checked against JSON-LD articleBody and selectors."""

from __future__ import annotations

import re

_BLOCK_TAGS = frozenset(
    "p div h1 h2 h3 h4 h5 h6 li blockquote pre section article header footer ul ol table tr td th "
    "figure figcaption dd dt br hr main aside".split()
)
_SKIP_TAGS = frozenset("script style noscript template svg button form iframe nav".split())


_TABLE_ROW_RE = re.compile(r"^\|.*\|$")
_WORD_RE = re.compile(r"\w")
_LAYOUT_CELL_BLOCKS = frozenset("p div ul ol h1 h2 h3 h4 h5 h6 blockquote table form".split())
_TABLE_PARTS = frozenset("table tbody thead tfoot tr td th".split())


def paragraphs_of(text: str | None) -> list[str]:
    """Split extracted text into paragraphs; rows of a data table stay together, one row a line."""
    if not text:
        return []
    out: list[str] = []
    in_table = False
    for line in text.split("\n"):
        line = " ".join(line.split())
        if not _WORD_RE.search(line):  # separators like '|' or '•' left between menu links
            in_table = in_table and _TABLE_ROW_RE.match(line) is not None  # a table's header rule
            continue
        if _TABLE_ROW_RE.match(line):
            row = " ".join(cell.strip() for cell in line.strip("|").split("|") if cell.strip())
            if not row.strip("-: "):  # the header rule under a table's first row
                continue
            if in_table:
                out[-1] += "\n" + row
            else:
                out.append(row)
            in_table = True
        else:
            out.append(line)
            in_table = False
    return out


def _is_layout_table(table) -> bool:
    """A grid of short plain cells is data; one column, block content or long cells mean layout."""
    if any(True for _ in table.iterdescendants("table")):
        return True
    widest = 0
    for row in table.iter("tr"):
        cells = [c for c in row if isinstance(c.tag, str) and c.tag in ("td", "th")]
        widest = max(widest, len(cells))
        for cell in cells:
            if sum(1 for _ in cell.iter("br")) >= 2:
                return True
            if any(isinstance(child.tag, str) and child.tag in _LAYOUT_CELL_BLOCKS for child in cell.iter()):
                return True
            text = " ".join("".join(cell.itertext()).split())
            if text.count(" ") >= 40:
                return True
    return widest <= 1


def unwrap_layout_tables(tree) -> int:
    """Turn tables used for page layout into divs so the boilerplate remover sees blocks, not a grid."""
    changed = 0
    for table in list(tree.iter("table")):
        if _is_layout_table(table):
            # only this table's own grid: a data table nested inside keeps its rows
            own = [n for n in table.iterdescendants(*_TABLE_PARTS)
                   if n.tag != "table" and next(n.iterancestors("table"), None) is table]
            for node in [table, *own]:
                node.tag = "div"
            changed += 1
    return changed


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


_SHORTCODE_RE = re.compile(r"\[/?[a-z_][\w-]*(?:\s[^\]]*)?\]")
_TRUNCATED_RE = re.compile(r"(?:\.\.\.|…|\[&hellip;\]|\[…\]|&hellip;|read more:?)\s*$", re.IGNORECASE)


# Below this many words of prose the fast pass probably missed the story, so the full cascade
# (readability/justext comparison, recall retries) is worth its cost.
SHORT_EXTRACTION_WORDS = 40
_PROSE_MIN_WORDS = 10  # shorter lines are labels, counters and links, not evidence of a story


def _prose_words(paragraphs: list[str]) -> int:
    return sum(n for n in (len(p.split()) for p in paragraphs) if n >= _PROSE_MIN_WORDS)


def main_text_paragraphs(tree, url: str | None) -> list[str]:
    """trafilatura's fast precision pass; its full cascade only when that found little prose.

    Measured on the development corpora, the fast precision pass keeps less boilerplate than the
    default cascade at a third of its cost; the cascade still rescues pages where it under-extracts.
    """
    fast = trafilatura_paragraphs(tree, url, fast=True, precision=True)
    fast_words = _prose_words(fast)
    if fast_words >= SHORT_EXTRACTION_WORDS:
        return fast
    best, best_words = fast, fast_words
    # the full cascade first, then the fast pass without precision pruning (small pages built
    # from many tiny blocks lose everything to it; their menus are cleaned up afterwards)
    for options in ({}, {"fast": True}):
        candidate = trafilatura_paragraphs(tree, url, **options)
        words = _prose_words(candidate)
        if words > best_words:
            best, best_words = candidate, words
        if best_words >= SHORT_EXTRACTION_WORDS:
            break
    return best


def jsonld_body_paragraphs(body: str | None) -> list[str]:
    """Paragraphs of a JSON-LD articleBody: entities decoded, HTML and CMS shortcodes removed."""
    if not body or not body.strip():
        return []
    import html

    for _ in range(2):  # some CMSs escape the HTML twice
        if "&" in body and re.search(r"&(?:[a-z]+|#\d+|#x[0-9a-f]+);", body, re.IGNORECASE):
            body = html.unescape(body)
    if "<" in body and re.search(r"</?[a-z][^>]*>|<!--", body, re.IGNORECASE):
        from lxml import html as lxml_html

        try:
            fragment = lxml_html.fragment_fromstring(body, create_parent="div")
            paragraphs = element_paragraphs(fragment)
        except Exception:
            paragraphs = paragraphs_of(re.sub(r"<[^>]+>", " ", body))
    else:
        paragraphs = paragraphs_of(body)
    paragraphs = [" ".join(_SHORTCODE_RE.sub(" ", p).split()) for p in paragraphs]
    return [p for p in paragraphs if p]


def is_truncated(paragraphs: list[str]) -> bool:
    """True when a text ends like a teaser ('...', '[…]', 'Read more')."""
    return not paragraphs or bool(_TRUNCATED_RE.search(paragraphs[-1]))


def _shingle_set(text: str) -> set[tuple[str, ...]]:
    tokens = re.findall(r"\w+", text.lower())
    if len(tokens) < 4:
        return {tuple(tokens)} if tokens else set()
    return {tuple(tokens[i:i + 4]) for i in range(len(tokens) - 3)}


def _resegment(text: str, guide: list[str]) -> list[str]:
    """Split one long paragraph where the guide's paragraphs start, so structure survives."""
    cuts = set()
    for paragraph in guide[1:]:
        head = paragraph[:40]
        pos = text.find(head) if len(head) >= 20 else -1
        if pos > 0:
            cuts.add(pos)
    if not cuts:
        return [text]
    bounds = [0, *sorted(cuts), len(text)]
    return [p for p in (text[a:b].strip() for a, b in zip(bounds, bounds[1:], strict=False)) if p]


def reconcile_with_jsonld(extracted: list[str], ld: list[str]) -> tuple[list[str], str]:
    """Use a complete JSON-LD articleBody to prune or replace the extractor's paragraphs.

    The articleBody is the publisher's own statement of the text: paragraphs of the extracted text
    that it does not contain are boilerplate; if the extracted text misses much of it, the
    extractor picked the wrong block and the articleBody wins.
    """
    ld_text = "\n".join(ld)
    ld_shingles = _shingle_set(ld_text)
    if not ld_shingles:
        return extracted, "trafilatura"
    ex_shingles = _shingle_set("\n".join(extracted))
    covered = len(ex_shingles & ld_shingles) / len(ld_shingles)
    if covered < 0.7 or (len(extracted) == 1 and len(ld) > 1):
        if len(ld) == 1 and len(extracted) > 1:
            ld = _resegment(ld[0], extracted)
        return ld, "jsonld"
    ld_words = " " + " ".join(re.findall(r"\w+", ld_text.lower())) + " "
    # when the extraction is not much longer than the articleBody, a long prose paragraph the
    # articleBody lacks is more likely a lede it left out than boilerplate
    strict = len(ex_shingles) > 1.5 * len(ld_shingles)
    kept = []
    for paragraph in extracted:
        if not strict and len(paragraph.split()) >= 30:
            kept.append(paragraph)
            continue
        shingles = _shingle_set(paragraph)
        if len(shingles) <= 1:
            if " " + " ".join(re.findall(r"\w+", paragraph.lower())) + " " in ld_words:
                kept.append(paragraph)
        elif len(shingles & ld_shingles) >= 0.3 * len(shingles):
            kept.append(paragraph)
    return (kept, "trafilatura+jsonld") if kept else (extracted, "trafilatura")
