"""Per-host pacing: a minimum gap between actual request sends and a bound on requests in flight."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class _HostGate:
    semaphore: threading.BoundedSemaphore
    lock: threading.Lock = field(default_factory=threading.Lock)
    cond: threading.Condition = field(init=False)
    last_sent: float = float("-inf")  # when the previous request had been written to the socket
    not_before: float = float("-inf")  # Retry-After from the host
    writing: bool = False  # a request is being written right now

    def __post_init__(self) -> None:
        self.cond = threading.Condition(self.lock)


class HostPacer:
    """Spaces request sends to one host by `delay` seconds and allows at most `concurrency` in flight."""

    def __init__(self, concurrency: int, *, sleep: Callable[[float], None], clock: Callable[[], float]) -> None:
        self.concurrency = max(1, concurrency)
        self._sleep = sleep
        self._clock = clock
        self._gates: dict[str, _HostGate] = {}
        self._lock = threading.Lock()

    def _gate(self, host: str) -> _HostGate:
        with self._lock:
            gate = self._gates.get(host)
            if gate is None:
                gate = self._gates[host] = _HostGate(threading.BoundedSemaphore(self.concurrency))
            return gate

    @contextmanager
    def slot(self, host: str, delay: float) -> Iterator[SendGate]:
        """Hold one of the host's concurrency slots; write the request inside the yielded gate's send()."""
        gate = self._gate(host)
        with gate.semaphore:
            yield SendGate(self, gate, delay)

    def _earliest(self, gate: _HostGate, delay: float) -> float:
        return max(gate.last_sent + delay, gate.not_before)

    def _wait(self, gate: _HostGate, delay: float) -> None:
        with gate.lock:
            pause = self._earliest(gate, delay) - self._clock()
        if pause > 0:
            self._sleep(pause)

    @contextmanager
    def _send(self, gate: _HostGate, delay: float) -> Iterator[float]:
        # Why not reserve a start time and sleep until it: a thread that wakes late (GC, the raw writer
        # holding the GIL) would still leave the next request on the old grid, so the host would see a
        # shorter gap. Instead a send is let through only when no other send to the host is being written
        # and `delay` has passed since the previous one was completely written.
        while True:
            with gate.lock:
                while gate.writing:
                    gate.cond.wait(0.5)
                now = self._clock()
                earliest = self._earliest(gate, delay)
                if now >= earliest:
                    gate.writing = True
                    break
            self._sleep(earliest - now)
        try:
            yield now
        finally:
            with gate.lock:
                gate.last_sent = max(gate.last_sent, self._clock())
                gate.writing = False
                gate.cond.notify_all()

    def push_back(self, host: str, seconds: float) -> None:
        """Make the next request to host wait at least `seconds` from now (Retry-After applies to the host)."""
        gate = self._gate(host)
        with gate.lock:
            gate.not_before = max(gate.not_before, self._clock() + seconds)


class SendGate:
    """One held slot's handle: wait() before connecting, write the request inside send()."""

    def __init__(self, pacer: HostPacer, gate: _HostGate, delay: float) -> None:
        self._pacer, self._gate, self._delay = pacer, gate, delay

    def wait(self) -> None:
        """Sleep until a send could be allowed (without claiming it), e.g. before opening a connection."""
        self._pacer._wait(self._gate, self._delay)

    def send(self):
        """Context manager: blocks until the host may get the next request; the block's end is its send time."""
        return self._pacer._send(self._gate, self._delay)
