"""Raw zone on a LocalStore: bodies gzip-stored deterministically, one index row per URL, reruns replace a day."""

from __future__ import annotations

import gzip
import hashlib
import json
from datetime import UTC, date, datetime

import pyarrow as pa
import pytest
from newslake.fetching import FetchResult, Outcome
from newslake.rawzone import (
    RawZoneWriter,
    index_counts,
    index_key,
    raw_key,
    read_raw_body,
    read_raw_index,
    result_from_row,
    url_id,
)
from newslake.storage import LocalStore, ObjectNotFound, StorageUnavailableError
from newslake.urls import article_id

DAY = date(2026, 11, 18)
BASE = "https://wire.example.org/"


def result(path: str, outcome: Outcome = Outcome.FETCHED, body: bytes | None = b"<html>page</html>",
           **headers: str) -> FetchResult:
    ok = outcome is Outcome.FETCHED
    return FetchResult(
        url=BASE + path,
        final_url=BASE + path,
        status=200 if ok else 404,
        outcome=outcome,
        headers={"content-type": "text/html; charset=utf-8", "x-noise": "dropped",
                 **{k.replace("_", "-"): v for k, v in headers.items()}},
        body=body if ok else None,
        content_type="text/html",
        fetched_at=datetime(2026, 11, 19, 2, 30, 15, 123456, tzinfo=UTC),
        attempts=1,
        error=None if ok else "HTTP 404",
        elapsed=0.1,
    )


@pytest.fixture
def store(tmp_path) -> LocalStore:
    return LocalStore(tmp_path / "lake")


def test_round_trip_bodies_index_and_counts(store):
    writer = RawZoneWriter(store, "wire", DAY, "run-1")
    key_b = writer.add(result("b.html", body=b"<html>bee</html>", etag='"e1"'), extra={"hint_title": "Bee"})
    key_a = writer.add(result("a.html", body="<html>кириллица</html>".encode()))
    assert writer.add(result("gone.html", Outcome.GONE)) is None
    assert key_b == f"raw/source=wire/dt=2026-11-18/{article_id(BASE + 'b.html')}.html.gz"
    writer.flush()
    assert store.exists(key_b)  # stored as it arrives, before close
    table = writer.close()

    assert table.column("url").to_pylist() == [BASE + "a.html", BASE + "b.html", BASE + "gone.html"]
    assert table.schema.field("status").type == pa.int16()
    assert table.schema.field("fetched_at").type == pa.timestamp("us", tz="UTC")
    stored = read_raw_index(store, "wire", DAY)
    assert stored.equals(table) and stored.schema.metadata == table.schema.metadata
    assert read_raw_body(store, key_a) == "<html>кириллица</html>".encode()
    rows = {r["url"]: r for r in stored.to_pylist()}
    row_b = rows[BASE + "b.html"]
    assert row_b["sha256"] == hashlib.sha256(b"<html>bee</html>").hexdigest()
    assert json.loads(row_b["headers"]) == {"content-type": "text/html; charset=utf-8", "etag": '"e1"'}
    assert row_b["hint_title"] == "Bee" and rows[BASE + "a.html"]["hint_title"] is None
    assert rows[BASE + "gone.html"]["raw_key"] is None and rows[BASE + "gone.html"]["outcome"] == "gone"
    assert row_b["run_id"] == "run-1"
    counts = index_counts(stored)
    assert counts["fetched"] == 2 and counts["gone"] == 1 and counts["blocked"] == 0
    assert set(counts) == {o.value for o in Outcome}
    replayed = result_from_row(row_b, read_raw_body(store, row_b["raw_key"]))
    assert replayed.outcome is Outcome.FETCHED and replayed.etag == '"e1"' and replayed.body == b"<html>bee</html>"
    assert replayed.fetched_at == datetime(2026, 11, 19, 2, 30, 15, 123456, tzinfo=UTC)


def test_bodies_are_deterministic_gzip(store, tmp_path):
    other = LocalStore(tmp_path / "other")
    for target in (store, other):
        writer = RawZoneWriter(target, "wire", DAY, "run-1")
        writer.add(result("a.html"))
        writer.flush()
    key = raw_key("wire", DAY, BASE + "a.html")
    assert store.get(key) == other.get(key)
    assert gzip.decompress(store.get(key)) == b"<html>page</html>"


class _BodiesFail(LocalStore):
    """A LocalStore whose body PUTs fail the way an S3 outage does."""

    def put(self, key, data, **kw):
        if key.endswith(".html.gz"):
            raise StorageUnavailableError(f"PUT {key}: 503")
        return super().put(key, data, **kw)


def test_a_failed_body_put_fails_close_and_keeps_the_previous_index(tmp_path):
    store = _BodiesFail(tmp_path / "lake")
    writer = RawZoneWriter(store, "wire", DAY, "run-1")
    for i in range(20):  # more than the PUTs in flight: the failure may surface in add or in close
        try:
            writer.add(result(f"p{i}.html"))
        except StorageUnavailableError:
            break
    with pytest.raises(StorageUnavailableError):
        writer.close()
    assert not store.exists(index_key("wire", DAY))


def test_readding_a_url_keeps_one_row(store):
    writer = RawZoneWriter(store, "wire", DAY, "run-1")
    writer.add(result("a.html", body=b"v1"))
    writer.add(result("a.html", body=b"v2"))
    table = writer.close()
    assert table.num_rows == 1
    assert read_raw_body(store, table.column("raw_key")[0].as_py()) == b"v2"


def test_rerun_replaces_the_day_and_leaves_other_days_alone(store):
    other_day = date(2026, 11, 17)
    first = RawZoneWriter(store, "wire", DAY, "run-1")
    for name in ("a.html", "b.html", "c.html"):
        first.add(result(name))
    first.close()
    neighbour = RawZoneWriter(store, "wire", other_day, "run-0")
    neighbour.add(result("old.html"))
    neighbour.close()
    before_other = {k: store.get(k) for k in store.list("raw/source=wire/dt=2026-11-17/")}

    rerun = RawZoneWriter(store, "wire", DAY, "run-2")
    rerun.add(result("a.html"))
    rerun.add(result("b.html", Outcome.GONE))
    rerun.close()

    index = read_raw_index(store, "wire", DAY)
    assert index.column("url").to_pylist() == [BASE + "a.html", BASE + "b.html"]
    assert set(index.column("run_id").to_pylist()) == {"run-2"}
    day_keys = store.list("raw/source=wire/dt=2026-11-18/")
    assert day_keys == sorted([index_key("wire", DAY), raw_key("wire", DAY, BASE + "a.html")])
    assert {k: store.get(k) for k in store.list("raw/source=wire/dt=2026-11-17/")} == before_other


def test_failed_run_keeps_previous_index(store):
    with RawZoneWriter(store, "wire", DAY, "run-1") as writer:
        writer.add(result("a.html"))
    with pytest.raises(RuntimeError), RawZoneWriter(store, "wire", DAY, "run-2") as writer:
        writer.add(result("b.html"))
        raise RuntimeError("S3 went away")
    assert read_raw_index(store, "wire", DAY).column("run_id").to_pylist() == ["run-1"]


def test_empty_day_and_missing_day(store):
    table = RawZoneWriter(store, "wire", DAY, "run-1").close()
    assert table.num_rows == 0 and table.schema.names[:3] == ["url", "final_url", "status"]
    assert read_raw_index(store, "wire", DAY).num_rows == 0
    with pytest.raises(ObjectNotFound):
        read_raw_index(store, "wire", date(2020, 1, 1))


def test_extra_columns_cannot_shadow_index_columns(store):
    with pytest.raises(ValueError, match="outcome"):
        RawZoneWriter(store, "wire", DAY, "run-1").add(result("a.html"), extra={"outcome": "x"})


def test_url_id_is_the_article_id_of_the_requested_url():
    assert url_id(BASE + "a.html?utm_source=x") == article_id(BASE + "a.html")
