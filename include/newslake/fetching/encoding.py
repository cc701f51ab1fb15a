"""The one HTML decoder: page bytes plus response headers -> text.

Every path that turns page bytes into text calls `decode_html` (the pipeline's extract stage,
`newslake extract URL|FILE`, `extract_article` when handed bytes, the quality gate, bench/).
Evidence in order of trust: byte-order mark, the Content-Type header's charset, the page's own
<meta> charset or XML declaration, valid UTF-8, then statistical detection. A declaration the bytes
contradict is not trusted. Without headers (a file on disk) the page's own evidence decides.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping

# UTF-32-LE's BOM starts with UTF-16-LE's, so it must be tried first.
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_CHARSET_PARAM = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.I)
_META_TAG = re.compile(rb"<meta\b[^>]*>", re.I)
_XML_DECLARATION = re.compile(rb"""^\s*<\?xml\b[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9_\-:.]+)""", re.I)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.I)
# The WHATWG Encoding Standard treats these labels as windows-1252, which is what browsers decode.
_WINDOWS_1252_LABELS = frozenset({"iso-8859-1", "latin-1", "ascii", "us-ascii", "iso8859-1", "latin1", "l1"})
# Labels seen on real pages that Python does not know by that name.
_ALIASES = {"x-cp1251": "cp1251", "win-1251": "cp1251", "windows-1251": "cp1251", "x-cp1252": "cp1252"}
_DECLARATION_WINDOW = 4096
_SINGLE_BYTE_SAMPLE = 64 * 1024
_DETECTION_SAMPLE = 200_000


def _codec(label: str | None) -> str | None:
    """A Python codec name for an HTML/HTTP charset label, or None if unknown."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    if label in _WINDOWS_1252_LABELS:
        return "cp1252"
    if label.startswith(("utf-16", "utf16", "utf-32", "utf32")):
        # A declaration readable as ASCII cannot truthfully say UTF-16/32 (a real one has a BOM); browsers use UTF-8.
        return "utf-8"
    try:
        return codecs.lookup(_ALIASES.get(label, label)).name
    except LookupError:
        return None


def header_charset(headers: Mapping[str, str] | None) -> str | None:
    """The charset label from a Content-Type header (any name case), if any."""
    if not headers:
        return None
    value = next((v for k, v in headers.items() if k.lower() == "content-type"), None) or ""
    match = _HEADER_CHARSET.search(value)
    return match.group(1) if match else None


def meta_charset(body: bytes) -> str | None:
    """The charset of <meta charset>, <meta http-equiv=Content-Type> or an XML declaration in the first 4 KB."""
    head = body[:_DECLARATION_WINDOW]
    declaration = _XML_DECLARATION.match(head)
    if declaration:
        return declaration.group(1).decode("ascii", "replace")
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


def _is_utf8_with_multibyte(sample: bytes) -> bool:
    try:
        # incremental: a sample cut inside a multi-byte character is still valid UTF-8
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return False
    return not sample.isascii()


def _decodes(body: bytes, codec: str) -> bool:
    try:
        body.decode(codec)
    except UnicodeDecodeError:
        return False
    return True


def _nearly_decodes(body: bytes, codec: str) -> bool:
    """True when body decodes with at most a few bad bytes (one stray byte must not send a page to detection)."""
    if _decodes(body, codec):
        return True
    text = body.decode(codec, errors="replace")
    return text.count("\ufffd") <= max(2, len(text) // 2000)


def _trust(body: bytes, codec: str | None) -> str | None:
    """The declared codec, unless the bytes show it is wrong."""
    if codec is None:
        return None
    if codec != "utf-8" and _is_utf8_with_multibyte(body[:_SINGLE_BYTE_SAMPLE]) and _decodes(body, "utf-8"):
        # Valid multi-byte UTF-8 is almost never produced by accident, so a single-byte label on such
        # bytes is a mislabel (a common CMS misconfiguration) and UTF-8 is the right reading.
        return "utf-8"
    return codec if _nearly_decodes(body, codec) else None


def _detected(body: bytes) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(body[:_DETECTION_SAMPLE]).best()
    return codecs.lookup(best.encoding).name if best is not None and best.encoding else None


def detect_encoding(body: bytes, headers: Mapping[str, str] | None = None) -> tuple[str, str]:
    """(python codec, how it was chosen) for an HTML body: bom, header, meta, utf-8, detected or fallback."""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return codec, "bom"
    declared_header = _codec(header_charset(headers))
    declared_meta = _codec(meta_charset(body))
    meta_may_override = declared_header == "cp1252" and declared_meta not in (None, "cp1252")
    if meta_may_override and (trusted := _trust(body, declared_meta)):
        # iso-8859-1 is the stock default of many servers; a page's own <meta> is the better witness.
        return trusted, "meta"
    for declared, how in ((declared_header, "header"), (declared_meta, "meta")):
        chosen = _trust(body, declared)
        if chosen:
            return chosen, how if chosen == declared else "utf-8"
    if _decodes(body, "utf-8"):
        return "utf-8", "utf-8"
    detected = _detected(body)
    if detected:
        return detected, "detected"
    return "cp1252", "fallback"


def decode_html(body: bytes | str, headers: Mapping[str, str] | None = None) -> str:
    """Decode an HTML body to text using BOM, HTTP charset, <meta>/XML charset, then detection (str passes through)."""
    if isinstance(body, str):
        return body
    if not body:
        return ""
    codec, how = detect_encoding(body, headers)
    if how == "bom":
        body = body[len(next(bom for bom, name in _BOMS if name == codec)):]
    return body.decode(codec, errors="replace")
