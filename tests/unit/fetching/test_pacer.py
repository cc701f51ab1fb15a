"""HostPacer with a fake clock: gaps between starts per host, hosts independent, Retry-After push-back."""

from __future__ import annotations

from newslake.fetching.politeness import HostPacer


class FakeTime:
    def __init__(self):
        self.now = 100.0
        self.sleeps = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_starts_are_spaced_per_host_and_hosts_are_independent():
    t = FakeTime()
    pacer = HostPacer(2, sleep=t.sleep, clock=t.clock)
    starts = []
    for host in ["a", "a", "b", "a"]:
        with pacer.slot(host, 1.5) as gate:
            with gate.send() as start:
                starts.append((host, start))
    assert starts == [("a", 100.0), ("a", 101.5), ("b", 101.5), ("a", 103.0)]


def test_time_already_spent_counts_towards_the_delay():
    t = FakeTime()
    pacer = HostPacer(1, sleep=t.sleep, clock=t.clock)
    with pacer.slot("a", 2.0) as gate, gate.send():
        pass
    t.now += 5
    with pacer.slot("a", 2.0) as gate, gate.send() as start:
        assert start == 105.0
    assert t.sleeps == []


def test_push_back_delays_the_next_start():
    t = FakeTime()
    pacer = HostPacer(1, sleep=t.sleep, clock=t.clock)
    with pacer.slot("a", 0) as gate, gate.send():
        pass
    pacer.push_back("a", 30)
    with pacer.slot("a", 0) as gate, gate.send() as start:
        assert start == 130.0


class LateWaker(FakeTime):
    """A sleep that sometimes oversleeps, like a thread that wakes late under load."""

    def __init__(self, lateness: list[float]):
        super().__init__()
        self.lateness = lateness

    def sleep(self, seconds: float) -> None:
        super().sleep(seconds + self.lateness.pop(0))


def test_a_late_wake_up_moves_the_next_send_instead_of_shortening_its_gap():
    t = LateWaker([0.07, 0.0, 0.07, 0.0, 0.0, 0.0])
    pacer = HostPacer(1, sleep=t.sleep, clock=t.clock)
    sends = []
    for _ in range(5):
        with pacer.slot("a", 1.0) as gate, gate.send():
            sends.append(t.now)  # when the request really goes out
    gaps = [b - a for a, b in zip(sends, sends[1:], strict=False)]
    assert min(gaps) >= 1.0
