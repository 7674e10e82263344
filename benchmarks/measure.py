"""Measuring tools shared by the benchmarks: child processes (peak RSS, disk writes), services, machine, Markdown."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import psutil

REPO = Path(__file__).resolve().parent.parent
KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB
MB = 1_000_000


# -- machine -------------------------------------------------------------------------------------------------------
def machine_info() -> dict[str, str]:
    """What the figures come from: cores, memory, CPU model, Python, kernel, load, date."""
    model = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": str(os.cpu_count()),
        "memory": f"{psutil.virtual_memory().total / GIB:.1f} GiB",
        "cpu": model,
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "os": f"{platform.system()} {platform.release()}",
        "load average at start": load,
    }


# -- child processes -----------------------------------------------------------------------------------------------
@dataclass
class ChildRun:
    """A finished child process as seen from the parent."""

    payload: dict[str, Any]
    peak_rss: int  # bytes, the kernel's high-water mark of the child (wait4 ru_maxrss)
    sampled_peak_rss: int  # bytes, max of the RSS of the child + its children sampled every 20 ms
    write_bytes: int  # bytes the child and its reaped children sent to the block layer (/proc io accounting)
    wall: float  # seconds, spawn to exit (includes interpreter start and imports)
    returncode: int
    cpu_seconds: float = 0.0  # user + system CPU of the child (wait4)
    stderr_tail: str = ""


def _own_write_bytes() -> int:
    """write_bytes of this process, which includes every child it reaped (kernel adds them on wait)."""
    return psutil.Process().io_counters().write_bytes


def _tree_rss(proc: psutil.Process) -> int:
    total = 0
    with contextlib.suppress(psutil.Error):
        total += proc.memory_info().rss
        for child in proc.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                total += child.memory_info().rss
    return total


def _sample_rss(proc: psutil.Process, peak: list[int], done: threading.Event) -> None:
    """Keep the highest RSS of ``proc`` and its children in ``peak[0]``, sampled every 20 ms until ``done``."""
    while not done.is_set():
        peak[0] = max(peak[0], _tree_rss(proc))
        done.wait(0.02)


def run_child(args: list[str], *, env: dict[str, str] | None = None, timeout: float = 3600.0) -> ChildRun:
    """Run ``python args...`` in a fresh interpreter; it prints one JSON object as its last stdout line.

    Peak RSS comes from ``wait4`` (exact high-water mark) and from 20 ms sampling (cross-check, includes
    grandchildren); disk writes are the increase of this process's own ``write_bytes`` across the child's life,
    which the kernel credits to the parent when it reaps the child (so the whole tree is counted). The child's
    stdout and stderr go to pipes, so its logs are not counted as disk writes.
    """
    before = _own_write_bytes()
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=str(REPO)
    )
    watched = psutil.Process(proc.pid)
    peak = [0]
    done = threading.Event()
    outputs: dict[str, bytes] = {}
    threads = [
        threading.Thread(target=_sample_rss, args=(watched, peak, done), daemon=True),
        threading.Thread(target=lambda: outputs.__setitem__("out", proc.stdout.read()), daemon=True),
        threading.Thread(target=lambda: outputs.__setitem__("err", proc.stderr.read()[-4000:]), daemon=True),
    ]
    for thread in threads:
        thread.start()
    status, usage = _wait4(proc, started + timeout)
    wall = time.monotonic() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    done.set()
    for thread in threads:
        thread.join(10)
    written = _own_write_bytes() - before
    payload = _last_json_line(outputs.get("out", b""))
    tail = outputs.get("err", b"").decode(errors="replace") if proc.returncode != 0 or not payload else ""
    cpu = usage.ru_utime + usage.ru_stime
    return ChildRun(payload, usage.ru_maxrss * KIB, peak[0], written, wall, proc.returncode, cpu, tail)


def _wait4(proc: subprocess.Popen[bytes], deadline: float) -> tuple[int, Any]:
    """Reap ``proc`` (killed at ``deadline``): its wait status and resource usage (``wait4``)."""
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            return status, usage
        if time.monotonic() > deadline:
            proc.kill()
            _, status, usage = os.wait4(proc.pid, 0)
            return status, usage
        time.sleep(0.01)


def _last_json_line(out: bytes) -> dict[str, Any]:
    """The child's payload: its last stdout line as a JSON object (empty if none or not JSON)."""
    lines = out.decode(errors="replace").strip().splitlines()
    if not lines:
        return {}
    try:
        payload: dict[str, Any] = json.loads(lines[-1])
    except ValueError:
        return {}
    return payload


# -- services ------------------------------------------------------------------------------------------------------
@dataclass
class Stack:
    """moto's S3 server and the Zoom emulator as processes, with the Airflow env that points at them."""

    s3: Any
    zoom: Any
    bucket: str
    env: dict[str, str]
    log_dir: Path
    extra: dict[str, Any] = field(default_factory=dict)

    def emulator(self, method: str, path: str, **kwargs: Any) -> Any:
        import requests

        response = requests.request(method, f"{self.zoom.url}/_emulator/{path}", timeout=120, **kwargs)
        response.raise_for_status()
        return response.json() if response.content else None

    def s3_client(self) -> Any:
        import boto3

        return boto3.client(
            "s3", endpoint_url=self.s3.url, region_name="us-east-1",
            aws_access_key_id="sandbox", aws_secret_access_key="sandbox",
        )  # fmt: skip

    def empty_bucket(self) -> None:
        """Delete every object and abort every multipart upload (moto keeps objects in memory and /tmp)."""
        s3 = self.s3_client()
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket):
            for obj in page.get("Contents", []):
                s3.delete_object(Bucket=self.bucket, Key=obj["Key"])
        for upload in s3.list_multipart_uploads(Bucket=self.bucket).get("Uploads", []):
            s3.abort_multipart_upload(Bucket=self.bucket, Key=upload["Key"], UploadId=upload["UploadId"])

    def stop(self) -> None:
        for service in (self.zoom, self.s3):
            if service is not None:
                service.stop()


def start_stack(
    log_dir: Path, *, seed: str = "empty", config: dict | None = None, extra_args: list[str] | None = None,
    s3: bool = True, requests_per_second: float = 20.0,
) -> Stack:  # fmt: skip
    """Start moto (optional) and the emulator; create the bucket; build the Airflow connection env."""
    from zoom_sandbox.services import SANDBOX_BUCKET, airflow_env, create_bucket, start_emulator, start_moto

    log_dir.mkdir(parents=True, exist_ok=True)
    moto = start_moto(log_dir) if s3 else None
    try:
        zoom = start_emulator(
            log_dir, seed=seed, config=config, extra_args=["--log-level", "WARNING", *(extra_args or [])]
        )
    except Exception:
        if moto:
            moto.stop()
        raise
    if moto:
        create_bucket(moto.url, SANDBOX_BUCKET)
    s3_url = moto.url if moto else "http://127.0.0.1:9"  # discovery needs no S3
    env = airflow_env(zoom_api_url=zoom.url, s3_url=s3_url, requests_per_second=requests_per_second)
    return Stack(moto, zoom, SANDBOX_BUCKET, env, log_dir)


def child_env(extra: dict[str, str], home: Path) -> dict[str, str]:
    """Environment of a benchmark child: this one, plus an isolated AIRFLOW_HOME and the given connections."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW_CONN_", "AIRFLOW_VAR_"))}
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        env.pop(name, None)
    home.mkdir(parents=True, exist_ok=True)
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO / "plugins"),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
            "AWS_DEFAULT_REGION": "us-east-1",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH", "")])),
            **extra,
        }
    )
    return env


# -- formatting ----------------------------------------------------------------------------------------------------
def fmt(value: Any, digits: int = 1) -> str:
    """A number for a table cell (``n/a`` when missing)."""
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value)


def size_label(size: int) -> str:
    for unit, scale in (("GiB", GIB), ("MiB", MIB), ("KiB", KIB)):
        if size >= scale and size % scale == 0:
            return f"{size // scale} {unit}"
    return f"{size} B"


def markdown_table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(fmt(c) if not isinstance(c, str) else c for c in row) + " |" for row in rows]
    return "\n".join(lines)


@dataclass
class Target:
    """One target line: what is required, what was measured, PASS/FAIL (or SKIP when not measured)."""

    name: str
    requirement: str
    measured: str
    ok: bool | None

    @property
    def result(self) -> str:
        return "SKIP" if self.ok is None else ("PASS" if self.ok else "FAIL")
