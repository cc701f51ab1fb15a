"""URL normalisation and the article_id derived from it."""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that only track campaigns or sessions and never change the page.
_TRACKING_PARAMS = frozenset(
    {"fbclid", "gclid", "yclid", "mc_cid", "mc_eid", "ref", "ref_src", "from", "amp", "output"}
)


def normalise_url(url: str) -> str:
    """Canonical form: lowercase scheme/host, no default port, no fragment, no tracking params, sorted query."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    port = parts.port
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    path = parts.path or "/"
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith("utm_") and k.lower() not in _TRACKING_PARAMS
    ]
    return urlunsplit((scheme, host, path, urlencode(sorted(query)), ""))


def article_id(canonical_url: str) -> str:
    """sha256 hex of the normalised canonical URL: the stable key of an article across runs."""
    return hashlib.sha256(normalise_url(canonical_url).encode("utf-8")).hexdigest()
