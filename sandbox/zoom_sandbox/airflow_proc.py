"""Run Airflow for the sandbox (``airflow standalone``) and drive it through its REST API."""

from __future__ import annotations

import json
import os
import secrets
import socket
import sys
import time
from pathlib import Path
from typing import Any

import requests

from zoom_sandbox.services import Service, _spawn, free_port, stop_process_group, wait_http

REPO = Path(__file__).resolve().parents[2]
DAG_ID = "zoom_recordings_to_s3"
#: Airflow's default ports for the log servers of the executor's workers and of the triggerer.
DEFAULT_WORKER_LOG_PORT = 8793
DEFAULT_TRIGGER_LOG_PORT = 8794
FINISHED = ("success", "failed")


def airflow_base_env(home: Path, api_port: int) -> dict[str, str]:
    """Settings for a local Airflow whose DAGs and plugins are this repository's."""
    venv_bin = str(Path(sys.executable).parent)
    return {
        "PATH": f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}",
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
        "AIRFLOW__API__PORT": str(api_port),
        "AIRFLOW__API__BASE_URL": f"http://localhost:{api_port}",
        # Airflow 3 pitfall: with a non-default API port the workers must be told where the Execution API is.
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://localhost:{api_port}/execution/",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "10",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
    }


def port_free(port: int) -> bool:
    """Whether nothing listens on ``port`` of 127.0.0.1."""
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


_port_free = port_free  # former name


def start_standalone(
    home: Path,
    log_dir: Path,
    env: dict[str, str],
    api_port: int = 0,
    *,
    dags_folder: Path | None = None,
    sql_alchemy_conn: str | None = None,
) -> tuple[Service, str]:
    """Start ``airflow standalone``; return it and the admin password (written beforehand, printed by the demo).

    ``dags_folder``: another DAGs folder than the repository's ``dags/`` (e.g. with an example consumer DAG too).
    ``sql_alchemy_conn``: another metadata DB than SQLite in ``home`` (e.g. an empty PostgreSQL database).

    ``api_port`` 0: 8080 if it is free, else any free port. The log servers of the LocalExecutor and the
    triggerer keep their default ports unless something else (another Airflow) already listens there.
    If Airflow does not come up, everything it started is stopped before the error is raised.
    """
    home.mkdir(parents=True, exist_ok=True)
    api_port = api_port or (8080 if port_free(8080) else free_port())
    password = _admin_password(home)
    log_ports = {
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(
            DEFAULT_WORKER_LOG_PORT if port_free(DEFAULT_WORKER_LOG_PORT) else free_port()
        ),
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(
            DEFAULT_TRIGGER_LOG_PORT if port_free(DEFAULT_TRIGGER_LOG_PORT) else free_port()
        ),
    }
    full_env = {**os.environ, **log_ports, **env, **airflow_base_env(home, api_port)}
    if dags_folder is not None:
        full_env["AIRFLOW__CORE__DAGS_FOLDER"] = str(dags_folder)
    if sql_alchemy_conn is not None:
        full_env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = sql_alchemy_conn
    proc = _spawn([str(Path(sys.executable).parent / "airflow"), "standalone"], log_dir / "airflow.log", full_env)
    url = f"http://localhost:{api_port}"
    try:
        wait_http(f"{url}/api/v2/monitor/health", timeout=300, proc=proc)
    except BaseException:
        stop_process_group(proc)
        raise
    return Service("airflow", proc, url, log_dir / "airflow.log", {"api_port": api_port}), password


def _admin_password(home: Path) -> str:
    """The admin's password in ``home`` (kept across restarts; a new one the first time), written for Airflow's
    simple auth manager before it starts (owner-only)."""
    password_file = home / "simple_auth_manager_passwords.json.generated"
    if password_file.exists():
        password = json.loads(password_file.read_text()).get("admin") or secrets.token_urlsafe(12)
    else:
        password = secrets.token_urlsafe(12)
    password_file.write_text(json.dumps({"admin": password}) + "\n")
    password_file.chmod(0o600)
    return password


class AirflowApi:
    """A tiny client of Airflow's REST API v2 (JWT from ``/auth/token``)."""

    def __init__(self, base_url: str, username: str, password: str, *, timeout: float = 60) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        self._login(username, password)

    def _login(self, username: str, password: str) -> None:
        deadline = time.monotonic() + 120
        while True:
            try:
                response = self.session.post(
                    f"{self.base_url}/auth/token", json={"username": username, "password": password}, timeout=30
                )
            except requests.RequestException:
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)
                continue
            if response.status_code in (200, 201):
                self.session.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
                return
            if time.monotonic() > deadline:
                response.raise_for_status()
            time.sleep(1)

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.session.request(
            method, f"{self.base_url}/api/v2/{path.lstrip('/')}", timeout=self.timeout, **kwargs
        )
        if not response.ok:
            raise requests.HTTPError(
                f"{response.status_code} {method} {path}: {response.text[:2000]}", response=response
            )
        return response.json() if response.content else None

    def wait_for_dag(self, dag_id: str = DAG_ID, timeout: float = 300) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            response = self.session.get(f"{self.base_url}/api/v2/dags/{dag_id}", timeout=self.timeout)
            if response.status_code == 200:
                return response.json()
            if time.monotonic() > deadline:
                raise TimeoutError(f"DAG {dag_id} was not parsed within {timeout}s")
            time.sleep(2)

    def unpause(self, dag_id: str = DAG_ID) -> None:
        self.call("PATCH", f"dags/{dag_id}", json={"is_paused": False})

    def trigger(self, conf: dict | None = None, dag_id: str = DAG_ID) -> str:
        body = self.call("POST", f"dags/{dag_id}/dagRuns", json={"logical_date": None, "conf": conf or {}})
        return body["dag_run_id"]

    def dag_run(self, run_id: str, dag_id: str = DAG_ID) -> dict:
        return self.call("GET", f"dags/{dag_id}/dagRuns/{run_id}")

    def dag_runs(self, dag_id: str = DAG_ID) -> list[dict]:
        return self.call("GET", f"dags/{dag_id}/dagRuns", params={"limit": 100, "order_by": "id"})["dag_runs"]

    def wait_for_run(self, run_id: str, dag_id: str = DAG_ID, timeout: float = 900) -> str:
        deadline = time.monotonic() + timeout
        while True:
            state = self.dag_run(run_id, dag_id)["state"]
            if state in FINISHED:
                return state
            if time.monotonic() > deadline:
                raise TimeoutError(f"run {run_id} still {state} after {timeout}s")
            time.sleep(2)

    def wait_for_all_runs(self, dag_id: str = DAG_ID, timeout: float = 900) -> list[dict]:
        """Wait until no run of the DAG is queued or running; return every run (oldest first)."""
        deadline = time.monotonic() + timeout
        while True:
            runs = self.dag_runs(dag_id)
            pending = [r["dag_run_id"] for r in runs if r["state"] not in FINISHED]
            if not pending:
                return runs
            if time.monotonic() > deadline:
                raise TimeoutError(f"runs still unfinished after {timeout}s: {pending}")
            time.sleep(2)

    def task_instances(self, run_id: str, dag_id: str = DAG_ID) -> list[dict]:
        return self.call("GET", f"dags/{dag_id}/dagRuns/{run_id}/taskInstances", params={"limit": 1000})[
            "task_instances"
        ]

    def clear_task_instances(
        self, run_id: str, task_ids: list[str | list[str | int]], *, include_downstream: bool = True,
        dag_id: str = DAG_ID,
    ) -> list[dict]:  # fmt: skip
        """Clear task instances of one run (``["archive", 3]`` is one mapped instance); return what was cleared."""
        body = {
            "dag_run_id": run_id, "task_ids": task_ids, "include_downstream": include_downstream,
            "only_failed": False, "dry_run": False,
        }  # fmt: skip
        return self.call("POST", f"dags/{dag_id}/clearTaskInstances", json=body)["task_instances"]

    def xcom(self, run_id: str, task_id: str, key: str = "return_value", map_index: int = -1,
             dag_id: str = DAG_ID) -> Any:  # fmt: skip
        path = f"dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/xcomEntries/{key}"
        return self.call("GET", path, params={"map_index": map_index, "deserialize": True})["value"]

    def get_variable(self, key: str) -> str | None:
        response = self.session.get(f"{self.base_url}/api/v2/variables/{key}", timeout=self.timeout)
        if response.status_code == 404:
            return None
        response.raise_for_status()
        return response.json()["value"]

    def set_variable(self, key: str, value: str) -> None:
        if self.get_variable(key) is None:
            self.call("POST", "variables", json={"key": key, "value": value})
        else:
            self.call("PATCH", f"variables/{key}", json={"key": key, "value": value})

    def delete_variable(self, key: str) -> None:
        response = self.session.delete(f"{self.base_url}/api/v2/variables/{key}", timeout=self.timeout)
        if response.status_code not in (204, 404):
            response.raise_for_status()
