"""The real Steppe Wire demo site as a subprocess: a pytest session fixture and a plain starter function."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

__all__ = ["DemoSite", "demo_site", "start_demo_site"]

SERVER = Path(__file__).resolve().parent.parent / "dev" / "demo_site" / "server.py"
READY_PREFIX = "demo site serving on "


@dataclass
class DemoSite:
    """A running demo site: where it is, what it should yield, and how to stop it."""

    base_url: str
    port: int
    answer_key: dict
    process: subprocess.Popen = field(repr=False)

    def url(self, path: str) -> str:
        """Absolute URL of a site path such as '/rss.xml'."""
        return self.base_url + path.lstrip("/")

    def stats(self) -> dict:
        """The server's request log (hits per path, recent requests with time and User-Agent)."""
        with urllib.request.urlopen(self.url("/_stats.json"), timeout=5) as resp:
            return json.load(resp)

    def stop(self) -> None:
        """Terminate the server process (SIGTERM, then SIGKILL after 5 s)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        if self.process.stdout:
            self.process.stdout.close()

    def __enter__(self) -> DemoSite:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start_demo_site(port: int = 0, crawl_delay: float = 0.0, *, host: str = "127.0.0.1",
                    timeout: float = 15.0) -> DemoSite:
    """Start dev/demo_site/server.py in a subprocess and return once it serves (port 0 = any free port)."""
    errors = tempfile.TemporaryFile()
    process = subprocess.Popen(
        [sys.executable, str(SERVER), "--host", host, "--port", str(port), "--crawl-delay", str(crawl_delay)],
        stdout=subprocess.PIPE, stderr=errors, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    deadline = time.monotonic() + timeout
    line = ""
    while time.monotonic() < deadline and process.poll() is None:
        ready, _, _ = select.select([process.stdout], [], [], 0.1)
        if ready:
            line = process.stdout.readline()
            break
    if not line.startswith(READY_PREFIX):
        if process.poll() is None:
            process.kill()
        process.wait(timeout=5)
        errors.seek(0)
        detail = errors.read().decode("utf-8", "replace").strip()
        raise RuntimeError(f"demo site did not start (got {line!r}): {detail[-2000:]}")
    errors.close()
    base_url = line[len(READY_PREFIX):].strip()
    try:
        with urllib.request.urlopen(base_url + "_answer_key.json", timeout=5) as resp:
            key = json.load(resp)
    except Exception:
        process.kill()
        process.wait(timeout=5)
        raise
    port = int(base_url.rstrip("/").rsplit(":", 1)[1])
    return DemoSite(base_url=base_url, port=port, answer_key=key, process=process)


@pytest.fixture(scope="session")
def demo_site() -> Iterator[DemoSite]:
    """The demo site on a free 127.0.0.1 port with Crawl-delay 0, for the whole test session."""
    site = start_demo_site(port=0, crawl_delay=0)
    try:
        yield site
    finally:
        site.stop()
