"""Is this body what we asked for? Content-Type checks plus byte sniffing for binaries."""

from __future__ import annotations

_BINARY_MAGIC = (
    b"%PDF-",
    b"\x89PNG",
    b"GIF87a",
    b"GIF89a",
    b"\xff\xd8\xff",  # JPEG
    b"PK\x03\x04",  # zip, docx, epub
    b"\x1f\x8b",  # gzip
    b"RIFF",  # webp, wav, avi
    b"\x00\x00\x00",  # mp4/ftyp and other box formats
    b"OggS",
    b"ID3",  # mp3
    b"\x7fELF",
    b"MZ",
    b"BZh",
    b"\xfd7zXZ",
    b"7z\xbc\xaf",
    b"wOFF",
    b"wOF2",
)
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_TEXTUAL_SUFFIXES = ("+xml", "/xml", "+json")


def media_type(content_type: str | None) -> str | None:
    """'text/html; charset=utf-8' -> 'text/html' (lowercase), None when absent."""
    if not content_type:
        return None
    value = content_type.split(";", 1)[0].strip().lower()
    return value or None


def looks_binary(body: bytes) -> bool:
    """True when the first bytes are a known binary signature or contain NUL bytes (UTF-16 BOMs excepted)."""
    head = body[:1024]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    if head.startswith(_BINARY_MAGIC):
        return True
    return b"\x00" in head


def is_gzip(body: bytes) -> bool:
    """True for gzip-compressed bytes (e.g. a sitemap.xml.gz served without Content-Encoding)."""
    return body[:2] == b"\x1f\x8b"


def html_problem(content_type: str | None, body: bytes) -> str | None:
    """Why this is not an HTML page, or None if it is (or plausibly is)."""
    kind = media_type(content_type)
    if kind is not None and kind not in HTML_TYPES and kind != "text/plain" and not kind.endswith(_TEXTUAL_SUFFIXES):
        return f"content-type {kind} is not HTML"
    if looks_binary(body):
        return "body bytes look binary (sniffed)"
    if kind in ("text/plain",) or kind is None or kind.endswith(_TEXTUAL_SUFFIXES):
        # Servers mislabel pages as text/plain or send no type; accept them only if they look like markup.
        start = body[:2048].lstrip().lower()
        if not start.startswith((b"<!doctype html", b"<html", b"<head", b"<!--", b"<?xml", b"\xef\xbb\xbf<")):
            if b"<html" not in body[:4096].lower():
                return f"content-type {kind or 'missing'} and no HTML markup"
    return None


def xml_problem(content_type: str | None, body: bytes) -> str | None:
    """Why this is not a feed/sitemap document, or None if it may be one."""
    if looks_binary(body):
        return "body bytes look binary (sniffed)"
    return None
