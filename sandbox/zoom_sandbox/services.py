"""Start and stop the sandbox's real services as processes: the Zoom emulator and moto's S3 server."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import requests

from zoom_sandbox.tls import SandboxTLS

SANDBOX_CLIENT_ID = "sandbox-client-id"
SANDBOX_CLIENT_SECRET = "sandbox-client-secret"
SANDBOX_ACCOUNT_ID = "sandbox-account"
SANDBOX_BUCKET = "zoom-archive-sandbox"
#: The emulator hands out API URLs on 127.0.0.1 and CDN URLs on localhost.
#: The sandbox Zoom app's event-subscription secret token (the emulator signs its webhook deliveries with it).
SANDBOX_WEBHOOK_SECRET = "sandbox-webhook-secret-token"
SANDBOX_DOWNLOAD_HOSTS = ["127.0.0.1", "localhost"]
#: ``ZOOM_EMULATOR_TODAY=YYYY-MM-DD`` pins the emulator's 'today' (UTC) for a whole run: ``start_emulator``
#: passes it as ``--today`` and the emulator tests' fixtures as ``today=``. Unset or empty: the real UTC date.
EMULATOR_TODAY_ENV = "ZOOM_EMULATOR_TODAY"


def pinned_emulator_today() -> str | None:
    """The ``ZOOM_EMULATOR_TODAY`` date as ``YYYY-MM-DD``, or None when it is unset or empty."""
    value = os.environ.get(EMULATOR_TODAY_ENV, "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise ValueError(f"{EMULATOR_TODAY_ENV} must be a YYYY-MM-DD date, not {value!r}") from None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(
    url: str, timeout: float = 30.0, proc: subprocess.Popen | None = None, *, verify: bool | str = True
) -> None:
    """Wait until ``url`` answers (any HTTP status), or raise. ``verify``: the CA bundle of an https ``url``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process for {url} exited with {proc.returncode}")
        try:
            requests.get(url, timeout=2, verify=verify)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout}s")


@dataclass
class Service:
    """A started process and where it listens."""

    name: str
    proc: subprocess.Popen
    url: str
    log_path: Path
    info: dict[str, Any] = field(default_factory=dict)

    def stop(self, timeout: float = 20.0) -> None:
        """Stop the process and everything it started (its whole process group), then wait for them."""
        stop_process_group(self.proc, timeout=timeout)


def _alive(process: Any) -> bool:
    import psutil

    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def process_tree(proc: subprocess.Popen) -> list[Any]:
    """``proc``, its descendants and every other member of its process group (as ``psutil.Process``)."""
    import psutil

    found: dict[int, psutil.Process] = {}
    try:
        root = psutil.Process(proc.pid)
        for process in [root, *root.children(recursive=True)]:
            found[process.pid] = process
    except psutil.NoSuchProcess:
        pass
    for process in psutil.process_iter():
        try:
            if process.pid not in found and os.getpgid(process.pid) == proc.pid:
                found[process.pid] = process
        except (ProcessLookupError, psutil.NoSuchProcess):
            continue
    return list(found.values())


def stop_process_group(proc: subprocess.Popen, timeout: float = 20.0) -> None:
    """SIGTERM ``proc``'s process group and every descendant; SIGKILL what is still alive after ``timeout``.

    Processes are started with ``start_new_session=True``, so the group (pgid = pid) holds the process and,
    unless they moved themselves elsewhere, all its children: e.g. ``airflow standalone`` with its scheduler,
    api-server, triggerer, dag-processor and executor workers. Returns once none of them is running.
    """
    tree = process_tree(proc)
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 10.0)):
        alive = [p for p in tree if _alive(p)]
        if proc.poll() is None or alive:
            _signal_all(proc, alive, sig)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            proc.poll()  # reap our own child
            if proc.returncode is not None and not any(_alive(p) for p in tree) and not _group_alive(proc.pid):
                return
            time.sleep(0.1)
    proc.poll()


def _signal_all(proc: subprocess.Popen, members: list[Any], sig: signal.Signals) -> None:
    import psutil

    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)
    for process in members:
        with contextlib.suppress(psutil.Error):
            process.send_signal(sig)


def _group_alive(pgid: int) -> bool:
    """Whether a live (non-zombie) process is still in process group ``pgid``."""
    import psutil

    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    for process in psutil.process_iter():
        try:
            if os.getpgid(process.pid) == pgid and _alive(process):
                return True
        except (ProcessLookupError, psutil.NoSuchProcess):
            continue
    return False


def _spawn(cmd: list[str], log_path: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "ab")  # noqa: SIM115 - handed to the child, closed with it
    return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)


def start_moto(log_dir: Path, port: int = 0, *, tls: SandboxTLS | None = None) -> Service:
    """moto's S3 server on 127.0.0.1: over HTTP, or over HTTPS with the sandbox certificate of ``tls``."""
    port = port or free_port()
    env = {**os.environ, "MOTO_ALLOW_NONEXISTENT_REGION": "true"}
    cmd = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    if tls is not None:
        cmd += ["--ssl-cert", str(tls.cert_path), "--ssl-key", str(tls.key_path)]
    name = "s3-https.log" if tls else "s3.log"
    proc = _spawn(cmd, log_dir / name, env)
    url = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    try:
        wait_http(f"{url}/moto-api/", proc=proc, verify=str(tls.ca_path) if tls else True)
    except BaseException:
        stop_process_group(proc)
        raise
    return Service("s3", proc, url, log_dir / name)


def wait_ready_file(proc: subprocess.Popen, ready: Path, what: str, log_path: Path) -> dict[str, Any]:
    """The JSON a service writes to its ``--ready-file`` once it listens (30 s at most, or it died: an error)."""
    deadline = time.monotonic() + 30
    while not ready.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start; see {log_path}")
        time.sleep(0.05)
    time.sleep(0.05)
    return dict(json.loads(ready.read_text()))


def start_emulator(
    log_dir: Path, *, seed: str = "demo", api_port: int = 0, cdn_port: int = 0, config: dict | None = None,
    extra_args: list[str] | None = None,
) -> Service:  # fmt: skip
    """The Zoom API emulator (API host 127.0.0.1, CDN host localhost).

    Its 'today' is ``ZOOM_EMULATOR_TODAY`` when that is set, unless ``extra_args`` pass their own ``--today``.
    """
    ready = Path(tempfile.mkdtemp(prefix="zoom-emulator-")) / "ready.json"
    cmd = [
        sys.executable, "-m", "zoom_emulator", "--api-port", str(api_port or free_port()),
        "--cdn-port", str(cdn_port or free_port()), "--seed", seed, "--ready-file", str(ready),
    ]  # fmt: skip
    if config:
        cmd += ["--config", json.dumps(config)]
    cmd += extra_args or []
    today = pinned_emulator_today()
    if today and not any(arg == "--today" or arg.startswith("--today=") for arg in cmd):
        cmd += ["--today", today]
    proc = _spawn(cmd, log_dir / "zoom-emulator.log")
    try:
        info = wait_ready_file(proc, ready, "the Zoom emulator", log_dir / "zoom-emulator.log")
    except BaseException:
        stop_process_group(proc)
        raise
    finally:
        shutil.rmtree(ready.parent, ignore_errors=True)
    return Service("zoom-emulator", proc, info["api_url"], log_dir / "zoom-emulator.log", info)


def create_bucket(s3_url: str, bucket: str, *, versioning: bool = False, verify: bool | str = True) -> None:
    import boto3

    s3 = boto3.client("s3", endpoint_url=s3_url, region_name="us-east-1", verify=verify,
                      aws_access_key_id="sandbox", aws_secret_access_key="sandbox")  # fmt: skip
    s3.create_bucket(Bucket=bucket)
    if versioning:
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})


def airflow_env(
    *, zoom_api_url: str, s3_url: str, bucket: str = SANDBOX_BUCKET, prefix: str = "zoom",
    requests_per_second: float = 20.0,
) -> dict[str, str]:  # fmt: skip
    """Connections and Variables (as Airflow env vars) that point Airflow at the sandbox services."""
    zoom = {
        "conn_type": "zoom",
        "login": SANDBOX_CLIENT_ID,
        "password": SANDBOX_CLIENT_SECRET,
        "host": f"{zoom_api_url}/v2",
        "extra": {
            "account_id": SANDBOX_ACCOUNT_ID,
            "oauth_token_url": f"{zoom_api_url}/oauth/token",
            "download_hosts": SANDBOX_DOWNLOAD_HOSTS,
            "allow_http_downloads": True,
            "max_requests_per_second": requests_per_second,
            "webhook_secret_token": SANDBOX_WEBHOOK_SECRET,
        },
    }
    aws = {
        "conn_type": "aws",
        "login": "sandbox",
        "password": "sandbox",
        "extra": {"region_name": "us-east-1", "endpoint_url": s3_url},
    }
    return {
        "AIRFLOW_CONN_ZOOM_DEFAULT": json.dumps(zoom),
        "AIRFLOW_CONN_AWS_DEFAULT": json.dumps(aws),
        "AIRFLOW_VAR_ZOOM_ARCHIVE_BUCKET": bucket,
        "AIRFLOW_VAR_ZOOM_ARCHIVE_PREFIX": prefix,
    }
