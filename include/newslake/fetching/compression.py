"""Content-Encoding decoding with an output cap, so a compression bomb is cut off, never inflated."""

from __future__ import annotations

import zlib
from typing import Any


class BodyTooLarge(Exception):
    """The (decoded) body grew past the configured size cap."""


class UnsupportedEncoding(Exception):
    """The server used a Content-Encoding we cannot decode."""


def brotli_available() -> bool:
    """True when the optional brotli module is importable (then we advertise 'br')."""
    try:
        import brotli  # noqa: F401
    except ImportError:
        return False
    return True


def accept_encoding() -> str:
    """The Accept-Encoding header value for the codings we can decode with a cap."""
    return "gzip, deflate, br" if brotli_available() else "gzip, deflate"


class CappedDecoder:
    """Decode one body chunk by chunk; raise BodyTooLarge as soon as output passes `limit` bytes."""

    def __init__(self, content_encoding: str | None, limit: int) -> None:
        codings = [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]
        codings = [c for c in codings if c != "identity"]
        if len(codings) > 1:
            raise UnsupportedEncoding(f"stacked content-encodings {content_encoding!r}")
        self.coding = codings[0] if codings else "identity"
        self.limit = limit
        self.total = 0
        self._zlib = None
        self._brotli = None
        self._deflate_started = False
        if self.coding in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif self.coding == "deflate":
            self._zlib = zlib.decompressobj(zlib.MAX_WBITS)
        elif self.coding == "br":
            try:
                import brotli
            except ImportError:
                raise UnsupportedEncoding("content-encoding br but the brotli module is not installed") from None
            self._brotli = brotli.Decompressor()
        elif self.coding != "identity":
            raise UnsupportedEncoding(f"unsupported content-encoding {self.coding!r}")

    def _count(self, out: bytes) -> bytes:
        self.total += len(out)
        if self.total > self.limit:
            raise BodyTooLarge(f"decoded body exceeds {self.limit} bytes ({self.coding})")
        return out

    def feed(self, data: bytes) -> bytes:
        """Decode the next raw chunk and return the decoded bytes."""
        if self.coding == "identity":
            return self._count(data)
        if self._brotli is not None:
            return self._feed_brotli(self._brotli, data)
        if self._zlib is None:  # __init__ sets a decoder for every coding but identity
            raise UnsupportedEncoding(f"no decoder for content-encoding {self.coding!r}")
        return self._feed_zlib(self._zlib, data)

    def _feed_zlib(self, stream: zlib._Decompress, data: bytes) -> bytes:
        pieces: list[bytes] = []
        while True:
            if stream.eof:
                rest = (stream.unused_data + data).lstrip(b"\0")
                if self.coding == "deflate" or not rest:
                    # Trailing bytes after a deflate stream (or gzip zero padding) carry no content.
                    return b"".join(pieces)
                # gzip allows several members back to back (RFC 1952 section 2.2).
                self._zlib = stream = zlib.decompressobj(16 + zlib.MAX_WBITS)
                data = rest
            if not data:
                return b"".join(pieces)
            try:
                out = stream.decompress(data, self.limit - self.total + 1)
            except zlib.error:
                if self.coding == "deflate" and not self._deflate_started:
                    # Some servers send raw deflate without the zlib wrapper.
                    self._zlib = stream = zlib.decompressobj(-zlib.MAX_WBITS)
                    self._deflate_started = True
                    continue
                raise
            self._deflate_started = True
            pieces.append(self._count(out))
            data = stream.unconsumed_tail

    def _feed_brotli(self, dec: Any, data: bytes) -> bytes:
        pieces = [self._count(dec.process(data, output_buffer_limit=self.limit - self.total + 1))]
        while not dec.can_accept_more_data():
            pieces.append(self._count(dec.process(b"", output_buffer_limit=self.limit - self.total + 1)))
        return b"".join(pieces)

    def finish(self) -> bytes:
        """Flush what the decoder still holds."""
        if self._zlib is not None and not self._zlib.eof:
            return self._count(self._zlib.flush())
        return b""
