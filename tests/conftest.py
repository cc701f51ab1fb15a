"""Shared pytest fixtures: real SeaweedFS (fixtures_s3) and the real demo site server (fixtures_demo)."""

from __future__ import annotations

import os

# Airflow reads its config at import: keep every test run away from ~/airflow.
# One home per pytest-xdist worker: two workers must not share an airflow.db or its config.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
os.environ.setdefault(
    "AIRFLOW_HOME", os.path.join(os.path.dirname(__file__), "..", ".run", "airflow-test" + (f"-{_WORKER}" if _WORKER else ""))
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
    """Tests that start a whole Airflow stack run one after another on one xdist worker (2 cores: two
    stacks at once starve each other); everything else spreads over the other worker beside them."""
    import pytest

    for item in items:
        if item.get_closest_marker("e2e"):
            item.add_marker(pytest.mark.xdist_group("airflow-stack"))
