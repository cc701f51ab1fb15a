"""Body checks: HTML vs binary sniffing, and capped Content-Encoding decoding (compression bombs)."""

from __future__ import annotations

import gzip
import zlib

import pytest
from newslake.fetching.compression import BodyTooLarge, CappedDecoder, UnsupportedEncoding
from newslake.fetching.content import html_problem, looks_binary, media_type

PAGE = b"<!doctype html><html><body><p>hello</p></body></html>"


def feed_all(decoder: CappedDecoder, data: bytes, step: int = 4096) -> bytes:
    return b"".join(decoder.feed(data[i:i + step]) for i in range(0, len(data), step)) + decoder.finish()


def test_media_type():
    assert media_type("Text/HTML; charset=UTF-8") == "text/html"
    assert media_type(None) is None and media_type("") is None


@pytest.mark.parametrize(
    ("ctype", "body", "ok"),
    [
        ("text/html; charset=utf-8", PAGE, True),
        ("application/xhtml+xml", PAGE, True),
        (None, PAGE, True),
        ("text/plain", PAGE, True),  # mislabelled page that is clearly HTML
        ("text/plain", b"just words", False),
        ("text/html", b"\x89PNG\r\n\x1a\n\x00\x00", False),
        ("text/html", b"%PDF-1.7 ...", False),
        ("text/html", b"GIF89a....", False),
        ("application/pdf", b"%PDF-1.7", False),
        ("image/jpeg", PAGE, False),
        ("application/octet-stream", PAGE, False),
    ],
)
def test_html_problem(ctype, body, ok):
    assert (html_problem(ctype, body) is None) is ok


def test_looks_binary_spares_utf16_with_bom():
    assert not looks_binary(b"\xff\xfe<\x00h\x00")
    assert looks_binary(b"<html>\x00\x00</html>")


@pytest.mark.parametrize(
    ("coding", "compress"),
    [("gzip", gzip.compress), ("deflate", zlib.compress), ("deflate", lambda d: zlib.compress(d)[2:-4])],
)
def test_decoders_round_trip(coding, compress):
    data = PAGE * 500
    assert feed_all(CappedDecoder(coding, 1 << 20), compress(data), step=7) == data


def test_brotli_round_trip_and_bomb():
    brotli = pytest.importorskip("brotli")
    assert feed_all(CappedDecoder("br", 1 << 20), brotli.compress(PAGE * 100)) == PAGE * 100
    bomb = brotli.compress(bytes(200 << 20), quality=1)
    with pytest.raises(BodyTooLarge):
        feed_all(CappedDecoder("br", 1 << 20), bomb)


def test_gzip_bomb_is_cut_at_the_cap_without_inflating_it():
    member = gzip.compress(bytes(16 << 20), mtime=0)
    bomb = member * 64  # ~1 GB of zeros in ~1 MB, multi-member
    decoder = CappedDecoder("gzip", 2_000_000)
    with pytest.raises(BodyTooLarge):
        feed_all(decoder, bomb, step=65536)
    assert decoder.total <= 2_000_001


def test_multi_member_gzip_is_fully_decoded():
    data = gzip.compress(b"one ") + gzip.compress(b"two")
    assert feed_all(CappedDecoder("gzip", 100), data, step=5) == b"one two"


def test_identity_is_capped_too():
    with pytest.raises(BodyTooLarge):
        feed_all(CappedDecoder(None, 10), b"x" * 11)
    assert feed_all(CappedDecoder("identity", 10), b"x" * 10) == b"x" * 10


def test_unknown_or_stacked_encodings_are_refused():
    with pytest.raises(UnsupportedEncoding):
        CappedDecoder("compress", 10)
    with pytest.raises(UnsupportedEncoding):
        CappedDecoder("gzip, br", 10)
