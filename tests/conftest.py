"""Shared pytest fixtures: real SeaweedFS (fixtures_s3) and the real demo site server (fixtures_demo)."""

from __future__ import annotations

import os

# Airflow reads its config at import: keep every test run away from ~/airflow.
os.environ.setdefault("AIRFLOW_HOME", os.path.join(os.path.dirname(__file__), "..", ".run", "airflow-test"))
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
