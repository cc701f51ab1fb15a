"""Notifications about runs: what went wrong (source, day, stage, failure type, reason) sent to channels.

Plain Python, no Airflow: newslake.airflow_notifier wraps it in an Airflow notifier. A deployment
chooses channels with NEWSLAKE_NOTIFY (comma-separated, default "log"):

    log      one WARNING line in the task log
    smtp     an e-mail via NEWSLAKE_SMTP_URL (smtp://[user:password@]host:port[?starttls=1]),
             to NEWSLAKE_NOTIFY_TO (comma-separated), from NEWSLAKE_NOTIFY_FROM
    webhook  a JSON POST to NEWSLAKE_WEBHOOK_URL; the body's "text" is what Slack-compatible
             incoming webhooks (Slack, Mattermost, Rocket.Chat) display, the "newslake" object the facts

Under Airflow the connections newslake_smtp and newslake_webhook, when defined, give those URLs.
A channel that fails is logged and does not stop the others.
"""

from __future__ import annotations

import json
import logging
import smtplib
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from email.message import EmailMessage
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

log = logging.getLogger(__name__)

KIND_FAILURE = "failure"
KIND_WARNING = "warning"  # the run succeeded, but the quarantine share is above the warning share
_TIMEOUT_SECONDS = 10.0

# What an operator should do, by failure type (newslake.errors).
ADVICE = {
    "SourceBlockedError": "The site refuses us (403/robots/most URLs failing). Check the site by hand; retrying will not help.",
    "SourceUnreachableError": "The site did not answer after retries. If it lasts, check the network or the site's status.",
    "QuarantineThresholdError": "Too many records failed validation: the site's layout may have changed. See the Data Docs and quarantine file.",
    "BlockingExpectationError": "A blocking expectation failed: the data breaks the contract. See the Data Docs.",
    "TooFewArticlesError": "Fewer articles than the source normally yields: discovery or extraction may be broken.",
    "OutOfRangeError": "The day is outside the source's start_date/end_date in sources.yaml.",
    "StorageUnavailableError": "The lake storage (S3) did not answer. Check SeaweedFS and the newslake_s3 connection.",
    "PartitionConflictError": "Another run replaced the partition first; its data is what readers get. Rerun if needed.",
    "MissingInputError": "An input was missing (e.g. replay without a raw zone for that day). Run without replay first.",
}


@dataclass(frozen=True)
class RunEvent:
    """One thing to tell an operator about a run of one source and day."""

    kind: str
    source: str
    day: str
    stage: str
    failure_type: str
    reason: str
    dag_id: str
    run_id: str
    try_number: int | None = None
    url: str | None = None  # the Airflow UI page of the run

    @property
    def subject(self) -> str:
        """One line: what happened where."""
        what = "failed" if self.kind == KIND_FAILURE else "succeeded with warnings"
        return f"[newslake] {self.source} {self.day}: {self.stage} {what} ({self.failure_type})"

    def text(self) -> str:
        """The message body an operator reads."""
        lines = [
            self.subject,
            f"source: {self.source}   day: {self.day}   stage: {self.stage}",
            f"failure type: {self.failure_type}",
            f"reason: {self.reason}",
            f"run: {self.dag_id} / {self.run_id}" + (f" (try {self.try_number})" if self.try_number else ""),
        ]
        advice = ADVICE.get(self.failure_type)
        if advice:
            lines.append(f"what to do: {advice}")
        if self.url:
            lines.append(f"open: {self.url}")
        return "\n".join(lines)


class Channel(Protocol):
    """Somewhere a RunEvent can be sent."""

    @property
    def name(self) -> str:
        """Channel name as NEWSLAKE_NOTIFY spells it."""
        ...

    def send(self, event: RunEvent) -> None:
        """Deliver the event; raise on failure."""
        ...


class LogChannel:
    """A WARNING line in the log (the task log under Airflow)."""

    name = "log"

    def send(self, event: RunEvent) -> None:
        """Log the event's text."""
        log.warning("%s", event.text().replace("\n", " | "))


@dataclass(frozen=True)
class SmtpChannel:
    """E-mail through an SMTP server."""

    host: str
    port: int
    recipients: tuple[str, ...]
    sender: str = "newslake@localhost"
    user: str | None = None
    password: str | None = None
    starttls: bool = False
    name: str = "smtp"

    @classmethod
    def from_url(cls, url: str, recipients: Sequence[str], sender: str | None = None) -> SmtpChannel:
        """smtp://[user:password@]host[:port][?starttls=1]"""
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError(f"NEWSLAKE_SMTP_URL must look like smtp://host:port, got scheme {parts.scheme!r}")
        if not recipients:
            raise ValueError("the smtp channel needs NEWSLAKE_NOTIFY_TO (comma-separated addresses)")
        query = parse_qs(parts.query)
        return cls(
            host=parts.hostname,
            port=parts.port or 25,
            recipients=tuple(recipients),
            sender=sender or "newslake@localhost",
            user=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            starttls=query.get("starttls", ["0"])[0].lower() in ("1", "true", "yes"),
        )

    def send(self, event: RunEvent) -> None:
        """Send one e-mail with the event's subject and text."""
        message = EmailMessage()
        message["Subject"] = event.subject
        message["From"] = self.sender
        message["To"] = ", ".join(self.recipients)
        message.set_content(event.text())
        with smtplib.SMTP(self.host, self.port, timeout=_TIMEOUT_SECONDS) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.user:
                smtp.login(self.user, self.password or "")
            smtp.send_message(message)


@dataclass(frozen=True)
class WebhookChannel:
    """A JSON POST, Slack-compatible ("text") with the facts under "newslake"."""

    url: str
    name: str = "webhook"

    def send(self, event: RunEvent) -> None:
        """POST the event; any non-2xx answer raises."""
        body = json.dumps({"text": event.text(), "newslake": asdict(event)}).encode()
        request = urllib.request.Request(
            self.url, data=body, method="POST", headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=_TIMEOUT_SECONDS) as response:  # noqa: S310 - operator's URL
            if not 200 <= response.status < 300:
                raise OSError(f"webhook answered HTTP {response.status}")


def channels_from_env(
    env: Mapping[str, str], *, smtp_url: str | None = None, webhook_url: str | None = None
) -> list[Channel]:
    """The channels NEWSLAKE_NOTIFY names, configured from env (or the URLs given, e.g. from connections)."""
    names = [n.strip() for n in (env.get("NEWSLAKE_NOTIFY") or "log").split(",") if n.strip()]
    channels: list[Channel] = []
    for name in names:
        if name == "log":
            channels.append(LogChannel())
        elif name == "smtp":
            url = smtp_url or env.get("NEWSLAKE_SMTP_URL")
            if not url:
                raise ValueError("NEWSLAKE_NOTIFY includes smtp but neither NEWSLAKE_SMTP_URL nor the "
                                 "newslake_smtp connection is set")
            to = [a.strip() for a in (env.get("NEWSLAKE_NOTIFY_TO") or "").split(",") if a.strip()]
            channels.append(SmtpChannel.from_url(url, to, env.get("NEWSLAKE_NOTIFY_FROM")))
        elif name == "webhook":
            url = webhook_url or env.get("NEWSLAKE_WEBHOOK_URL")
            if not url:
                raise ValueError("NEWSLAKE_NOTIFY includes webhook but neither NEWSLAKE_WEBHOOK_URL nor the "
                                 "newslake_webhook connection is set")
            channels.append(WebhookChannel(url))
        else:
            raise ValueError(f"NEWSLAKE_NOTIFY: unknown channel {name!r} (use log, smtp, webhook)")
    return channels


def send(event: RunEvent, channels: Sequence[Channel]) -> dict[str, str]:
    """Send to every channel; {channel: "sent" or the error}. One failing channel does not stop the rest."""
    outcome = {}
    for channel in channels:
        try:
            channel.send(event)
            outcome[channel.name] = "sent"
        except Exception as exc:
            log.error("notification via %s failed: %s: %s", channel.name, type(exc).__name__, exc)
            outcome[channel.name] = f"{type(exc).__name__}: {exc}"
    return outcome
