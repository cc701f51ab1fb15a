"""urllib3 pool classes whose connections pace each request at the moment it is written to the socket."""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from typing import Any

from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from newslake.fetching.addresses import _PeerCheck
from newslake.fetching.politeness import SendGate

_current = threading.local()


@contextmanager
def pacing(gate: SendGate) -> Iterator[None]:
    """Requests this thread writes inside the block are paced by gate."""
    _current.gate = gate
    try:
        yield
    finally:
        _current.gate = None


class _PacedSend:
    """Mixin for urllib3 connections: wait for the host's pacing gate right before the request is written."""

    def request(self, method: str, url: str, body: Any = None, headers: Any = None, **kw: Any) -> None:
        gate: SendGate | None = getattr(_current, "gate", None)
        if gate is not None:
            if self.sock is None:  # type: ignore[attr-defined]
                # Connect only when a send is about due, then take the send time after the connection is up,
                # so connect time (or a late wake-up) cannot shorten the gap the host sees.
                gate.wait()
                self.connect()  # type: ignore[attr-defined]
            with gate.send():
                super().request(method, url, body, headers, **kw)  # type: ignore[misc]
            return
        super().request(method, url, body, headers, **kw)  # type: ignore[misc]


def pool_classes(*, guard: bool, exempt: Collection[str] = ()) -> dict[str, type]:
    """Pool classes whose connections are paced and, when guard is set, refuse private peers except `exempt`."""
    frozen = frozenset(exempt)
    mixins: tuple[type, ...] = (_PacedSend, _PeerCheck) if guard else (_PacedSend,)
    http_conn = type("PacedHTTPConnection", (*mixins, HTTPConnection), {"exempt": frozen})
    https_conn = type("PacedHTTPSConnection", (*mixins, HTTPSConnection), {"exempt": frozen})
    return {
        "http": type("PacedHTTPConnectionPool", (HTTPConnectionPool,), {"ConnectionCls": http_conn}),
        "https": type("PacedHTTPSConnectionPool", (HTTPSConnectionPool,), {"ConnectionCls": https_conn}),
    }
