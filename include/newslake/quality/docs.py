"""Data Docs under quality/docs/: one GX-rendered page per kept result, an index built from all stored results.

A GX site built from a fresh ephemeral context only knows that context's run, so rebuilding it
would drop every other run's page. Here each run writes only its own page, and the index is
rebuilt from a listing of every stored result; a run that lists before a concurrent one has
stored its result re-lists after writing the index and writes it again until the two agree.
"""

from __future__ import annotations

import html
import logging
import os
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

from newslake import layout
from newslake.storage import ObjectStore

log = logging.getLogger(__name__)

DOCS_DIR_ENV = "NEWSLAKE_DATA_DOCS_DIR"  # local copy of the site (the embedded stack sets it)
SECTIONS_PREFIX = layout.DOCS_PREFIX + "_sections/"  # one index section per source


def section_key(source_id: str) -> str:
    """Where the entry page's section of one source is kept."""
    return f"{SECTIONS_PREFIX}{layout.check_id('source id', source_id)}.html"


def docs_key(source_id: str, day: date | str, run_id: str | None = None, store: ObjectStore | None = None) -> str | None:
    """The Data Docs page key of a source-day: run_id's page, else the day's latest (None if never validated)."""
    if run_id is not None:
        return layout.docs_page_key(source_id, day, run_id)
    if store is None:
        raise ValueError("docs_key needs run_id or a store to read the day's latest pointer from")
    from newslake.quality.results import latest

    pointer = latest(store, source_id, layout.as_day(day))
    return pointer["docs_key"] if pointer else None


def docs_url(base_url: str, key: str) -> str:
    """A browser URL for a docs key under base_url (a bucket's HTTP endpoint or a file:// directory)."""
    return base_url.rstrip("/") + "/" + key


def render_page(result) -> str:
    """GX's Data Docs HTML for one ExpectationSuiteValidationResult (object or its JSON dict)."""
    from newslake.quality.run import import_gx

    import_gx()
    from great_expectations.core.expectation_validation_result import ExpectationSuiteValidationResultSchema
    from great_expectations.render.renderer import ValidationResultsPageRenderer
    from great_expectations.render.view import DefaultJinjaPageView

    if isinstance(result, dict):
        result = ExpectationSuiteValidationResultSchema().load(result)
    document = ValidationResultsPageRenderer().render(result)
    return DefaultJinjaPageView().render(document)


def _entries(result_keys: list[str]) -> dict[str, dict[str, list[str]]]:
    """source -> day -> run segments, from result keys."""
    tree: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for key in result_keys:
        parsed = layout.parse_partition(key)
        if parsed is None:
            continue
        _, source, day = parsed
        run = key.rsplit("/", 2)[-2].removeprefix("run=")
        tree[source][day.isoformat()].append(run)
    return tree


def render_source_section(source_id: str, result_keys: list[str]) -> str:
    """One source's part of the entry page: its days, newest first, each linking every run's page."""
    days = _entries(result_keys).get(source_id, {})
    sid = html.escape(source_id)
    rows = []
    for day in sorted(days, reverse=True):
        links = []
        for run in sorted(days[day]):
            href = f"validations/source={source_id}/dt={day}/run={run}.html"
            links.append(f"<a href='{html.escape(href, quote=True)}'>{html.escape(run)}</a>")
        rows.append(f"<tr><td>{day}</td><td>{' | '.join(links)}</td></tr>")
    return (f"<h2 id='source-{sid}'>{sid}</h2><p>{len(result_keys)} results</p>"
            f"<table><tr><th>day</th><th>runs</th></tr>{''.join(rows)}</table>")


def render_index(sections: list[str]) -> str:
    """The site's entry page from the per-source sections."""
    return "\n".join([
        "<!doctype html><html><head><meta charset='utf-8'><title>newslake Data Docs</title>",
        "<style>body{font-family:sans-serif;margin:2em}td,th{padding:2px 10px;text-align:left}</style></head><body>",
        "<h1>newslake Data Docs</h1>",
        "<p>Great Expectations results of suite newslake_articles: one page per validation run.</p>",
        *sections,
        "</body></html>",
    ])


def _local_copy(key: str, body: str) -> None:
    root = os.environ.get(DOCS_DIR_ENV)
    if not root:
        return
    path = Path(root).joinpath(*key.removeprefix(layout.DOCS_PREFIX).split("/"))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(body, encoding="utf-8")
    tmp.replace(path)


def _put_html(store: ObjectStore, key: str, body: str) -> None:
    store.put(key, body.encode("utf-8"), content_type="text/html; charset=utf-8")
    _local_copy(key, body)


def publish_page(store: ObjectStore, source_id: str, day: date, run_id: str, result: Any) -> str:
    """Write one run's page (bucket + local copy); returns its key. Other runs' pages are never touched."""
    key = layout.docs_page_key(source_id, day, run_id)
    _put_html(store, key, render_page(result))
    return key


def _sections(store: ObjectStore) -> list[str]:
    keys = [k for k in store.list(SECTIONS_PREFIX) if k.endswith(".html")]
    return [store.get(k).decode("utf-8") for k in keys]


def rebuild_index(store: ObjectStore, source_id: str | None = None, max_rounds: int = 5) -> int:
    """Rebuild the entry page from the stored results (of source_id's section, or every source's); returns entries.

    Each source's section is rebuilt from a listing of that source's results only, so a run
    lists one source's days, not the whole lake; the page joins every stored section.
    """
    from newslake.quality.results import result_keys

    if source_id is None:  # the whole site: every source that has a stored result
        sources = sorted({p[1] for p in map(layout.parse_partition, result_keys(store)) if p})
    else:
        sources = [source_id]
    total = 0
    for sid in sources:
        keys = result_keys(store, sid)
        store.put(section_key(sid), render_source_section(sid, keys).encode(), content_type="text/html")
        total += len(keys)
    sections = _sections(store)
    for _ in range(max_rounds):
        _put_html(store, layout.DOCS_INDEX_KEY, render_index(sections))
        again = _sections(store)
        mine = [result_keys(store, sid) for sid in sources]
        if again == sections and sum(map(len, mine)) == total:
            break
        # A concurrent run stored a result or a section after we read them: rebuild with it.
        total = 0
        for sid, keys in zip(sources, mine, strict=True):
            store.put(section_key(sid), render_source_section(sid, keys).encode(), content_type="text/html")
            total += len(keys)
        sections = _sections(store)
    return sum(s.count("<a href=") for s in sections)


def rebuild_site(store: ObjectStore, *, pages: bool = True) -> dict[str, int]:
    """Rebuild the whole site from the stored results: every page (when pages) and the index."""
    from newslake.quality.results import read_result, result_keys

    rendered = 0
    if pages:
        for key in result_keys(store):
            parsed = layout.parse_partition(key)
            if parsed is None:
                continue
            _, source, day = parsed
            run = key.rsplit("/", 2)[-2].removeprefix("run=")
            page = f"{layout.DOCS_PREFIX}validations/source={source}/dt={day.isoformat()}/run={run}.html"
            _put_html(store, page, render_page(read_result(store, key)))
            rendered += 1
    return {"pages": rendered, "index_entries": rebuild_index(store)}
