"""How `make test` splits the end-to-end tests over parallel lanes: whole modules, balanced by weight.

Each e2e module starts its own Airflow stack and spends most of its time waiting on the scheduler,
so two e2e lanes beside the rest of the suite keep both cores busy. A module always stays in one
lane (its module-scoped stack is started once). Every lane computes the same assignment from the
same collected modules, so each module runs in exactly one lane.
"""

from __future__ import annotations

# Minutes each e2e module took in one serial e2e lane on the 2-core machine under heavy load
# (2026-12-01; only the ratios matter). A module missing here (a new test file) weighs
# DEFAULT_MINUTES until someone measures it.
E2E_MINUTES = {
    "tests/e2e/test_concurrent_backfills_e2e.py": 14.5,
    "tests/e2e/test_run_safety_e2e.py": 11.2,
    "tests/e2e/test_celery_topology_e2e.py": 6.1,
    "tests/e2e/test_dag_e2e.py": 6.1,
    "tests/e2e/test_ui_backfill_browser.py": 6.0,
    "tests/e2e/test_reextract_dag_e2e.py": 4.0,
    "tests/e2e/test_backfill_e2e.py": 3.8,
    "tests/e2e/test_s3_outage_e2e.py": 2.5,
    "tests/e2e/test_asset_partitions_e2e.py": 2.0,
    "tests/dags/test_sources_in_airflow.py": 1.4,
}
DEFAULT_MINUTES = 3.0


def parse_lane(name: str) -> tuple[int, int] | None:
    """(index, count) for a lane named e2e-<index>-of-<count>, else None (run every selected test)."""
    parts = name.split("-")
    if len(parts) != 4 or parts[0] != "e2e" or parts[2] != "of":
        return None
    index, count = int(parts[1]), int(parts[3])
    if not 1 <= index <= count:
        raise ValueError(f"NEWSLAKE_TEST_LANE={name}: the lane number must be in 1..{count}")
    return index, count


def assign(modules: list[str], count: int) -> dict[str, int]:
    """Lane number (1..count) for each module: heaviest first onto the lightest lane so far."""
    load = [0.0] * count
    lanes = {}
    for module in sorted(modules, key=lambda m: (-E2E_MINUTES.get(m, DEFAULT_MINUTES), m)):
        lane = min(range(count), key=lambda i: (load[i], i))
        load[lane] += E2E_MINUTES.get(module, DEFAULT_MINUTES)
        lanes[module] = lane + 1
    return lanes
