"""The docker-compose CeleryExecutor stack, as processes on this machine (no Docker).

Same components and the same Airflow configuration as ``docker-compose.yaml`` (``x-airflow-common``):
PostgreSQL as the metadata DB and Celery result backend, Redis as the Celery broker, and Airflow's
``api-server``, ``scheduler``, ``dag-processor``, ``triggerer`` and ``celery worker``, plus the sandbox
services of compose's ``sandbox`` profile (the Zoom emulator and moto's S3 server).

The configuration, and what differs from compose for processes sharing one machine, is in ``stack_config.py``;
the machine's PostgreSQL and Redis are shared with other sessions through ``stack_backing.py``. :class:`Stack`
starts and stops the whole thing: every process runs in its own process group and is stopped with all its
descendants, whatever happens.
"""

import contextlib
import dataclasses
import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.fullstack.stack_backing import (
    StackError,
    claim_redis_db,
    postgres_available,
    redis_client,
    release_redis_db,
    run_command,
)
from tests.fullstack.stack_config import (
    ADMIN_USER,
    AIRFLOW,
    BIN,
    BUCKET,
    COMPONENTS,
    PG_HOST,
    PG_PORT,
    PG_USER,
    REDIS_HOST,
    REDIS_PORT,
    TEST_SETTINGS,
    StackConfig,
)


@dataclass
class Component:
    name: str
    proc: subprocess.Popen
    log_path: Path

    def alive(self) -> bool:
        return self.proc.poll() is None


@dataclass
class Stack:
    """The CeleryExecutor stack with the sandbox services. Use :meth:`running` (a context manager)."""

    workdir: Path
    config: StackConfig = field(init=False)
    components: dict[str, Component] = field(default_factory=dict)
    services: list[Any] = field(default_factory=list)
    db_created: bool = False
    redis_claimed: bool = False
    env: dict[str, str] = field(default_factory=dict)
    s3: Any = None
    zoom: Any = None
    api: Any = None

    def __post_init__(self) -> None:
        self.config = StackConfig.new(self.workdir / "airflow")
        self.log_dir = self.workdir / "logs"
        self.log_dir.mkdir(parents=True, exist_ok=True)

    # ----------------------------------------------------------------------------------------------------
    # Life cycle
    # ----------------------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def running(self) -> Iterator["Stack"]:
        """Start everything; stop everything (processes, database, Redis db) on the way out, even on errors."""
        previous = signal.getsignal(signal.SIGTERM)

        def on_sigterm(signum: int, _frame: object) -> None:  # pytest killed: still run the clean-up below
            raise KeyboardInterrupt(signal.Signals(signum).name)

        signal.signal(signal.SIGTERM, on_sigterm)
        try:
            self.start()
            yield self
        finally:
            # Another SIGTERM or Ctrl-C must not cut the clean-up short (it is bounded by its own timeouts).
            interrupt = signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            try:
                self.stop()
            finally:
                signal.signal(signal.SIGTERM, previous)
                signal.signal(signal.SIGINT, interrupt)

    def start(self) -> None:
        from zoom_sandbox.airflow_proc import AirflowApi
        from zoom_sandbox.services import airflow_env, create_bucket, start_emulator, start_moto

        if not postgres_available():
            raise StackError(
                f"PostgreSQL is not reachable on {PG_HOST}:{PG_PORT}; start it with "
                "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
            )
        try:
            redis_client().ping()
        except Exception as exc:
            raise StackError(f"Redis is not reachable on {REDIS_HOST}:{REDIS_PORT}: {exc}") from None
        # Re-pick the ports now (they were free when the config was made; make that as late as possible).
        config = StackConfig.new(self.config.home)
        self.config = dataclasses.replace(config, redis_db=claim_redis_db(config.session))
        self.redis_claimed = True
        run_command(["createdb", "-h", PG_HOST, "-p", str(PG_PORT), "-U", PG_USER, self.config.db_name])
        self.db_created = True

        # The sandbox profile: the Zoom emulator and moto's S3 server (compose: zoom-emulator, s3, sandbox-bucket).
        self.s3 = start_moto(self.log_dir)
        self.services.append(self.s3)
        self.zoom = start_emulator(self.log_dir, seed="demo", extra_args=["--log-level", "WARNING"])
        self.services.append(self.zoom)
        create_bucket(self.s3.url, BUCKET, versioning=True)

        sandbox = airflow_env(zoom_api_url=self.zoom.url, s3_url=self.s3.url, bucket=BUCKET)
        sandbox.pop("AIRFLOW_VAR_ZOOM_ARCHIVE_PREFIX")  # set per test through the REST API instead
        self.env = {
            **os.environ,
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            **self.config.airflow_env(),
            **TEST_SETTINGS,
            **sandbox,
        }
        for name in list(self.env):  # never a developer's AWS profile
            if name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
                del self.env[name]

        # compose: airflow-init (migrate the DB, write the admin password, create the config folder).
        (self.config.home / "config").mkdir(parents=True, exist_ok=True)
        init_log = self.log_dir / "airflow-init.log"
        run_command([AIRFLOW, "db", "migrate"], env=self.env, timeout=600, log=init_log)
        run_command([AIRFLOW, "db", "check-migrations", "-t", "60"], env=self.env, timeout=300, log=init_log)
        self.config.password_file.write_text(json.dumps({ADMIN_USER: self.config.admin_password}) + "\n")
        self.config.password_file.chmod(0o600)

        for name in COMPONENTS:
            self.start_component(name)
        self.wait_healthy()
        self.api = AirflowApi(self.config.api_url, ADMIN_USER, self.config.admin_password, timeout=60)
        self.api.wait_for_dag(timeout=300)
        self.api.unpause()

    def stop(self) -> None:
        from zoom_sandbox.services import stop_process_group

        errors: list[str] = []
        # Workers first (like compose down), the api-server last: running tasks report through it.
        for name in ["airflow-worker", "airflow-triggerer", "airflow-scheduler", "airflow-dag-processor",
                     "airflow-apiserver"]:  # fmt: skip
            component = self.components.pop(name, None)
            if component is not None:
                stop_process_group(component.proc, timeout=30)
        while self.services:
            self.services.pop().stop()
        if self.db_created:
            try:
                run_command(["dropdb", "-h", PG_HOST, "-p", str(PG_PORT), "-U", PG_USER, "--force", "--if-exists",
                      self.config.db_name])  # fmt: skip
                self.db_created = False
            except Exception as exc:
                errors.append(str(exc))
        if self.redis_claimed:
            try:
                release_redis_db(self.config.redis_db, self.config.session)
                self.redis_claimed = False
            except Exception as exc:
                errors.append(str(exc))
        if errors:
            raise StackError("clean-up failed: " + "; ".join(errors))

    # ----------------------------------------------------------------------------------------------------
    # Components
    # ----------------------------------------------------------------------------------------------------
    def start_component(self, name: str) -> Component:
        from zoom_sandbox.services import _spawn

        argv = list(COMPONENTS[name])
        if name == "airflow-apiserver":
            argv += ["--port", str(self.config.api_port)]
        if name == "airflow-worker":
            argv += ["--celery-hostname", f"{self.config.queue}@%h"]
        log_path = self.log_dir / f"{name}.log"
        component = Component(name, _spawn([AIRFLOW, *argv], log_path, self.env), log_path)
        self.components[name] = component
        return component

    def kill_component(self, name: str) -> list[int]:
        """SIGKILL a component with every process it started (like a crashed container); return their pids."""
        from zoom_sandbox.services import process_tree, stop_process_group

        component = self.components.pop(name)
        tree = process_tree(component.proc)
        for process in tree:
            with contextlib.suppress(Exception):
                process.kill()
        stop_process_group(component.proc, timeout=5)
        return [p.pid for p in tree]

    def start_worker(self) -> None:
        mark = self._log_size("airflow-worker")
        self.start_component("airflow-worker")
        self.wait_worker_ready(since=mark)

    def _log_size(self, name: str) -> int:
        path = self.log_dir / f"{name}.log"
        return path.stat().st_size if path.exists() else 0

    def wait_worker_ready(self, since: int = 0, timeout: float = 180) -> None:
        """Celery prints ``celery@<host> ready.`` once it consumes the queue (compose: ``celery inspect ping``)."""
        component = self.components["airflow-worker"]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not component.alive():
                raise StackError(f"the Celery worker exited:\n{self.log_tail('airflow-worker')}")
            with component.log_path.open("rb") as handle:
                handle.seek(since)
                if b" ready." in handle.read():
                    return
            time.sleep(0.5)
        raise StackError(f"the Celery worker is not ready after {timeout}s:\n{self.log_tail('airflow-worker')}")

    def wait_healthy(self, timeout: float = 300) -> None:
        """The compose healthchecks: api-server version, scheduler /health, dag-processor, triggerer, worker."""
        import requests

        deadline = time.monotonic() + timeout
        pending = {"api-server", "scheduler", "dag_processor", "triggerer"}
        while pending and time.monotonic() < deadline:
            for name, component in self.components.items():
                if not component.alive():
                    raise StackError(f"{name} exited with {component.proc.returncode}:\n{self.log_tail(name)}")
            with contextlib.suppress(requests.RequestException, ValueError):
                if requests.get(f"{self.config.api_url}/api/v2/version", timeout=5).ok:
                    pending.discard("api-server")
                port = self.config.scheduler_health_port
                if requests.get(f"http://127.0.0.1:{port}/health", timeout=5).ok:
                    pending.discard("scheduler")
                health = requests.get(f"{self.config.api_url}/api/v2/monitor/health", timeout=5).json()
                for part in ("dag_processor", "triggerer"):
                    if (health.get(part) or {}).get("status") == "healthy":
                        pending.discard(part)
            time.sleep(1)
        if pending:
            raise StackError(f"not healthy after {timeout}s: {sorted(pending)}\n{self.diagnostics()}")
        self.wait_worker_ready(timeout=max(30.0, deadline - time.monotonic()))

    # ----------------------------------------------------------------------------------------------------
    # Helpers for the tests
    # ----------------------------------------------------------------------------------------------------
    def emulator(self, method: str, path: str, **kwargs: Any) -> Any:
        import requests

        response = requests.request(method, f"{self.zoom.url}/_emulator/{path}", timeout=30, **kwargs)
        response.raise_for_status()
        return response.json() if response.content else None

    def s3_client(self):
        import boto3

        return boto3.client(
            "s3", endpoint_url=self.s3.url, region_name="us-east-1",
            aws_access_key_id="sandbox", aws_secret_access_key="sandbox",
        )  # fmt: skip

    def log_tail(self, name: str, lines: int = 60) -> str:
        path = self.log_dir / f"{name}.log"
        if not path.exists():
            return f"({path} does not exist)"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def diagnostics(self) -> str:
        parts = [f"logs in {self.log_dir}"]
        for name in COMPONENTS:
            parts.append(f"----- {name} -----\n{self.log_tail(name, 25)}")
        return "\n".join(parts)
