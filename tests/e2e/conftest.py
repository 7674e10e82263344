"""End-to-end fixtures: the Zoom emulator and moto's S3 server as real HTTP processes, and Airflow's own
``airflow dags test`` (real metadata DB, real task runner) in a subprocess whose whole output is kept for the
secret scan (both from ``tests.support.stack``), plus a capturing SMTP server."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.stack import Airflow, Stack, make_airflow, migrate_db, start_stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory) -> Stack:
    """moto behind the proxy serving HTTPS (a CA made for the session, verification on; no faults) and the Zoom
    emulator (tricky seed), for the whole session. Airflow reaches S3 over HTTPS only, as in production."""
    stack = start_stack(tmp_path_factory.mktemp("e2e-services"), seed="tricky", control_timeout=30, tls=True)
    yield stack
    stack.stop()


@pytest.fixture(scope="session")
def migrated_db(tmp_path_factory) -> Path:
    """Migrate one SQLite metadata DB per session; each test gets a copy (fast, isolated)."""
    return migrate_db(tmp_path_factory.mktemp("airflow-template"))


@pytest.fixture
def airflow(tmp_path, migrated_db, stack) -> Airflow:
    """An isolated Airflow with a fresh versioned bucket; the emulator reset to the tricky seed, counters zeroed."""
    airflow = make_airflow(tmp_path, migrated_db, stack, bucket_prefix="zoom-e2e", run_timeout=2400)
    stack.emulator("POST", "reset", json={"seed": "tricky"})
    stack.emulator("POST", "stats/reset")
    stack.proxy_call("POST", "stats/reset")
    return airflow


class SmtpCapture:
    """A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps every message it receives."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller
        from zoom_sandbox.services import free_port

        self.messages: list[str] = []
        capture = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                import email

                message = email.message_from_bytes(envelope.content)
                parts = [message["Subject"] or ""]
                for part in message.walk():
                    payload = part.get_payload(decode=True)
                    if payload:
                        parts.append(payload.decode(errors="replace"))
                capture.messages.append("\n".join(parts))
                return "250 OK"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def airflow_env(self, recipient: str) -> dict[str, str]:
        import json

        extra = {"disable_tls": True, "disable_ssl": True, "timeout": 10, "retry_limit": 1}
        conn = {"conn_type": "smtp", "host": "127.0.0.1", "port": self.port, "extra": extra}
        return {"AIRFLOW_CONN_SMTP_DEFAULT": json.dumps(conn), "AIRFLOW_VAR_ZOOM_ARCHIVE_ALERT_EMAILS": recipient}


@pytest.fixture
def smtp_server():
    server = SmtpCapture()
    server.controller.start()
    yield server
    server.controller.stop()
