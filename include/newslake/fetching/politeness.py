"""Per-host pacing: a minimum gap between request starts and a bound on requests in flight."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class _HostGate:
    semaphore: threading.BoundedSemaphore
    lock: threading.Lock = field(default_factory=threading.Lock)
    next_start: float = float("-inf")


class HostPacer:
    """Spaces request starts to one host by `delay` seconds and allows at most `concurrency` in flight."""

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
    def slot(self, host: str, delay: float) -> Iterator[float]:
        """Hold one of the host's concurrency slots, starting no sooner than `delay` after the previous start."""
        gate = self._gate(host)
        with gate.semaphore:
            # Reserve the start time under the lock, sleep outside it so other hosts' threads are not held up.
            with gate.lock:
                now = self._clock()
                start = max(now, gate.next_start)
                gate.next_start = start + delay
            if start > now:
                self._sleep(start - now)
            yield start

    def push_back(self, host: str, seconds: float) -> None:
        """Make the next request to host wait at least `seconds` from now (Retry-After applies to the host)."""
        gate = self._gate(host)
        with gate.lock:
            gate.next_start = max(gate.next_start, self._clock() + seconds)
