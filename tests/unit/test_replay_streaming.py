"""The replay path streams raw bodies: a few are read ahead of the page being parsed, never the whole day."""

from __future__ import annotations

import dataclasses
import threading
import tracemalloc
from datetime import date

import pytest
from demo_site.synthetic import synthetic_pages
from newslake.config import get_source
from newslake.layout import BODY_SUFFIX
from newslake.pipeline import RunContext, day_interval, extract_table, replay_fetch_stage
from newslake.rawzone import iter_raw_bodies, read_raw_body, read_raw_index
from newslake.storage import ObjectNotFound
from newslake_dev.rawgen import write_raw_day

DAY = date(2026, 11, 18)


class CountingStore:
    """A LocalStore wrapper that counts raw-body reads, to see how far reads run ahead of the consumer."""

    def __init__(self, store) -> None:
        self._store = store
        self._lock = threading.Lock()
        self.body_reads = 0

    def get(self, key: str) -> bytes:
        data = self._store.get(key)
        if key.endswith(BODY_SUFFIX):
            with self._lock:
                self.body_reads += 1
        return data

    def __getattr__(self, name):
        return getattr(self._store, name)


def _rows(store) -> list[dict]:
    return sorted(read_raw_index(store, "demo", DAY).to_pylist(), key=lambda r: r["url"])


@pytest.mark.parametrize("read_ahead", [1, 4])
def test_bodies_are_read_in_order_and_at_most_read_ahead_beyond_the_one_in_hand(local_store, read_ahead) -> None:
    write_raw_day(local_store, "demo", DAY, synthetic_pages(DAY, 30))
    store = CountingStore(local_store)
    rows = _rows(local_store)
    seen, ahead = [], []
    for row, body in iter_raw_bodies(store, rows, read_ahead=read_ahead):
        seen.append((row["url"], body))
        ahead.append(store.body_reads - len(seen))
    assert [url for url, _ in seen] == [r["url"] for r in rows]
    assert [body for _, body in seen] == [read_raw_body(local_store, r["raw_key"]) for r in rows]
    assert max(ahead) <= read_ahead
    assert store.body_reads == len(rows)


def test_a_body_that_cannot_be_read_is_handed_back_as_its_error_and_the_rest_still_come(local_store) -> None:
    write_raw_day(local_store, "demo", DAY, synthetic_pages(DAY, 6))
    rows = _rows(local_store)
    local_store.delete(rows[2]["raw_key"])
    got = list(iter_raw_bodies(local_store, rows))
    assert [type(b) for _, b in got] == [bytes, bytes, ObjectNotFound, bytes, bytes, bytes]


@dataclasses.dataclass(frozen=True)
class Padded:
    """A synthetic page with a large comment block: heavy HTML, the same small article."""

    url: str
    body: bytes
    headers: dict
    fetched_at: object


def _extract_peak(store, day: date, pages: int) -> tuple[int, int]:
    """Peak traced memory of extracting a day of padded pages, and the day's HTML bytes."""
    pad = b"<!-- " + b"layout filler " * 18_000 + b" -->"  # ~0.25 MB a page; gzip keeps the raw zone small
    padded = [Padded(p.url, p.body.replace(b"</body>", pad + b"</body>"), p.headers, p.fetched_at)
              for p in synthetic_pages(day, pages)]
    html_bytes = sum(len(p.body) for p in padded)
    write_raw_day(store, "demo", day, padded)
    del padded
    start, end = day_interval(day)
    ctx = RunContext(get_source("demo"), start, end, f"streaming-{day}", store)
    handed = replay_fetch_stage(ctx)
    tracemalloc.start()
    try:
        table, _ = extract_table(ctx, handed)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert table.num_rows == pages
    return peak, html_bytes


def test_extracting_a_day_never_holds_its_html_at_once(local_store) -> None:
    from newslake.enrichment import enrich

    enrich("warm up", "Almaty Kazakhstan court detained", "en")  # one-off compiled data is not the day's HTML
    _extract_peak(local_store, date(2026, 11, 16), 2)  # and neither are the extractor's lazy set-ups
    small, _ = _extract_peak(local_store, date(2026, 11, 17), 12)
    large, html_bytes = _extract_peak(local_store, date(2026, 11, 18), 48)
    # Four times the pages, about the same peak: memory follows the pages in flight, not the day's size
    # (holding every page would put the large day's peak above its HTML alone).
    assert large < 1.5 * small, f"peak {small / 1e6:.1f} MB for 12 pages, {large / 1e6:.1f} MB for 48"
    assert large < 0.5 * html_bytes, f"peak {large / 1e6:.1f} MB for {html_bytes / 1e6:.1f} MB of HTML"
