"""Notifications reach real receivers: an SMTP server and an HTTP webhook started by the test."""

from __future__ import annotations

import email
import json
import socketserver
import threading
from collections.abc import Iterator
from email import policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest
from airflow.sdk.exceptions import AirflowFailException
from newslake.airflow_notifier import NewslakeNotifier, event_from_context
from newslake.errors import SourceBlockedError
from newslake.notify import KIND_FAILURE, RunEvent, channels_from_env, send

pytestmark = pytest.mark.integration


class _SmtpHandler(socketserver.StreamRequestHandler):
    """Enough of RFC 5321 for smtplib: greeting, EHLO, MAIL, RCPT, DATA, QUIT."""

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self.reply("220 test-smtp ready")
        envelope: dict = {"rcpt": []}
        while line := self.rfile.readline():
            verb = line.decode().strip().split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 test-smtp")
            elif verb == "MAIL":
                envelope["from"] = line.decode().strip()
                self.reply("250 ok")
            elif verb == "RCPT":
                envelope["rcpt"].append(line.decode().strip())
                self.reply("250 ok")
            elif verb == "DATA":
                self.reply("354 end with .")
                data = []
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                envelope["data"] = b"".join(data)
                self.server.messages.append(envelope)  # type: ignore[attr-defined]
                envelope = {"rcpt": []}
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 ok")


@pytest.fixture
def smtp_server() -> Iterator[socketserver.ThreadingTCPServer]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SmtpHandler)
    server.messages = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def webhook_server() -> Iterator[ThreadingHTTPServer]:
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's naming
            length = int(self.headers["Content-Length"])
            received.append({"path": self.path, "type": self.headers["Content-Type"],
                             "body": json.loads(self.rfile.read(length))})
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.received = received  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


EVENT = RunEvent(
    kind=KIND_FAILURE, source="demo", day="2026-11-18", stage="fetch", failure_type="SourceBlockedError",
    reason="12/12 URLs blocked or failing", dag_id="news_demo", run_id="scheduled__2026-11-19T00:00:00+00:00",
    try_number=1, url="http://127.0.0.1:8080/dags/news_demo/runs/scheduled__2026-11-19T00:00:00+00:00",
)


def _env(smtp_server, webhook_server, channels="log,smtp,webhook") -> dict[str, str]:
    return {
        "NEWSLAKE_NOTIFY": channels,
        "NEWSLAKE_SMTP_URL": f"smtp://127.0.0.1:{smtp_server.server_address[1]}",
        "NEWSLAKE_NOTIFY_TO": "ops@example.org, oncall@example.org",
        "NEWSLAKE_NOTIFY_FROM": "newslake@example.org",
        "NEWSLAKE_WEBHOOK_URL": f"http://127.0.0.1:{webhook_server.server_address[1]}/hooks/newslake",
    }


def test_failure_reaches_smtp_and_webhook_with_every_fact(smtp_server, webhook_server, caplog):
    outcome = send(EVENT, channels_from_env(_env(smtp_server, webhook_server)))
    assert outcome == {"log": "sent", "smtp": "sent", "webhook": "sent"}

    [mail] = smtp_server.messages
    assert len(mail["rcpt"]) == 2
    message = email.message_from_bytes(mail["data"], policy=policy.default)
    assert message["Subject"] == "[newslake] demo 2026-11-18: fetch failed (SourceBlockedError)"
    body = message.get_content()
    assert "reason: 12/12 URLs blocked or failing" in body and "what to do:" in body
    assert EVENT.url in body

    [hook] = webhook_server.received
    assert hook["path"] == "/hooks/newslake" and hook["type"] == "application/json"
    assert hook["body"]["text"].startswith("[newslake] demo 2026-11-18: fetch failed")
    facts = hook["body"]["newslake"]
    assert (facts["source"], facts["day"], facts["stage"], facts["failure_type"]) == (
        "demo", "2026-11-18", "fetch", "SourceBlockedError")
    assert "SourceBlockedError" in caplog.text


def test_a_broken_channel_does_not_stop_the_others(smtp_server, webhook_server):
    env = _env(smtp_server, webhook_server, "webhook,smtp") | {"NEWSLAKE_WEBHOOK_URL": "http://127.0.0.1:9/x"}
    outcome = send(EVENT, channels_from_env(env))
    assert outcome["smtp"] == "sent" and outcome["webhook"].startswith("URLError")
    assert len(smtp_server.messages) == 1


def test_channel_config_mistakes_are_named():
    with pytest.raises(ValueError, match="NEWSLAKE_SMTP_URL"):
        channels_from_env({"NEWSLAKE_NOTIFY": "smtp"})
    with pytest.raises(ValueError, match="NEWSLAKE_NOTIFY_TO"):
        channels_from_env({"NEWSLAKE_NOTIFY": "smtp", "NEWSLAKE_SMTP_URL": "smtp://127.0.0.1:25"})
    with pytest.raises(ValueError, match="unknown channel 'pager'"):
        channels_from_env({"NEWSLAKE_NOTIFY": "log,pager"})


def _context(exc: BaseException) -> dict:
    from datetime import UTC, datetime

    ti = SimpleNamespace(dag_id="news_demo", task_id="fetch", run_id="backfill__2026-11-18", try_number=3)
    return {
        "ti": ti,
        "exception": exc,
        "data_interval_start": datetime(2026, 11, 18, tzinfo=UTC),
        "data_interval_end": datetime(2026, 11, 19, tzinfo=UTC),
    }


def test_airflow_notifier_sends_what_the_task_context_says(smtp_server, webhook_server, monkeypatch):
    for key, value in _env(smtp_server, webhook_server, "smtp,webhook").items():
        monkeypatch.setenv(key, value)
    try:
        try:
            raise SourceBlockedError("robots.txt disallows /")
        except SourceBlockedError as inner:
            raise AirflowFailException(f"SourceBlockedError: {inner}") from inner
    except AirflowFailException as wrapped:
        error = wrapped
    context = _context(error)
    event = event_from_context(context)
    assert (event.source, event.day, event.stage, event.failure_type) == ("demo", "2026-11-18", "fetch", "SourceBlockedError")
    NewslakeNotifier()(context)  # how Airflow calls a notifier given as on_failure_callback
    [hook] = webhook_server.received
    assert hook["body"]["newslake"]["reason"] == "robots.txt disallows /"
    assert hook["body"]["newslake"]["try_number"] == 3
    assert "demo 2026-11-18: fetch failed" in smtp_server.messages[0]["data"].decode()
