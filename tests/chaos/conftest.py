"""Chaos fixtures: the Zoom emulator with its fault knobs on, moto's S3 server behind the seeded S3 fault proxy,
and an isolated Airflow (``airflow dags test`` in a subprocess, as in ``tests/e2e``) pointed at them.

Every service writes its log under the test's own directory so the secret scan covers it.
"""

from __future__ import annotations

import json
import shutil
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import requests
from zoom_sandbox.s3_fault_proxy import start_s3_proxy
from zoom_sandbox.services import Service, airflow_env, start_emulator, start_moto

from tests.e2e.conftest import Airflow, RunResult, migrated_db  # noqa: F401 - migrated_db is a fixture

PREFIX = "archive"


@dataclass
class ChaosStack:
    """moto, the fault proxy in front of it, and the Zoom emulator (each a process)."""

    s3: Service
    proxy: Service | None
    zoom: Service
    log_dir: Path

    @property
    def zoom_url(self) -> str:
        return self.zoom.url

    @property
    def s3_endpoint(self) -> str:
        """What Airflow talks to: the proxy when there is one."""
        return self.proxy.url if self.proxy else self.s3.url

    def emulator(self, method: str, path: str, **kwargs: Any) -> Any:
        response = requests.request(method, f"{self.zoom.url}/_emulator/{path}", timeout=60, **kwargs)
        response.raise_for_status()
        return response.json() if response.content else None

    def proxy_call(self, method: str, path: str, **kwargs: Any) -> Any:
        assert self.proxy is not None
        response = requests.request(method, f"{self.proxy.url}/_proxy/{path}", timeout=30, **kwargs)
        response.raise_for_status()
        return response.json()

    def s3_client(self):
        """A client straight to moto (never through the proxy): what the checks use."""
        return boto3.client(
            "s3", endpoint_url=self.s3.url, region_name="us-east-1",
            aws_access_key_id="sandbox", aws_secret_access_key="sandbox",
        )  # fmt: skip

    def stop(self) -> None:
        for service in (self.zoom, self.proxy, self.s3):
            if service is not None:
                service.stop()


def start_stack(log_dir: Path, *, seed: str, zoom_config: dict | None = None, proxy_config: dict | None = None,
                with_proxy: bool = True) -> ChaosStack:  # fmt: skip
    s3 = start_moto(log_dir)
    proxy = start_s3_proxy(log_dir, s3.url, proxy_config or {}) if with_proxy else None
    zoom = start_emulator(log_dir, seed=seed, config=zoom_config)
    return ChaosStack(s3, proxy, zoom, log_dir)


@dataclass
class TimedAirflow(Airflow):
    """:class:`tests.e2e.conftest.Airflow` that also remembers how long each run took."""

    durations: list[float] = field(default_factory=list)

    def run(self, conf: dict | None = None, *, timeout: float = 900) -> RunResult:
        started = time.monotonic()
        try:
            return super().run(conf, timeout=timeout)
        finally:
            self.durations.append(round(time.monotonic() - started, 1))


def make_airflow(home_root: Path, migrated: Path | None, stack: ChaosStack, *, bucket_prefix: str,
                 extra_env: dict[str, str] | None = None, zoom_extra: dict | None = None,
                 aws_extra: dict | None = None) -> TimedAirflow:  # fmt: skip
    """An isolated Airflow home (copy of the migrated DB) and a fresh versioned bucket, wired to ``stack``."""
    home = home_root / "airflow"
    home.mkdir(parents=True)
    if migrated is not None:  # for ``airflow dags test``; a standalone Airflow migrates its own DB
        shutil.copy(migrated, home / "airflow.db")
    bucket = f"{bucket_prefix}-{uuid.uuid4().hex[:10]}"
    s3 = stack.s3_client()
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    env = airflow_env(zoom_api_url=stack.zoom_url, s3_url=stack.s3_endpoint, bucket=bucket, prefix=PREFIX)
    zoom_conn = json.loads(env["AIRFLOW_CONN_ZOOM_DEFAULT"])
    zoom_conn["extra"].update(zoom_extra or {})
    env["AIRFLOW_CONN_ZOOM_DEFAULT"] = json.dumps(zoom_conn)
    aws_conn = json.loads(env["AIRFLOW_CONN_AWS_DEFAULT"])
    aws_conn["extra"].update(aws_extra or {})
    env["AIRFLOW_CONN_AWS_DEFAULT"] = json.dumps(aws_conn)
    env.update(
        {
            "ZOOM_ARCHIVE_TASK_RETRIES": "1",
            "ZOOM_ARCHIVE_RETRY_DELAY_SECONDS": "1",
            "AWS_ACCESS_KEY_ID": "sandbox",
            "AWS_SECRET_ACCESS_KEY": "sandbox",
        }
    )
    env.update(extra_env or {})
    return TimedAirflow(home, stack, bucket, env)  # type: ignore[arg-type]


def write_figures(path: Path, title: str, figures: dict[str, Any]) -> str:
    """Write ``figures`` as JSON next to a markdown table; return the markdown (also printed by the tests)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    (path.with_suffix(".json")).write_text(json.dumps(figures, indent=2, sort_keys=True))
    lines = [f"### {title}", "", "| figure | value |", "|---|---|"]
    for name, value in figures.items():
        shown = json.dumps(value, sort_keys=True) if isinstance(value, dict | list) else str(value)
        lines.append(f"| {name} | {shown} |")
    markdown = "\n".join(lines) + "\n"
    path.with_suffix(".md").write_text(markdown)
    return markdown
