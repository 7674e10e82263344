"""The docker-compose CeleryExecutor stack, as processes on this machine (no Docker).

Same components and the same Airflow configuration as ``docker-compose.yaml`` (``x-airflow-common``):
PostgreSQL as the metadata DB and Celery result backend, Redis as the Celery broker, and Airflow's
``api-server``, ``scheduler``, ``dag-processor``, ``triggerer`` and ``celery worker``, plus the sandbox
services of compose's ``sandbox`` profile (the Zoom emulator and moto's S3 server).

What differs from compose is only what must differ for processes sharing one machine:

* hosts are ``127.0.0.1`` and every port is a free one (the api-server, the workers' and the triggerer's log
  servers, the scheduler's health check), instead of compose's service names and fixed container ports;
* the metadata DB is a fresh PostgreSQL database per session (``zoom_fullstack_<id>``, dropped at the end), the
  broker a Redis database number claimed for the session, and Celery's default queue is named after the
  session too, so that several sessions (or developers) can share the machine's PostgreSQL and Redis;
* the shared secrets (Fernet key, JWT secret, ``[api] secret_key``) are generated per session, one value for
  every process, exactly as compose requires them to be identical in every container;
* :data:`TEST_SETTINGS` make the tests deterministic and fast (listed and explained there).

``AIRFLOW_ENV`` is such a configuration (with this import's ports and secrets); ``tests/deploy/test_compose.py``
checks that it mirrors compose. :class:`Stack` starts and stops the whole thing: every process runs in its own
process group and is stopped with all its descendants, whatever happens.
"""

# No ``from __future__ import annotations``: tests/deploy loads this file without registering it in sys.modules,
# where dataclasses cannot resolve string annotations.
import base64
import contextlib
import dataclasses
import json
import os
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
AIRFLOW = str(BIN / "airflow")
DAG_ID = "zoom_recordings_to_s3"
PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
#: compose: ``_AIRFLOW_WWW_USER_USERNAME`` (default ``airflow``) with role admin.
ADMIN_USER = "airflow"
SIMPLE_AUTH_MANAGER = "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
BUCKET = "zoom-archive-fullstack"
#: Redis databases a session may claim (0 is left to whoever uses the default).
REDIS_DBS = range(1, 16)
REDIS_OWNER_KEY = "zoom-fullstack:owner"

#: Settings for the tests only, on top of the compose configuration:
TEST_SETTINGS = {
    # Manual runs only: the hourly schedule would start runs of its own in the middle of a test.
    "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
    # Detect the tasks of a killed worker after 30 s instead of 5 min (tasks heartbeat every few seconds).
    "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "30",
    # A message a killed worker had received but not started yet leaves its task "queued": requeue it after
    # 2 min instead of 10 (also the lifetime of a queued workload's token; nothing waits that long here).
    "AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT": "120",
    "AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT_CHECK_INTERVAL": "15",
    # A 2-core machine: 6 worker slots cover the DAG's 4 parallel files plus discover/commit/housekeeping.
    "AIRFLOW__CELERY__WORKER_CONCURRENCY": "6",
    # One retry after 2 s for archive (the DAG reads these at parse time), so a failing file fails fast.
    "ZOOM_ARCHIVE_TASK_RETRIES": "1",
    "ZOOM_ARCHIVE_RETRY_DELAY_SECONDS": "2",
}


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _fernet_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


@dataclass(frozen=True)
class StackConfig:
    """Names, ports and secrets of one stack."""

    session: str
    home: Path
    db_name: str
    redis_db: int
    api_port: int
    worker_log_port: int
    trigger_log_port: int
    scheduler_health_port: int
    fernet_key: str
    jwt_secret: str
    api_secret_key: str
    admin_password: str

    @classmethod
    def new(cls, home: Path | None = None) -> "StackConfig":
        session = secrets.token_hex(4)
        return cls(
            session=session,
            home=home or Path(tempfile.gettempdir()) / f"zoom-fullstack-{session}",
            db_name=f"zoom_fullstack_{session}",
            redis_db=random.choice(REDIS_DBS),  # Stack.start claims a free one
            api_port=free_port(),
            worker_log_port=free_port(),
            trigger_log_port=free_port(),
            scheduler_health_port=free_port(),
            fernet_key=_fernet_key(),
            jwt_secret=secrets.token_urlsafe(64),
            api_secret_key=secrets.token_urlsafe(32),
            admin_password=secrets.token_urlsafe(16),
        )

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def queue(self) -> str:
        return f"zoom-fullstack-{self.session}"

    @property
    def password_file(self) -> Path:
        return self.home / "config" / "simple_auth_manager_passwords.json"

    def airflow_env(self) -> dict[str, str]:
        """The environment of every Airflow process: compose's ``x-airflow-common`` environment, on 127.0.0.1."""
        db = f"{PG_USER}@{PG_HOST}:{PG_PORT}/{self.db_name}"
        return {
            # --- as in docker-compose.yaml (x-airflow-common.environment) ---
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__CORE__AUTH_MANAGER": SIMPLE_AUTH_MANAGER,
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN_USER}:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(self.password_file),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"postgresql+psycopg2://{db}",
            "AIRFLOW__CELERY__RESULT_BACKEND": f"db+postgresql://{db}",
            "AIRFLOW__CELERY__BROKER_URL": f"redis://:@{REDIS_HOST}:{REDIS_PORT}/{self.redis_db}",
            "AIRFLOW__CORE__FERNET_KEY": self.fernet_key,
            "AIRFLOW__API_AUTH__JWT_SECRET": self.jwt_secret,
            "AIRFLOW__API__SECRET_KEY": self.api_secret_key,
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.api_url}/execution/",
            "AIRFLOW__CORE__LOAD_EXAMPLES": "false",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "true",
            "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "true",
            "AIRFLOW_CONFIG": str(self.home / "config" / "airflow.cfg"),
            "PYTHONPATH": str(ROOT / "plugins"),
            # --- compose's bind mounts (/opt/airflow/{dags,logs,config,plugins}) and fixed ports ---
            "AIRFLOW_HOME": str(self.home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(self.home / "logs"),
            "AIRFLOW__API__PORT": str(self.api_port),
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(self.worker_log_port),
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(self.trigger_log_port),
            "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_PORT": str(self.scheduler_health_port),
            # --- several sessions may share this machine's Redis ---
            "AIRFLOW__OPERATORS__DEFAULT_QUEUE": self.queue,
        }


#: One stack's configuration (this import's ports and secrets), checked against compose by the deploy tests.
AIRFLOW_ENV: dict[str, str] = StackConfig.new().airflow_env()

#: compose service -> the command it runs (``airflow <command>``).
COMPONENTS: dict[str, list[str]] = {
    "airflow-apiserver": ["api-server", "--host", "127.0.0.1"],
    "airflow-scheduler": ["scheduler"],
    "airflow-dag-processor": ["dag-processor"],
    "airflow-triggerer": ["triggerer"],
    "airflow-worker": ["celery", "worker"],
}


class StackError(RuntimeError):
    pass


def _run(cmd: list[str], *, timeout: float = 120, env: dict[str, str] | None = None, log: Path | None = None) -> str:
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, check=False)
    output = proc.stdout + proc.stderr
    if log is not None:
        with log.open("a") as handle:
            handle.write(f"$ {' '.join(cmd)}\n{output}\n")
    if proc.returncode != 0:
        raise StackError(f"{' '.join(cmd)} exited with {proc.returncode}:\n{output[-3000:]}")
    return output


def postgres_available() -> bool:
    return subprocess.run(["pg_isready", "-q", "-h", PG_HOST, "-p", str(PG_PORT)], check=False).returncode == 0


def redis_client(db: int = 0):
    import redis

    return redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=db, socket_timeout=10)


def claim_redis_db(session: str) -> int:
    """An empty Redis database, marked as this session's (other sessions skip marked databases)."""
    candidates = list(REDIS_DBS)
    random.shuffle(candidates)
    for db in candidates:
        client = redis_client(db)
        if client.set(REDIS_OWNER_KEY, session, nx=True, ex=6 * 3600):
            if client.dbsize() == 1:
                return db
            client.delete(REDIS_OWNER_KEY)  # in use by someone who does not mark databases
    raise StackError("no free Redis database (1-15) to use as the Celery broker")


def release_redis_db(db: int, session: str) -> None:
    client = redis_client(db)
    if client.get(REDIS_OWNER_KEY) == session.encode():
        client.flushdb()


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
        _run(["createdb", "-h", PG_HOST, "-p", str(PG_PORT), "-U", PG_USER, self.config.db_name])
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
        _run([AIRFLOW, "db", "migrate"], env=self.env, timeout=600, log=init_log)
        _run([AIRFLOW, "db", "check-migrations", "-t", "60"], env=self.env, timeout=300, log=init_log)
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
                _run(["dropdb", "-h", PG_HOST, "-p", str(PG_PORT), "-U", PG_USER, "--force", "--if-exists",
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
