"""Shared pytest fixtures: real SeaweedFS (fixtures_s3) and the real demo site server (fixtures_demo)."""

from __future__ import annotations

import os

# Airflow reads its config at import: keep every test run away from ~/airflow.
# One home per test lane (`make test` runs the end-to-end lane beside the rest): no shared airflow.db.
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

