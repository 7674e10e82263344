"""The service stack and the Airflow runner shared by the e2e and chaos suites.

:class:`Stack` is moto's S3 server, optionally the seeded S3 fault proxy in front of it, and the Zoom emulator,
each a process writing its log under ``log_dir``. :class:`Airflow` is one isolated Airflow installation
(``AIRFLOW_HOME`` with its own SQLite metadata DB) pointed at a stack; :meth:`Airflow.run` is Airflow's own
``airflow dags test`` (real metadata DB, real task runner) in a subprocess whose whole output is kept for the
secret scan. The suites' conftests only wrap these in fixtures.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import requests
from zoom_sandbox.s3_proxy import start_s3_proxy
from zoom_sandbox.services import Service, airflow_env, start_emulator, start_moto
from zoom_sandbox.tls import SandboxTLS, make_tls

REPO = Path(__file__).resolve().parents[2]
DAG_ID = "zoom_recordings_to_s3"
AIRFLOW = str(Path(sys.executable).parent / "airflow")
PREFIX = "archive"


@dataclass
class Stack:
    """moto, the fault proxy in front of it when there is one, and the Zoom emulator (each a process)."""

    s3: Service
    zoom: Service
    log_dir: Path
    proxy: Service | None = None
    #: Seconds an ``emulator`` control call may take.
    control_timeout: float = 30
    #: The CA and certificate of the proxy when it serves HTTPS (``start_stack(tls=True)``).
    tls: SandboxTLS | None = None

    @property
    def zoom_url(self) -> str:
        return self.zoom.url

    @property
    def s3_endpoint(self) -> str:
        """What Airflow talks to: the proxy when there is one."""
        return self.proxy.url if self.proxy else self.s3.url

    def emulator(self, method: str, path: str, **kwargs: Any) -> Any:
        """Call the emulator's ``/_emulator/<path>``; its JSON answer (``None`` when empty)."""
        response = requests.request(method, f"{self.zoom.url}/_emulator/{path}", timeout=self.control_timeout, **kwargs)
        response.raise_for_status()
        return response.json() if response.content else None

    def proxy_call(self, method: str, path: str, **kwargs: Any) -> Any:
        """Call the fault proxy's ``/_proxy/<path>``; its JSON answer."""
        assert self.proxy is not None
        verify = str(self.tls.ca_path) if self.tls else True
        response = requests.request(method, f"{self.proxy.url}/_proxy/{path}", timeout=30, verify=verify, **kwargs)
        response.raise_for_status()
        return response.json()

    def s3_client(self):
        """A client straight to moto (never through the proxy): what the checks use."""
        return boto3.client(
            "s3",
            endpoint_url=self.s3.url,
            region_name="us-east-1",
            aws_access_key_id="sandbox",
            aws_secret_access_key="sandbox",
        )

    def stop(self) -> None:
        for service in (self.zoom, self.proxy, self.s3):
            if service is not None:
                service.stop()


def start_stack(
    log_dir: Path,
    *,
    seed: str,
    zoom_config: dict | None = None,
    proxy_config: dict | None = None,
    with_proxy: bool = True,
    control_timeout: float = 60,
    tls: bool = False,
) -> Stack:
    """Start moto, the fault proxy (unless ``with_proxy`` is false) and the emulator with ``seed``.

    ``control_timeout`` (seconds per ``Stack.emulator`` call) defaults to the chaos suites' 60; e2e passes 30.
    ``tls``: the proxy serves HTTPS with a CA made for this stack (as production's S3 endpoints do: botocore then
    streams uploads ``aws-chunked`` with a CRC32 trailer); Airflow trusts that CA only (``aws_default`` extra
    ``verify``). Needs the proxy.
    """
    if tls and not with_proxy:
        raise ValueError("tls=True needs the proxy: it is the stack's HTTPS endpoint")
    sandbox_tls = make_tls(log_dir / "tls") if tls else None
    s3 = start_moto(log_dir)
    proxy = start_s3_proxy(log_dir, s3.url, proxy_config or {}, tls=sandbox_tls) if with_proxy else None
    zoom = start_emulator(log_dir, seed=seed, config=zoom_config)
    return Stack(s3, zoom, log_dir, proxy, control_timeout, sandbox_tls)


def airflow_settings(home: Path) -> dict[str, str]:
    """The environment of an Airflow installation in ``home`` running this repository's DAGs and plugins."""
    return {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
    }


def migrate_db(home: Path) -> Path:
    """Migrate a SQLite metadata DB in ``home`` (``airflow db migrate``); its path, to be copied per test."""
    env = {**os.environ, **airflow_settings(home)}
    subprocess.run([AIRFLOW, "db", "migrate"], env=env, check=True, capture_output=True, timeout=300)
    return home / "airflow.db"


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
    """One isolated Airflow installation (AIRFLOW_HOME with its own metadata DB) pointed at the stack.

    Every :meth:`run` keeps its output in ``outputs`` and its duration (seconds) in ``durations``.
    """

    home: Path
    stack: Stack
    bucket: str
    env: dict[str, str] = field(default_factory=dict)
    outputs: list[str] = field(default_factory=list)
    durations: list[float] = field(default_factory=list)
    #: Default ``timeout`` of :meth:`run`, seconds.
    run_timeout: float = 2400

    def run(self, conf: dict | None = None, *, timeout: float | None = None, dag_id: str = DAG_ID) -> RunResult:
        """``airflow dags test`` of ``dag_id`` (the archive DAG) with ``conf``; the run's state and task instances."""
        started = time.monotonic()
        try:
            return self._run(conf, self.run_timeout if timeout is None else timeout, dag_id)
        finally:
            self.durations.append(round(time.monotonic() - started, 1))

    def _run(self, conf: dict | None, timeout: float, dag_id: str = DAG_ID) -> RunResult:
        cmd = [AIRFLOW, "dags", "test", dag_id]
        if conf:
            cmd += ["-c", json.dumps(conf)]
        env = {**os.environ, **airflow_settings(self.home), **self.env}
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
        output = proc.stdout + proc.stderr
        self.outputs.append(output)
        with sqlite3.connect(self.home / "airflow.db") as db:
            run_id, state = db.execute(
                "SELECT run_id, state FROM dag_run WHERE dag_id=? ORDER BY id DESC LIMIT 1", (dag_id,)
            ).fetchone()
            rows = db.execute(
                "SELECT task_id, map_index, state, try_number, rendered_map_index FROM task_instance "
                "WHERE dag_id=? AND run_id=?",
                (dag_id, run_id),
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


def _with_extra(conn_json: str, extra: dict | None) -> str:
    conn = json.loads(conn_json)
    conn["extra"].update(extra or {})
    return json.dumps(conn)


def make_airflow(
    home_root: Path,
    migrated: Path | None,
    stack: Stack,
    *,
    bucket_prefix: str,
    extra_env: dict[str, str] | None = None,
    zoom_extra: dict | None = None,
    aws_extra: dict | None = None,
    run_timeout: float = 900,
) -> Airflow:
    """An isolated Airflow home (copy of the migrated DB) and a fresh versioned bucket, wired to ``stack``.

    ``zoom_extra``/``aws_extra`` are merged into the connections' extras, ``extra_env`` overrides the rest.
    """
    home = home_root / "airflow"
    home.mkdir(parents=True)
    if migrated is not None:  # for ``airflow dags test``; a standalone Airflow migrates its own DB
        shutil.copy(migrated, home / "airflow.db")
    bucket = f"{bucket_prefix}-{uuid.uuid4().hex[:10]}"
    s3 = stack.s3_client()
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    env = airflow_env(zoom_api_url=stack.zoom_url, s3_url=stack.s3_endpoint, bucket=bucket, prefix=PREFIX)
    env["AIRFLOW_CONN_ZOOM_DEFAULT"] = _with_extra(env["AIRFLOW_CONN_ZOOM_DEFAULT"], zoom_extra)
    tls_extra = stack.tls.aws_extra() if stack.tls else {}
    env["AIRFLOW_CONN_AWS_DEFAULT"] = _with_extra(env["AIRFLOW_CONN_AWS_DEFAULT"], {**tls_extra, **(aws_extra or {})})
    env.update(
        {
            "ZOOM_ARCHIVE_TASK_RETRIES": "1",
            "ZOOM_ARCHIVE_RETRY_DELAY_SECONDS": "1",
            "AWS_ACCESS_KEY_ID": "sandbox",
            "AWS_SECRET_ACCESS_KEY": "sandbox",
        }
    )
    env.update(extra_env or {})
    return Airflow(home, stack, bucket, env, run_timeout=run_timeout)
