"""A site that stamps each request with the kernel's receive time (SO_TIMESTAMPNS), run as its own process.

Stamps taken by a handler thread are late whenever the server process is not scheduled, which turns a
correct 150 ms gap into 0 ms on a busy machine; the kernel stamps the bytes when they arrive.
Usage: python stamp_server.py CRAWL_DELAY  (prints "serving on PORT", then GET /_log returns the stamps).
"""

from __future__ import annotations

import json
import socket
import struct
import sys
import threading

SO_TIMESTAMPNS = 35  # Linux <asm-generic/socket.h>; the socket module does not export it
_stamps: list[dict] = []
_lock = threading.Lock()


def _answer(conn: socket.socket, status: str, body: bytes, ctype: str) -> None:
    head = f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n\r\n"
    conn.sendall(head.encode() + body)


def _serve(conn: socket.socket, crawl_delay: float) -> None:
    conn.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    buffer, started = b"", None
    with conn:
        while True:
            data, ancillary, _flags, _addr = conn.recvmsg(65536, socket.CMSG_SPACE(16))
            if not data:
                return
            for level, kind, value in ancillary:
                if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and started is None and not buffer:
                    seconds, nanos = struct.unpack("qq", value[:16])
                    started = seconds + nanos / 1e9
            buffer += data
            while b"\r\n\r\n" in buffer:
                head, buffer = buffer.split(b"\r\n\r\n", 1)
                path = head.split(b" ", 2)[1].decode()
                if path == "/robots.txt":
                    _answer(conn, "200 OK", f"User-agent: *\nCrawl-delay: {crawl_delay}\n".encode(), "text/plain")
                elif path == "/_log":
                    with _lock:
                        body = json.dumps({"stamps": list(_stamps)}).encode()
                    _answer(conn, "200 OK", body, "application/json")
                else:
                    with _lock:
                        _stamps.append({"path": path, "at": started})
                    _answer(conn, "200 OK", b"<!doctype html><html><body><p>ok</p></body></html>", "text/html")
                started = None


def main() -> None:
    """Serve forever on a free 127.0.0.1 port."""
    crawl_delay = float(sys.argv[1])
    listener = socket.create_server(("127.0.0.1", 0))
    print(f"serving on {listener.getsockname()[1]}", flush=True)
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=_serve, args=(conn, crawl_delay), daemon=True).start()


if __name__ == "__main__":
    main()
