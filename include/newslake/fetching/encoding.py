"""Turn HTML bytes into text: BOM, HTTP charset, <meta> charset, then statistical detection."""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_CHARSET_PARAM = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.I)
_META_TAG = re.compile(rb"<meta\b[^>]*>", re.I)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.I)
# The WHATWG Encoding Standard treats these labels as windows-1252, which is what browsers decode.
_WINDOWS_1252_LABELS = frozenset({"iso-8859-1", "latin-1", "ascii", "us-ascii", "iso8859-1", "latin1", "l1"})
_SINGLE_BYTE_SAMPLE = 64 * 1024


def _codec(label: str | None) -> str | None:
    """A Python codec name for an HTML/HTTP charset label, or None if unknown."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    if label in _WINDOWS_1252_LABELS:
        return "cp1252"
    if label in ("utf-16", "utf-16le", "utf-16be"):
        # A <meta> or header cannot truthfully say UTF-16 for ASCII-compatible bytes; browsers use UTF-8.
        return "utf-8"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def header_charset(headers: Mapping[str, str] | None) -> str | None:
    """The charset label from a Content-Type header, if any."""
    if not headers:
        return None
    value = headers.get("content-type") or headers.get("Content-Type") or ""
    match = _HEADER_CHARSET.search(value)
    return match.group(1) if match else None


def meta_charset(body: bytes) -> str | None:
    """The charset declared by <meta charset> or <meta http-equiv=Content-Type> in the first 4 KB."""
    head = body[:4096]
    for tag in _META_TAG.finditer(head):
        text = tag.group(0)
        lowered = text.lower()
        if b"charset" not in lowered:
            continue
        if b"http-equiv" in lowered and b"content-type" not in lowered:
            continue
        match = _CHARSET_PARAM.search(text)
        if match:
            return match.group(1).decode("ascii", "replace")
    return None


def _is_utf8_with_multibyte(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return any(b >= 0x80 for b in body)


def _decodes(body: bytes, codec: str) -> bool:
    try:
        body.decode(codec)
    except UnicodeDecodeError:
        return False
    return True


def _trust(body: bytes, codec: str | None) -> str | None:
    """The declared codec, unless the bytes show it is wrong."""
    if codec is None:
        return None
    if codec == "utf-8":
        return codec if _decodes(body, "utf-8") else None
    # Valid multi-byte UTF-8 is almost never produced by accident, so a single-byte label on such
    # bytes is a mislabel (a common CMS misconfiguration) and UTF-8 is the right reading.
    if _is_utf8_with_multibyte(body[:_SINGLE_BYTE_SAMPLE]) and _decodes(body, "utf-8"):
        return "utf-8"
    return codec


def detect_encoding(body: bytes, headers: Mapping[str, str] | None = None) -> tuple[str, str]:
    """(python codec, how it was chosen) for an HTML body: bom, header, meta, utf-8, detected or fallback."""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return codec, "bom"
    declared_header = _codec(header_charset(headers))
    declared_meta = _codec(meta_charset(body))
    if declared_header == "cp1252" and declared_meta not in (None, "cp1252") and _trust(body, declared_meta):
        # iso-8859-1 is the stock default of many servers; a page's own <meta> is the better witness.
        return _trust(body, declared_meta), "meta"
    chosen = _trust(body, declared_header)
    if chosen:
        return chosen, "header" if chosen == declared_header else "utf-8"
    chosen = _trust(body, declared_meta)
    if chosen:
        return chosen, "meta" if chosen == declared_meta else "utf-8"
    if _decodes(body, "utf-8"):
        return "utf-8", "utf-8"
    from charset_normalizer import from_bytes

    best = from_bytes(body).best()
    if best is not None and best.encoding:
        return codecs.lookup(best.encoding).name, "detected"
    return "cp1252", "fallback"


def decode_html(body: bytes, headers: Mapping[str, str] | None = None) -> str:
    """Decode an HTML body to text using BOM, HTTP charset, <meta> charset, then detection."""
    if not body:
        return ""
    codec, how = detect_encoding(body, headers)
    if how == "bom":
        for bom, name in _BOMS:
            if name == codec:
                body = body[len(bom):]
                break
    return body.decode(codec, errors="replace")
