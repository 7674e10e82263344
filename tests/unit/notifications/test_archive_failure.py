from __future__ import annotations

import email
import json
import logging
import socket
import threading
import types
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from zoom_archiver.errors import DownloadError
from zoom_archiver.notifications.archive_failure import (
    FILE_CONTEXT_KEY,
    ArchiveFailureNotifier,
    failure_summary,
    render_text,
)
from zoom_archiver.redaction import mask

SECRET = "sig-SECRET-4b1d-very-private-value"
LOG_URL = "http://localhost:8080/dags/zoom_recordings_to_s3/runs/scheduled__2026-03-10T10:00:00+00:00/tasks/archive?map_index=3"


@pytest.fixture
def context() -> dict:
    mask(SECRET)
    ti = types.SimpleNamespace(
        dag_id="zoom_recordings_to_s3",
        task_id="archive",
        map_index=3,
        run_id="scheduled__2026-03-10T10:00:00+00:00",
        try_number=2,
        log_url=LOG_URL,
    )
    return {
        "ti": ti,
        "run_id": "scheduled__2026-03-10T10:00:00+00:00",
        "exception": DownloadError(f"download from https://ssrweb.zoom.us/x answered HTTP 403 ({SECRET})"),
        FILE_CONTEXT_KEY: {
            "host_email": "jchill@example.com",
            "topic": "Quarterly review",
            "file_type": "MP4",
            "meeting_uuid": "2jQ60QnYThiV9cm+fdIbZQ==",
            "key": "zoom/jchill@example.com/2026/03/10/x.mp4",
        },
    }


class TestFailureSummary:
    def test_names_everything_on_call_needs(self, context):
        summary = failure_summary(context)
        assert summary["dag"] == "zoom_recordings_to_s3"
        assert summary["run"] == "scheduled__2026-03-10T10:00:00+00:00"
        assert summary["task"] == "archive[3]"
        assert summary["try"] == "2"
        assert "jchill@example.com" in summary["file"]
        assert "Quarterly review" in summary["file"]
        assert "MP4" in summary["file"]
        assert "2jQ60QnYThiV9cm+fdIbZQ==" in summary["file"]
        assert summary["error"].startswith("DownloadError: download from https://ssrweb.zoom.us/x answered HTTP 403")
        assert summary["log"] == LOG_URL

    def test_masks_registered_secrets(self, context):
        summary = failure_summary(context)
        text = render_text(summary)
        assert SECRET not in text
        assert "***" in summary["error"]

    def test_unmapped_task_has_no_index(self, context):
        context["ti"].task_id = "discover"
        context["ti"].map_index = -1
        del context[FILE_CONTEXT_KEY]
        summary = failure_summary(context)
        assert summary["task"] == "discover"
        assert summary["file"] == "-"

    def test_requests_exceptions_lose_their_signed_urls(self, context):
        import requests

        context["exception"] = requests.exceptions.ConnectionError(
            "HTTPSConnectionPool(host='ssrweb.zoom.us'): Max retries exceeded with url: /x.mp4?Signature=abc"
        )
        summary = failure_summary(context)
        assert summary["error"] == "ConnectionError"

    def test_minimal_context(self):
        summary = failure_summary({})
        assert set(summary) == {"dag", "run", "task", "try", "file", "error", "log"}
        assert summary["error"] == "unknown error"

    def test_render_text(self, context):
        text = render_text(failure_summary(context))
        for part in ("zoom_recordings_to_s3", "archive[3]", "Quarterly review", "HTTP 403", LOG_URL):
            assert part in text


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.content)))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(monkeypatch):
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    monkeypatch.setenv(
        "AIRFLOW_CONN_SMTP_DEFAULT",
        json.dumps({
            "conn_type": "smtp", "host": "127.0.0.1", "port": controller.port,
            "extra": {"disable_tls": True, "disable_ssl": True, "retry_limit": 0, "timeout": 5},
        }),
    )  # fmt: skip
    yield mailbox
    controller.stop()


class SlackReceiver(BaseHTTPRequestHandler):
    posts: list[tuple[str, dict]] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).posts.append((self.path, json.loads(body)))
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.fixture
def slack_server(monkeypatch):
    SlackReceiver.posts = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), SlackReceiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv(
        "AIRFLOW_CONN_SLACK_DEFAULT",
        json.dumps({
            "conn_type": "slackwebhook", "host": f"127.0.0.1:{server.server_port}", "schema": "http",
            "password": "T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
        }),
    )  # fmt: skip
    yield SlackReceiver.posts
    server.shutdown()
    server.server_close()


@pytest.fixture
def no_channels(monkeypatch):
    for name in ("AIRFLOW_CONN_SMTP_DEFAULT", "AIRFLOW_CONN_SLACK_DEFAULT", "AIRFLOW_VAR_ZOOM_ARCHIVE_ALERT_EMAILS"):
        monkeypatch.delenv(name, raising=False)


class TestArchiveFailureNotifier:
    def test_email(self, no_channels, smtp_server, context, monkeypatch):
        monkeypatch.setenv("AIRFLOW_VAR_ZOOM_ARCHIVE_ALERT_EMAILS", "oncall@example.com, media@example.com")
        ArchiveFailureNotifier()(context)
        [(recipients, message)] = smtp_server.messages
        assert sorted(recipients) == ["media@example.com", "oncall@example.com"]
        assert message["Subject"] == "[Airflow] zoom_recordings_to_s3: archive[3] failed"
        assert message["From"] == "airflow-zoom-archiver@localhost"
        body = "".join(
            part.get_payload(decode=True).decode() for part in message.walk() if part.get_content_type() == "text/html"
        )
        assert "Quarterly review" in body
        assert "HTTP 403" in body
        assert "archive[3]" in body
        assert SECRET not in body

    @pytest.mark.parametrize(
        "value",
        [
            pytest.param("oncall@example.com,media@example.com", id="comma"),
            pytest.param("oncall@example.com; media@example.com", id="semicolon-as-in-settings"),
            pytest.param(" oncall@example.com , media@example.com ,", id="spaces-and-trailing-comma"),
        ],
    )
    def test_recipient_list_formats(self, no_channels, smtp_server, context, monkeypatch, value):
        monkeypatch.setenv("AIRFLOW_VAR_ZOOM_ARCHIVE_ALERT_EMAILS", value)
        ArchiveFailureNotifier()(context)
        [(recipients, _)] = smtp_server.messages
        assert sorted(recipients) == ["media@example.com", "oncall@example.com"]

    def test_slack(self, no_channels, slack_server, context):
        ArchiveFailureNotifier()(context)
        [(path, payload)] = slack_server
        assert path == "/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"
        assert "zoom_recordings_to_s3" in payload["text"]
        assert "archive[3]" in payload["text"]
        assert "Quarterly review" in payload["text"]
        assert LOG_URL in payload["text"]
        assert SECRET not in payload["text"]

    def test_slack_text_is_escaped(self, no_channels, smtp_server, slack_server, context, monkeypatch):
        monkeypatch.setenv("AIRFLOW_VAR_ZOOM_ARCHIVE_ALERT_EMAILS", "oncall@example.com")
        context[FILE_CONTEXT_KEY]["topic"] = "<!channel> Q&A <https://evil.example|click here> <@U123>"
        ArchiveFailureNotifier()(context)
        [(_, payload)] = slack_server
        text = payload["text"]
        assert "<" not in text
        assert ">" not in text
        assert "&lt;!channel&gt; Q&amp;A &lt;https://evil.example|click here&gt; &lt;@U123&gt;" in text
        [(_, message)] = smtp_server.messages
        body = "".join(
            part.get_payload(decode=True).decode() for part in message.walk() if part.get_content_type() == "text/html"
        )
        assert "&lt;!channel&gt; Q&amp;A &lt;https://evil.example|click here&gt;" in body  # HTML-escaped, once

    def test_both_channels(self, no_channels, smtp_server, slack_server, context, monkeypatch):
        monkeypatch.setenv("AIRFLOW_VAR_ZOOM_ARCHIVE_ALERT_EMAILS", "oncall@example.com")
        ArchiveFailureNotifier()(context)
        assert len(smtp_server.messages) == 1
        assert len(slack_server) == 1

    def test_emails_without_smtp_connection_only_slack(self, no_channels, slack_server, context, monkeypatch):
        monkeypatch.setenv("AIRFLOW_VAR_ZOOM_ARCHIVE_ALERT_EMAILS", "oncall@example.com")
        ArchiveFailureNotifier()(context)
        assert len(slack_server) == 1

    def test_smtp_connection_without_recipients_sends_no_email(self, no_channels, smtp_server, context, caplog):
        with caplog.at_level(logging.WARNING):
            ArchiveFailureNotifier()(context)
        assert smtp_server.messages == []
        assert "No alert channel" in caplog.text

    def test_failing_channel_does_not_stop_the_other(self, no_channels, slack_server, context, monkeypatch, caplog):
        monkeypatch.setenv("AIRFLOW_VAR_ZOOM_ARCHIVE_ALERT_EMAILS", "oncall@example.com")
        monkeypatch.setenv(
            "AIRFLOW_CONN_SMTP_DEFAULT",
            json.dumps({"conn_type": "smtp", "host": "127.0.0.1", "port": free_port(),
                        "extra": {"disable_tls": True, "disable_ssl": True, "retry_limit": 0, "timeout": 2}}),
        )  # fmt: skip
        with caplog.at_level(logging.ERROR):
            ArchiveFailureNotifier()(context)
        assert len(slack_server) == 1
        assert "Could not send the email alert" in caplog.text

    def test_no_channel_only_logs(self, no_channels, context, caplog):
        with caplog.at_level(logging.WARNING):
            ArchiveFailureNotifier()(context)
        assert "No alert channel is configured" in caplog.text
        assert "archive[3]" in caplog.text
        assert "Quarterly review" in caplog.text
        assert SECRET not in caplog.text
