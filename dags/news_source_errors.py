"""Airflow import error for every broken entry of sources.yaml; this file defines no DAG.

Why a file of its own: Airflow keeps one import error per DAG file and marks every DAG of a
file with an import error stale (hidden, not scheduled). Raising here shows "sources[<id>].<field>:
..." in the UI's import errors while news_sources.py keeps loading each valid source's DAG.
A sources.yaml that cannot be read at all is reported by news_sources.py itself.
"""

from __future__ import annotations

from newslake.config import ConfigError, read_sources

# Airflow's safe mode parses only files that mention both "airflow" and "dag": the docstring does.


def _broken_entries() -> ConfigError | None:
    try:
        checked = read_sources()
    except ConfigError:
        return None  # the whole file is unusable: news_sources.py fails with that error
    return ConfigError(checked.summary()) if checked.errors else None


_error = _broken_entries()
if _error is not None:
    raise _error
