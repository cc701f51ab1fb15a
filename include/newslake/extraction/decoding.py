"""Turn page bytes into text without HTTP headers: BOM, then the declared meta charset, then sniffing."""

from __future__ import annotations

import codecs
import re

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META_CHARSET_RE = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)|<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_:.\-]+)""",
    re.IGNORECASE,
)
# Labels pages declare that Python spells differently or that browsers treat as a superset.
_ALIASES = {"iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252", "ascii": "cp1252",
            "us-ascii": "cp1252", "x-cp1251": "cp1251", "win-1251": "cp1251", "utf8": "utf-8"}


def _codec(label: str) -> str | None:
    label = label.strip().lower()
    label = _ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def declared_charset(data: bytes) -> str | None:
    """The charset named in a <meta> tag or XML declaration within the first 4 KB, if Python knows it."""
    match = _META_CHARSET_RE.search(data[:4096])
    if not match:
        return None
    return _codec((match.group(1) or match.group(2)).decode("ascii", "ignore"))


def decode_html(data: bytes | str) -> str:
    """Decode page bytes: BOM wins, then a meta charset that decodes cleanly, then charset_normalizer."""
    if isinstance(data, str):
        return data
    if not data:
        return ""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(encoding, errors="replace")
    declared = declared_charset(data)
    # utf-16/32 declared in an ASCII-readable meta tag is always a lie
    if declared and not declared.startswith(("utf-16", "utf-32")):
        text = data.decode(declared, errors="replace")
        # a few stray bytes in an otherwise correctly declared page should not trigger sniffing
        if text.count("\ufffd") <= max(2, len(text) // 2000):
            return text
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    if best is not None and best.encoding:
        return data.decode(best.encoding, errors="replace")
    return data.decode(declared or "utf-8", errors="replace")
