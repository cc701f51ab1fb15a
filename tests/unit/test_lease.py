"""The per-source fetch lease on a LocalStore: one holder at a time, takeover only after the TTL."""

from __future__ import annotations

import json
import time

import pytest
from newslake.errors import SourceBusyError, TransientError
from newslake.lease import SourceLease

KEY = "_locks/source=wire/fetch.json"


def test_one_run_holds_the_source_and_another_is_told_who(local_store) -> None:
    first = SourceLease(local_store, "wire", "run-a")
    first.acquire()
    with pytest.raises(SourceBusyError, match="being fetched by run run-a") as busy:
        SourceLease(local_store, "wire", "run-b").acquire()
    assert isinstance(busy.value, TransientError)  # waiting is worth it: the source frees up
    assert json.loads(local_store.get(KEY))["holder"] == "run-a"


def test_the_same_run_takes_its_lease_again_from_a_later_task(local_store) -> None:
    SourceLease(local_store, "wire", "run-a").acquire()
    SourceLease(local_store, "wire", "run-a").acquire()  # the fetch task after the discover task
    with pytest.raises(SourceBusyError):
        SourceLease(local_store, "wire", "run-b").acquire()


def test_a_lease_nobody_renewed_within_its_ttl_is_taken_over(local_store) -> None:
    dead = SourceLease(local_store, "wire", "run-dead", ttl_seconds=0.3)
    dead.acquire()
    time.sleep(0.5)
    SourceLease(local_store, "wire", "run-b", ttl_seconds=0.3).acquire()
    assert json.loads(local_store.get(KEY))["holder"] == "run-b"
    with pytest.raises(SourceBusyError, match="run-dead lost the fetch lease"):
        dead.renew()


def test_release_frees_the_source_but_never_someone_elses_lease(local_store) -> None:
    a = SourceLease(local_store, "wire", "run-a")
    a.acquire()
    SourceLease(local_store, "wire", "run-b").release()
    assert local_store.exists(KEY)
    a.release()
    assert not local_store.exists(KEY)
    SourceLease(local_store, "wire", "run-b").acquire()


def test_a_held_lease_is_renewed_while_the_work_runs(local_store) -> None:
    lease = SourceLease(local_store, "wire", "run-a", ttl_seconds=0.6)
    with lease:
        time.sleep(1.0)  # longer than the TTL: only renewals keep others out
        with pytest.raises(SourceBusyError):
            SourceLease(local_store, "wire", "run-b", ttl_seconds=0.6).acquire()
    lease.release()
