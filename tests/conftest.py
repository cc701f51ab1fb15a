"""Shared pytest fixtures: real SeaweedFS (fixtures_s3) and the real demo site server (fixtures_demo)."""

from __future__ import annotations

import os

# Airflow reads its config at import: keep every test run away from ~/airflow.
# One home per test lane (`make test` runs end-to-end lanes beside the rest): no shared airflow.db.
_LANE = os.environ.get("NEWSLAKE_TEST_LANE", "")
os.environ.setdefault(
    "AIRFLOW_HOME", os.path.join(os.path.dirname(__file__), "..", ".run", "airflow-test" + (f"-{_LANE}" if _LANE else ""))
)
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "false")
os.environ.setdefault("AIRFLOW__CORE__UNIT_TEST_MODE", "false")

try:
    from fixtures_s3 import *  # noqa: F401,F403
except ImportError:  # pragma: no cover - appears once storage lands
    pass
try:
    from fixtures_demo import *  # noqa: F401,F403
except ImportError:  # pragma: no cover
    pass



def pytest_collection_modifyitems(config, items):
    """In lane e2e-<k>-of-<n>, keep only the e2e modules lanes.assign gives lane k."""
    from lanes import assign, parse_lane

    lane = parse_lane(_LANE)
    if lane is None:
        return
    index, count = lane
    module = {item: item.nodeid.split("::")[0] for item in items if item.get_closest_marker("e2e")}
    owner = assign(sorted(set(module.values())), count)
    dropped = [item for item, name in module.items() if owner[name] != index]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        gone = set(dropped)
        items[:] = [item for item in items if item not in gone]
