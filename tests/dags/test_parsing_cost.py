"""What keeps news_sources.py cheap to parse must not change what the DAGs do: one DAG per task process, same form."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
NEWS_SOURCES = ROOT / "dags" / "news_sources.py"
BUNDLED = ROOT / "include" / "config" / "sources.yaml"
CONTEXT_VAR = "_AIRFLOW_PARSING_CONTEXT_DAG_ID"  # what Airflow's task runner sets while it parses the DAG file

# Parses news_sources.py as Airflow does and prints each DAG serialized (what the scheduler stores).
PARSE = r"""
import json, sys
from airflow.dag_processing.dagbag import DagBag
from airflow.serialization.serialized_objects import DagSerialization
bag = DagBag(dag_folder=sys.argv[1])
dags = {}
for dag_id, dag in bag.dags.items():
    data = DagSerialization.to_dict(dag)
    data["dag"].pop("fileloc", None)
    dags[dag_id] = data
print(json.dumps({"errors": {k: str(v) for k, v in bag.import_errors.items()}, "dags": dags}, default=str))
"""


@pytest.fixture()
def three_sources(tmp_path) -> dict[str, str]:
    """Environment of an Airflow process whose sources.yaml holds three enabled copies of the demo entry."""
    document = yaml.safe_load(BUNDLED.read_text(encoding="utf-8"))
    demo = next(s for s in document["sources"] if s["id"] == "demo")
    document["sources"] = [dict(demo, id=sid, enabled=True) for sid in ("demo", "demo2", "demo3")]
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    env = {**os.environ, "NEWSLAKE_SOURCES": str(path), "AIRFLOW_HOME": str(tmp_path / "airflow"),
           "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"), "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
           "PYTHONPATH": str(ROOT / "include")}
    env.pop(CONTEXT_VAR, None)
    return env


def parsed(env: dict[str, str], dag_id: str | None = None) -> dict[str, dict]:
    """Serialized DAGs of news_sources.py, parsed as the DAG processor (no dag_id) or a task of dag_id does."""
    if dag_id is not None:
        env = {**env, CONTEXT_VAR: dag_id}
    out = subprocess.run([sys.executable, "-c", PARSE, str(NEWS_SOURCES)], env=env,
                         capture_output=True, text=True, check=True)
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["errors"] == {}
    return report["dags"]


def test_a_task_process_builds_only_its_own_dag_and_the_same_one(three_sources):
    everything = parsed(three_sources)
    assert sorted(everything) == ["news_demo", "news_demo2", "news_demo3"]
    alone = parsed(three_sources, "news_demo2")
    assert list(alone) == ["news_demo2"]
    assert alone["news_demo2"] == everything["news_demo2"]
    assert parsed(three_sources, "lake_partition_consumer") == {}  # another file's DAG: nothing built here


@pytest.mark.parametrize(("name", "good", "bad"), [
    ("replay_raw", True, "yes"),
    ("dry_run", False, 1),
    ("max_articles", 5, -1),
])
def test_trigger_form_still_checks_each_param(name, good, bad):
    """The draft-07 schemas reject what the form must reject, on the DAG and on the scheduler's copy of it."""
    from airflow.sdk.definitions.param import ParamValidationError
    from airflow.serialization.definitions.param import SerializedParam
    from airflow.serialization.serialized_objects import BaseSerialization

    namespace: dict = {}
    exec(compile(NEWS_SOURCES.read_text(encoding="utf-8"), str(NEWS_SOURCES), "exec"), namespace)
    dag = namespace["news_demo"]
    param = dag.params.get_param(name)
    assert param.schema["title"]  # the form's label
    assert param.resolve(good) == good
    with pytest.raises(ParamValidationError):
        param.resolve(bad)
    stored = BaseSerialization._deserialize_param(BaseSerialization._serialize_param(param))
    assert SerializedParam(good, **stored.schema).resolve(raises=True) == good
    with pytest.raises(Exception, match="valid|minimum|type"):
        SerializedParam(bad, **stored.schema).resolve(raises=True)
