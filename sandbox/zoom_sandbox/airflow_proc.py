"""Run Airflow for the sandbox (``airflow standalone``) and drive it through its REST API."""

from __future__ import annotations

import json
import os
import secrets
import sys
import time
from pathlib import Path
from typing import Any

import requests

from zoom_sandbox.services import Service, _spawn, free_port, wait_http

REPO = Path(__file__).resolve().parents[2]
DAG_ID = "zoom_recordings_to_s3"


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
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://localhost:{api_port}/execution/",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "10",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
    }


def start_standalone(home: Path, log_dir: Path, env: dict[str, str], api_port: int = 0) -> tuple[Service, str]:
    """Start ``airflow standalone``; return it and the admin password (written beforehand, printed by the demo)."""
    home.mkdir(parents=True, exist_ok=True)
    api_port = api_port or (8080 if _port_free(8080) else free_port())
    password_file = home / "simple_auth_manager_passwords.json.generated"
    if password_file.exists():
        password = json.loads(password_file.read_text()).get("admin") or secrets.token_urlsafe(12)
    else:
        password = secrets.token_urlsafe(12)
    password_file.write_text(json.dumps({"admin": password}) + "\n")
    full_env = {**os.environ, **env, **airflow_base_env(home, api_port)}
    proc = _spawn([str(Path(sys.executable).parent / "airflow"), "standalone"], log_dir / "airflow.log", full_env)
    url = f"http://localhost:{api_port}"
    wait_http(f"{url}/api/v2/monitor/health", timeout=240, proc=proc)
    return Service("airflow", proc, url, log_dir / "airflow.log", {"api_port": api_port}), password


def _port_free(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


class AirflowApi:
    """A tiny client of Airflow's REST API v2 (JWT from ``/auth/token``)."""

    def __init__(self, base_url: str, username: str, password: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        self._login(username, password)

    def _login(self, username: str, password: str) -> None:
        deadline = time.monotonic() + 60
        while True:
            response = self.session.post(
                f"{self.base_url}/auth/token", json={"username": username, "password": password}, timeout=10
            )
            if response.status_code in (200, 201):
                self.session.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
                return
            if time.monotonic() > deadline:
                response.raise_for_status()
            time.sleep(1)

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.session.request(method, f"{self.base_url}/api/v2/{path.lstrip('/')}", timeout=30, **kwargs)
        response.raise_for_status()
        return response.json() if response.content else None

    def wait_for_dag(self, dag_id: str = DAG_ID, timeout: float = 180) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            response = self.session.get(f"{self.base_url}/api/v2/dags/{dag_id}", timeout=10)
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

    def wait_for_run(self, run_id: str, dag_id: str = DAG_ID, timeout: float = 900) -> str:
        deadline = time.monotonic() + timeout
        while True:
            state = self.call("GET", f"dags/{dag_id}/dagRuns/{run_id}")["state"]
            if state in ("success", "failed"):
                return state
            if time.monotonic() > deadline:
                raise TimeoutError(f"run {run_id} still {state} after {timeout}s")
            time.sleep(2)

    def task_instances(self, run_id: str, dag_id: str = DAG_ID) -> list[dict]:
        return self.call("GET", f"dags/{dag_id}/dagRuns/{run_id}/taskInstances", params={"limit": 1000})[
            "task_instances"
        ]
