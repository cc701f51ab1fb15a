"""The Celery topology's environment from docker/airflow.env, the file docker-compose.yaml reads as env_file.

The native topology test reads it here, with the compose network's host names swapped for
127.0.0.1 ports, so the processes it starts run the configuration the compose services run.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

ENV_FILE = Path(__file__).resolve().parents[1] / "docker" / "airflow.env"
_REFERENCE = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?-)(?P<default>[^}]*))?\}")


def _interpolate(value: str, variables: Mapping[str, str], where: str) -> str:
    def replace(match: re.Match) -> str:
        name, op, default = match.group("name"), match.group("op"), match.group("default")
        found = variables.get(name)
        # Compose's rules: ${NAME:-default} replaces an unset or empty NAME, ${NAME-default} an unset one.
        if found is not None and (found or op != ":-"):
            return found
        if default is None:
            raise KeyError(f"{where}: ${{{name}}} is not set and has no default")
        return default

    return _REFERENCE.sub(replace, value)


def load_topology_env(variables: Mapping[str, str], path: Path = ENV_FILE) -> dict[str, str]:
    """NAME=value lines of the env file with ${VAR:-default} filled in from variables (compose's rules)."""
    env: dict[str, str] = {}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.partition("=")
        if not sep:
            raise ValueError(f"{path}:{number}: not a NAME=value line")
        env[name.strip()] = _interpolate(value, variables, f"{path.name}:{number} {name}")
    return env


def worker_hostname() -> str:
    """Airflow hostname_callable of a native worker: NEWSLAKE_WORKER_HOSTNAME (each container has its own host name)."""
    import os

    return os.environ["NEWSLAKE_WORKER_HOSTNAME"]
