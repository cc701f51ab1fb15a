"""Is this body what we asked for? Content-Type checks plus byte sniffing for binaries."""

from __future__ import annotations

import json
import re

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


_KNOWN_MAGIC = (
    (b"\x89PNG", "a PNG image"),
    (b"%PDF-", "a PDF document"),
    (b"GIF8", "a GIF image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"PK\x03\x04", "a zip archive (or a docx/epub)"),
    (b"\x1f\x8b", "gzip-compressed data"),
)
_ROOT_RE = re.compile(rb"<([A-Za-z][\w:.\-]*)")
_XML_ROOTS = {b"rss": "an RSS feed", b"feed": "an Atom feed", b"rdf:rdf": "an RSS 1.0 feed",
              b"urlset": "a sitemap", b"sitemapindex": "a sitemap index"}


def not_a_page(body: bytes) -> str | None:
    """What body is when it is not an HTML page ('a PNG image', 'an RSS feed', 'JSON', ...); None for HTML."""
    head = body[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head:
        return "an empty file"
    for magic, what in _KNOWN_MAGIC:
        if head.startswith(magic):
            return what
    if looks_binary(body):
        return "binary data"
    if head[:1] in (b"{", b"["):
        try:
            json.loads(body)
            return "JSON"
        except ValueError:
            pass
    # The first element (after any <?xml?>, comments and doctype) names the document.
    stripped = re.sub(rb"<\?.*?\?>|<!--.*?-->|<!.*?>", b"", head, flags=re.S)
    root = _ROOT_RE.search(stripped)
    if root is None:
        return "plain text without HTML markup"
    name = root.group(1).lower()
    if name in _XML_ROOTS:
        return _XML_ROOTS[name]
    if head.startswith(b"<?xml") and name not in (b"html", b"xhtml"):
        return f"an XML document (<{name.decode('ascii', 'replace')}>)"
    return None
