"""Switchable fault modes for the demo site, served under /_fault/<mode>/<key>[/...]?params.

The demo server hands every /_fault/ path to handle(handler). <key> is any string a test picks so that
per-key counters (kept on handler.server.fault_state) are not shared between tests. Robots-disallow and
Crawl-delay faults need no mode here: the demo site's robots.txt disallows /private/ and announces the
server's --crawl-delay.

Modes (query parameters in brackets):
  ok                 a small HTML page
  retry-after        429 with Retry-After [n=1 times, form=seconds|date, secs=1, status=429] then ok
  unavailable        503 [n=1 times, retry_after=] then ok
  slow               sleeps [secs=3] before the headers (phase=headers) or mid-body (phase=body)
  drip               a few bytes every [every=0.1] s for [secs=5] s: no read timeout ever fires
  reset              sends half the promised body, then a TCP reset
  truncated          Content-Length larger than the bytes sent, then close
  big                a streamed HTML response of [mb=50] megabytes (no Content-Length unless length=1)
  gzip-bomb          ~1 MB of gzip inflating to [gb=1] gigabytes, Content-Encoding: gzip
  br-bomb            a few KB of brotli inflating to [gb=1] gigabytes, Content-Encoding: br
  sitemap-gz         a gzip file (sitemap.xml.gz) served as application/x-gzip, no Content-Encoding
  redirect-loop      302 back to itself (a -> b -> a)
  redirect-offsite   302 to [to=http://offsite.invalid/] (another domain)
  redirect-to        302 to [to=...] (e.g. a 127.0.0.1 address)
  charset            Cyrillic page in [enc=cp1251|koi8-r] declared via [declare=header|meta|none]
  wrong-charset      header says iso-8859-1, bytes are UTF-8 with <meta charset="utf-8">
  binary             PNG bytes under an .html path with Content-Type text/html
  pdf                PDF bytes with Content-Type application/pdf
  forbidden          always 403
  status             always the status given by [code=404]
  conditional        ETag/Last-Modified page answering 304 to matching validators
  stamp              records arrival time and in-flight count, holds [hold=0] seconds, then ok
  log                JSON of what `stamp` recorded for this key: times, max_in_flight, count
  hits               JSON {"hits": n}: how many requests any mode saw for this key
"""

from __future__ import annotations

import gzip
import json
import socket
import struct
import threading
import time
from email.utils import formatdate
from urllib.parse import parse_qs, urlsplit

PREFIX = "/_fault/"

CYRILLIC_TEXT = (
    "Суд приговорил блогера к двум годам лишения свободы за публикацию в социальной сети. "
    "Правозащитники называют приговор давлением на свободу слова и требуют пересмотра дела. "
    "Эксперты отмечают, что блокировка сайтов и слежка за трафиком стали обычной практикой."
)
_MIXED_TEXT = "Café résumé naïve — «цитата» and “quotes” € 10"
_PNG = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + b"\x00" * 17 + b"\x00" * 64


def page(title: str, text: str = "A page served by the fault injector.", *, charset: str | None = "utf-8") -> str:
    """A small, valid HTML article page."""
    meta = f'<meta charset="{charset}">' if charset else ""
    return (
        f"<!doctype html><html><head>{meta}<title>{title}</title></head>"
        f"<body><article><h1>{title}</h1><p>{text}</p></article></body></html>"
    )


def _state(handler) -> tuple[dict, threading.Lock]:
    server = handler.server
    # setdefault on the instance dict is atomic in CPython, so concurrent first requests agree on one dict.
    state = server.__dict__.setdefault("fault_state", {})
    lock = server.__dict__.setdefault("fault_lock", threading.Lock())
    return state, lock


def _count(handler, key: str) -> int:
    """Increment and return this key's hit counter."""
    state, lock = _state(handler)
    with lock:
        state[("hits", key)] = state.get(("hits", key), 0) + 1
        return state[("hits", key)]


def _send(handler, status: int, body: bytes | str, headers: dict[str, str] | None = None) -> None:
    if isinstance(body, str):
        body = body.encode("utf-8")
    headers = dict(headers or {})
    headers.setdefault("Content-Type", "text/html; charset=utf-8")
    headers.setdefault("Content-Length", str(len(body)))
    handler.send_response(status)
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.end_headers()
    if handler.command != "HEAD":
        handler.wfile.write(body)


def _ok(handler, key: str, note: str = "") -> None:
    _send(handler, 200, page(f"fault ok {key}", f"Recovered page. {note}".strip()))


def _param(query: dict, name: str, default: str) -> str:
    return query.get(name, [default])[0]


def _bomb(handler, gigabytes: float) -> bytes:
    """~1 MB per GB: the same 16 MB gzip member repeated (multi-member gzip is valid), built once per server."""
    state, lock = _state(handler)
    with lock:
        member = state.get("bomb_member")
        if member is None:
            member = state["bomb_member"] = gzip.compress(bytes(16 << 20), compresslevel=9, mtime=0)
    copies = max(1, int(gigabytes * 1024 / 16) + 1)
    return member * copies


def _close_with_reset(handler) -> None:
    """Abort the TCP connection with RST (SO_LINGER 0) instead of an orderly FIN."""
    try:
        handler.wfile.flush()
        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        handler.connection.close()
    except OSError:
        pass
    handler.close_connection = True


def handle(handler) -> None:
    """Serve one /_fault/ request on a BaseHTTPRequestHandler (uses send_response/wfile directly)."""
    parts = urlsplit(handler.path)
    query = parse_qs(parts.query)
    segments = parts.path[len(PREFIX):].split("/")
    mode = segments[0]
    key = segments[1] if len(segments) > 1 and segments[1] else "default"
    base = getattr(handler.server, "base_url", "").rstrip("/")
    n = _count(handler, key) if mode not in ("log", "hits") else 0
    try:
        _dispatch(handler, mode, key, query, n, base, parts.path)
    except (BrokenPipeError, ConnectionResetError):
        handler.close_connection = True  # the client hung up (e.g. it hit its size cap); nothing to do


def _dispatch(handler, mode: str, key: str, query: dict, n: int, base: str, path: str) -> None:
    if mode == "ok":
        return _ok(handler, key)
    if mode == "retry-after":
        if n <= int(_param(query, "n", "1")):
            secs = int(_param(query, "secs", "1"))
            value = str(secs) if _param(query, "form", "seconds") == "seconds" else formatdate(
                time.time() + secs + 1, usegmt=True)  # +1: HTTP-dates have whole-second precision
            return _send(handler, int(_param(query, "status", "429")), "slow down",
                         {"Retry-After": value, "Content-Type": "text/plain"})
        return _ok(handler, key, f"after {n - 1} refusals")
    if mode == "unavailable":
        if n <= int(_param(query, "n", "1")):
            headers = {"Content-Type": "text/plain"}
            if "retry_after" in query:
                headers["Retry-After"] = _param(query, "retry_after", "1")
            return _send(handler, 503, "temporarily unavailable", headers)
        return _ok(handler, key, f"after {n - 1} failures")
    if mode == "slow":
        secs = float(_param(query, "secs", "3"))
        if _param(query, "phase", "headers") == "headers":
            time.sleep(secs)
            return _ok(handler, key)
        body = page(f"slow {key}", "x" * 2000).encode()
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body[:100])
        handler.wfile.flush()
        time.sleep(secs)
        handler.wfile.write(body[100:])
        return None
    if mode == "drip":
        # Never idle long enough for a read timeout, yet never done: only a total time budget stops it.
        secs, every = float(_param(query, "secs", "5")), float(_param(query, "every", "0.1"))
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.close_connection = True
        handler.wfile.write(b"<!doctype html><html><body>")
        until = time.monotonic() + secs
        while time.monotonic() < until:
            handler.wfile.write(b"<p>.</p>")
            handler.wfile.flush()
            time.sleep(every)
        handler.wfile.write(b"</body></html>")
        return None
    if mode in ("reset", "truncated"):
        body = page(f"{mode} {key}", "y" * 20000).encode()
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Content-Length", str(len(body) + (0 if mode == "reset" else 5000)))
        handler.end_headers()
        handler.wfile.write(body[: len(body) // 2] if mode == "reset" else body)
        handler.wfile.flush()
        if mode == "reset":
            return _close_with_reset(handler)
        handler.close_connection = True
        return None
    if mode == "big":
        size = int(float(_param(query, "mb", "50")) * (1 << 20))
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        if _param(query, "length", "0") == "1":
            handler.send_header("Content-Length", str(size))
        else:
            handler.send_header("Connection", "close")
        handler.end_headers()
        handler.close_connection = True
        head = b"<!doctype html><html><body><p>"
        handler.wfile.write(head)
        chunk = b"z" * (1 << 16)
        sent = len(head)
        while sent < size:
            piece = chunk[: size - sent]
            handler.wfile.write(piece)
            sent += len(piece)
        return None
    if mode == "gzip-bomb":
        body = _bomb(handler, float(_param(query, "gb", "1")))
        return _send(handler, 200, body, {"Content-Encoding": "gzip"})
    if mode == "br-bomb":
        import brotli

        megabytes = int(float(_param(query, "gb", "1")) * 1024)
        state, lock = _state(handler)
        with lock:
            if ("br_bomb", megabytes) not in state:
                compressor, zeros = brotli.Compressor(quality=1), bytes(1 << 20)
                parts = [compressor.process(zeros) for _ in range(megabytes)] + [compressor.finish()]
                state[("br_bomb", megabytes)] = b"".join(parts)
        return _send(handler, 200, state[("br_bomb", megabytes)], {"Content-Encoding": "br"})
    if mode == "sitemap-gz":
        xml = ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
               f"<url><loc>{base}/en/story-{key}/</loc></url></urlset>")
        return _send(handler, 200, gzip.compress(xml.encode(), mtime=0), {"Content-Type": "application/x-gzip"})
    if mode == "redirect-loop":
        other = "b" if path.endswith("/a") else "a"
        return _send(handler, 302, "", {"Location": f"{PREFIX}redirect-loop/{key}/{other}"})
    if mode == "redirect-offsite":
        return _send(handler, 302, "", {"Location": _param(query, "to", "http://offsite.invalid/story.html")})
    if mode == "redirect-to":
        return _send(handler, 302, "", {"Location": _param(query, "to", f"{base}/")})
    if mode == "charset":
        enc = _param(query, "enc", "cp1251")
        declare = _param(query, "declare", "header")
        html = page("Новости", CYRILLIC_TEXT, charset=enc if declare == "meta" else None)
        ctype = f"text/html; charset={enc}" if declare == "header" else "text/html"
        return _send(handler, 200, html.encode(enc), {"Content-Type": ctype})
    if mode == "wrong-charset":
        html = page("Mislabelled", _MIXED_TEXT + " " + CYRILLIC_TEXT, charset="utf-8")
        return _send(handler, 200, html.encode("utf-8"), {"Content-Type": "text/html; charset=iso-8859-1"})
    if mode == "binary":
        return _send(handler, 200, _PNG, {"Content-Type": "text/html"})
    if mode == "pdf":
        return _send(handler, 200, b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n",
                     {"Content-Type": "application/pdf"})
    if mode == "forbidden":
        return _send(handler, 403, "forbidden", {"Content-Type": "text/plain"})
    if mode == "status":
        return _send(handler, int(_param(query, "code", "404")), "status page", {"Content-Type": "text/plain"})
    if mode == "conditional":
        etag, modified = f'"{key}-v1"', "Mon, 02 Mar 2026 10:00:00 GMT"
        if handler.headers.get("If-None-Match") == etag or handler.headers.get("If-Modified-Since") == modified:
            handler.send_response(304)
            handler.send_header("ETag", etag)
            handler.end_headers()
            return None
        return _send(handler, 200, page(f"conditional {key}"), {"ETag": etag, "Last-Modified": modified})
    if mode == "stamp":
        return _stamp(handler, key, float(_param(query, "hold", "0")))
    if mode == "log":
        state, lock = _state(handler)
        with lock:
            record = dict(state.get(("stamp", key), {"times": [], "max_in_flight": 0, "in_flight": 0}))
            record["count"] = len(record["times"])
            record.pop("in_flight", None)
        return _send(handler, 200, json.dumps(record), {"Content-Type": "application/json"})
    if mode == "hits":
        state, lock = _state(handler)
        with lock:
            hits = state.get(("hits", key), 0)
        return _send(handler, 200, json.dumps({"hits": hits}), {"Content-Type": "application/json"})
    return _send(handler, 404, f"unknown fault mode {mode!r}", {"Content-Type": "text/plain"})


def _stamp(handler, key: str, hold: float) -> None:
    state, lock = _state(handler)
    with lock:
        record = state.setdefault(("stamp", key), {"times": [], "max_in_flight": 0, "in_flight": 0})
        record["times"].append(time.time())
        record["in_flight"] += 1
        record["max_in_flight"] = max(record["max_in_flight"], record["in_flight"])
    try:
        if hold:
            time.sleep(hold)
        _ok(handler, key)
    finally:
        with lock:
            record["in_flight"] -= 1
