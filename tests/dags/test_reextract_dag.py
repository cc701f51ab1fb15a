"""newslake_reextract parses cleanly and maps one reextract task per planned batch of partitions."""

from __future__ import annotations

from pathlib import Path

import pytest

DAG_FILE = Path(__file__).resolve().parents[2] / "dags" / "newslake_reextract.py"


@pytest.fixture(scope="module")
def dag():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAG_FILE))
    assert bag.import_errors == {}
    return bag.dags["newslake_reextract"]


def test_reextract_is_mapped_over_the_plan_of_partition_batches(dag) -> None:
    from airflow.sdk.definitions.mappedoperator import MappedOperator

    assert [t.task_id for t in dag.topological_sort()] == ["plan", "reextract", "report"]
    mapped = dag.get_task("reextract")
    assert isinstance(mapped, MappedOperator)
    # Mapped over plan's return value (one task per batch), not over a fixed list.
    expanded = mapped._get_specified_expand_input().value["batch"]
    assert expanded.operator.task_id == "plan"
    assert dag.get_task("report").upstream_task_ids == {"reextract"}


def test_reextract_params_and_policy(dag) -> None:
    assert set(dag.params) == {"sources", "from", "to", "batch_size"}
    assert dag.params["batch_size"] == 30
    assert type(dag.timetable).__name__ == "NullTimetable"  # triggered by hand, never scheduled
    assert "newslake" in dag.tags and dag.doc_md and "newslake reextract" in dag.doc_md
    for task in dag.tasks:
        assert task.owner == "newslake" and task.retries >= 1, task.task_id
