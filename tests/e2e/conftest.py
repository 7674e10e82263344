"""End-to-end fixtures: the Zoom emulator and moto's S3 server as real HTTP processes, and Airflow's own
``airflow dags test`` (real metadata DB, real task runner) in a subprocess whose whole output is kept for the
secret scan."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from zoom_sandbox.services import Service, airflow_env, start_emulator, start_moto

REPO = Path(__file__).resolve().parents[2]
DAG_ID = "zoom_recordings_to_s3"
AIRFLOW = str(Path(sys.executable).parent / "airflow")


@dataclass
class Stack:
    s3: Service
    zoom: Service
    log_dir: Path

    @property
    def zoom_url(self) -> str:
        return self.zoom.url

    def emulator(self, method: str, path: str, **kwargs: Any) -> Any:
        response = requests.request(method, f"{self.zoom.url}/_emulator/{path}", timeout=30, **kwargs)
        response.raise_for_status()
        return response.json() if response.content else None

    def s3_client(self):
        return boto3.client(
            "s3", endpoint_url=self.s3.url, region_name="us-east-1",
            aws_access_key_id="sandbox", aws_secret_access_key="sandbox",
        )  # fmt: skip


@pytest.fixture(scope="session")
def stack(tmp_path_factory) -> Stack:
    log_dir = tmp_path_factory.mktemp("e2e-services")
    s3 = start_moto(log_dir)
    zoom = start_emulator(log_dir, seed="tricky")
    yield Stack(s3, zoom, log_dir)
    zoom.stop()
    s3.stop()


@pytest.fixture(scope="session")
def migrated_db(tmp_path_factory) -> Path:
    """Migrate one SQLite metadata DB per session; each test gets a copy (fast, isolated)."""
    home = tmp_path_factory.mktemp("airflow-template")
    env = {**os.environ, **_airflow_settings(home)}
    subprocess.run([AIRFLOW, "db", "migrate"], env=env, check=True, capture_output=True, timeout=300)
    return home / "airflow.db"


def _airflow_settings(home: Path) -> dict[str, str]:
    return {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
    }


@dataclass
class RunResult:
    state: str | None
    tis: dict[tuple[str, int], dict[str, Any]]
    output: str
    returncode: int

    def states(self, task_id: str) -> list[str]:
        return [v["state"] for (t, _), v in sorted(self.tis.items()) if t == task_id]


@dataclass
class Airflow:
    """One isolated Airflow installation (AIRFLOW_HOME with its own metadata DB) pointed at the stack."""

    home: Path
    stack: Stack
    bucket: str
    env: dict[str, str] = field(default_factory=dict)
    outputs: list[str] = field(default_factory=list)

    def run(self, conf: dict | None = None, *, timeout: float = 2400) -> RunResult:
        import json

        cmd = [AIRFLOW, "dags", "test", DAG_ID]
        if conf:
            cmd += ["-c", json.dumps(conf)]
        env = {**os.environ, **_airflow_settings(self.home), **self.env}
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
        output = proc.stdout + proc.stderr
        self.outputs.append(output)
        with sqlite3.connect(self.home / "airflow.db") as db:
            run_id, state = db.execute(
                "SELECT run_id, state FROM dag_run WHERE dag_id=? ORDER BY id DESC LIMIT 1", (DAG_ID,)
            ).fetchone()
            rows = db.execute(
                "SELECT task_id, map_index, state, try_number, rendered_map_index FROM task_instance "
                "WHERE dag_id=? AND run_id=?",
                (DAG_ID, run_id),
            ).fetchall()
        tis = {(r[0], r[1]): {"state": r[2], "try_number": r[3], "label": r[4]} for r in rows}
        return RunResult(state, tis, output, proc.returncode)

    def variable(self, key: str) -> str | None:
        """Read a Variable straight from the metadata DB (decrypting if a Fernet key is set)."""
        with sqlite3.connect(self.home / "airflow.db") as db:
            row = db.execute("SELECT val, is_encrypted FROM variable WHERE key=?", (key,)).fetchone()
        if row is None:
            return None
        assert not row[1], "tests run without a Fernet key"
        return row[0]

    def all_logs(self) -> str:
        texts = list(self.outputs)
        for path in self.home.rglob("*.log"):
            texts.append(path.read_text(errors="replace"))
        for path in self.stack.log_dir.rglob("*.log"):
            texts.append(path.read_text(errors="replace"))
        return "\n".join(texts)


@pytest.fixture
def airflow(tmp_path, migrated_db, stack) -> Airflow:
    home = tmp_path / "airflow"
    home.mkdir()
    shutil.copy(migrated_db, home / "airflow.db")
    bucket = f"zoom-e2e-{uuid.uuid4().hex[:10]}"
    s3 = stack.s3_client()
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    stack.emulator("POST", "reset", json={"seed": "tricky"})
    stack.emulator("POST", "stats/reset")
    env = airflow_env(zoom_api_url=stack.zoom_url, s3_url=stack.s3.url, bucket=bucket, prefix="archive")
    env.update(
        {
            "ZOOM_ARCHIVE_TASK_RETRIES": "1",
            "ZOOM_ARCHIVE_RETRY_DELAY_SECONDS": "1",
            "AWS_ACCESS_KEY_ID": "sandbox",
            "AWS_SECRET_ACCESS_KEY": "sandbox",
        }
    )
    return Airflow(home, stack, bucket, env)


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

        conn = {"conn_type": "smtp", "host": "127.0.0.1", "port": self.port,
                "extra": {"disable_tls": True, "disable_ssl": True, "timeout": 10, "retry_limit": 1}}  # fmt: skip
        return {"AIRFLOW_CONN_SMTP_DEFAULT": json.dumps(conn), "AIRFLOW_VAR_ZOOM_ARCHIVE_ALERT_EMAILS": recipient}


@pytest.fixture
def smtp_server():
    server = SmtpCapture()
    server.controller.start()
    yield server
    server.controller.stop()
