"""The configuration of the full-stack tests' CeleryExecutor stack: compose's (``x-airflow-common``), for processes.

What differs from compose is only what must differ for processes sharing one machine:

* hosts are ``127.0.0.1`` and every port is a free one (the api-server, the workers' and the triggerer's log
  servers, the scheduler's health check), instead of compose's service names and fixed container ports;
* the metadata DB is a fresh PostgreSQL database per session (``zoom_fullstack_<id>``, dropped at the end), the
  broker a Redis database number claimed for the session, and Celery's default queue is named after the
  session too, so that several sessions (or developers) can share the machine's PostgreSQL and Redis;
* the shared secrets (Fernet key, JWT secret, ``[api] secret_key``) are generated per session, one value for
  every process, exactly as compose requires them to be identical in every container;
* :data:`TEST_SETTINGS` make the tests deterministic and fast (listed and explained there).

``AIRFLOW_ENV`` is such a configuration (with this import's ports and secrets);
``tests/deploy/test_compose_config.py`` checks that it mirrors compose.
"""

# No ``from __future__ import annotations``: tests/deploy loads this file without registering it in sys.modules,
# where dataclasses cannot resolve string annotations.
import base64
import os
import random
import secrets
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

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
