"""``make demo`` end to end: ``python -m zoom_sandbox.demo --exit`` on the sandbox, as a user runs it.

It must start the Zoom emulator, moto's S3 server and ``airflow standalone``, print the UI address and the login as
soon as the UI answers, run the DAG once (that run archives: no scheduled run races it), print the outcome and the
archived keys (every completed file of the emulator's demo seed), then the webhook part and the archive page's
address with what it shows (the seed's files and the webhook's), and leave no
process behind: every process it started (watched while it runs) is gone when it exits, and its ports are closed.
Ctrl-C (SIGINT to the demo, as a terminal sends it) while Airflow is coming up stops everything it started
(standalone and the components it spawned included), and nothing else.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import psutil
import pytest

from tests.fullstack.stack_config import free_port

pytestmark = pytest.mark.fullstack

ROOT = Path(__file__).resolve().parents[2]
REAL_KEYS = ("AIRFLOW_CONN_ZOOM_DEFAULT", "AIRFLOW_CONN_AWS_DEFAULT", "AIRFLOW_VAR_ZOOM_ARCHIVE_BUCKET")


class ProcessWatcher(threading.Thread):
    """Records every descendant of a process while it runs (pid -> create time, command line)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.root = psutil.Process(pid)
        self.seen: dict[int, tuple[float, str]] = {}
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            try:
                for child in self.root.children(recursive=True):
                    try:
                        self.seen.setdefault(child.pid, (child.create_time(), " ".join(child.cmdline())[:160]))
                    except psutil.Error:
                        continue
            except psutil.NoSuchProcess:
                return
            self.done.wait(0.3)

    def survivors(self) -> list[str]:
        alive = []
        for pid, (created, cmdline) in self.seen.items():
            try:
                process = psutil.Process(pid)
                if process.create_time() == created and process.status() != psutil.STATUS_ZOMBIE:
                    alive.append(f"{pid} {cmdline}")
            except psutil.NoSuchProcess:
                continue
        return alive

    def kill_survivors(self) -> None:
        for pid, (created, _) in self.seen.items():
            try:
                process = psutil.Process(pid)
                if process.create_time() == created:
                    process.kill()
            except psutil.Error:
                continue


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def demo_seed_files() -> list[tuple[str | None, str]]:
    """(file id or None for an id-less old-shape file, meeting uuid) of every completed file of the demo seed."""
    from zoom_emulator.seeds import build_seed

    dataset = build_seed("demo", datetime.now(timezone.utc).date(), "sandbox-account")
    return [(f.id, m.uuid) for m, f in dataset.iter_files() if f.status == "completed" and not f.deleted]


def start_demo(tmp_path: Path, port: int, *extra: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in REAL_KEYS}
    cmd = [sys.executable, "-m", "zoom_sandbox.demo", "--workdir", str(tmp_path / "sandbox"),
           "--env-file", str(tmp_path / "no.env"), "--port", str(port), *extra]  # fmt: skip
    return subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
        # A terminal's Ctrl-C must work even when pytest itself was started with SIGINT ignored (in background).
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip


def test_demo_archives_the_sandbox_prints_the_login_and_stops_everything(tmp_path: Path) -> None:
    port = free_port()
    proc = start_demo(tmp_path, port, "--exit")
    watcher = ProcessWatcher(proc.pid)
    watcher.start()
    try:
        output, _ = proc.communicate(timeout=1200)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGTERM)  # the demo stops what it started
        output, _ = proc.communicate(timeout=120)
        pytest.fail(f"the demo did not finish in 20 min:\n{output[-5000:]}")
    finally:
        watcher.done.set()
        watcher.join(5)
        leftovers = watcher.survivors()
        watcher.kill_survivors()
    print(output)
    assert proc.returncode == 0, output[-5000:]
    assert len(watcher.seen) >= 5, f"expected emulator, S3 and Airflow's processes, saw {watcher.seen}"
    assert leftovers == [], "the demo left processes behind:\n" + "\n".join(leftovers)

    # The UI address and the login.
    match = re.search(r"Airflow UI:\s+(http://localhost:(\d+))\s+\(login: admin / (\S+)\)", output)
    assert match, output
    assert int(match[2]) == port
    assert len(match[3]) >= 8, "a generated password"
    # One story: the login as soon as the UI answers (before any run), then the one run the demo triggered, which
    # is the run that archives (no scheduled run races it).
    assert output.index("Airflow UI:") < output.index("Triggered manual__"), output
    triggered = re.search(r"^Triggered (manual__\S+): watch it at (http://\S+)$", output, re.MULTILINE)
    assert triggered, output
    assert triggered[2].startswith(f"http://localhost:{port}/dags/zoom_recordings_to_s3/runs/")
    runs = re.findall(r"^\s+((?:manual|scheduled)__\S+)\s+(SUCCESS|FAILED)\s+(.*)$", output, re.MULTILINE)
    assert [run_id for run_id, _, _ in runs] == [triggered[1]], runs
    assert {state for _, state, _ in runs} == {"SUCCESS"}, runs
    archived = sum(int(m[1]) for _, _, detail in runs if (m := re.match(r"(\d+) files archived, 0 failed", detail)))

    # The archived keys: listed from the sandbox bucket at the end, one per completed file of the demo seed.
    header = re.search(r"Archived keys in s3://zoom-archive-sandbox/zoom/ \((\d+)\):", output)
    assert header, output
    keys = re.findall(r"^\s+(zoom/\S+)$", output, re.MULTILINE)
    assert len(keys) == int(header[1])
    expected = demo_seed_files()
    assert len(keys) == len(expected) == archived, (len(keys), len(expected), archived)
    for file_id, _ in expected:
        if file_id:
            assert any(file_id in key for key in keys), f"file {file_id} not archived"
    assert sum("/timeline_d-" in key for key in keys) == sum(file_id is None for file_id, _ in expected)

    # Then the webhook's recording, then the archive page, showing both (read from the page itself).
    assert output.index("Webhook:") < output.index("Archive page:"), output
    page = re.search(r"^Archive page: (http://\S+)\s", output, re.MULTILINE)
    assert page, output
    assert page[1] == f"http://localhost:{port}/zoom-archive/"
    shown = re.search(r"it shows (\d+) files \(([^)]+)\), (\d+) in quarantine, (\d+) webhook deliveries", output)
    assert shown, output
    assert int(shown[1]) == len(keys) + 1, "the seed's files and the webhook's"
    assert (shown[3], shown[4]) == ("0", "1")

    # Nothing listens any more on the ports the demo used.
    services = re.search(r"Zoom emulator: http://127\.0\.0\.1:(\d+)\s+local S3: http://127\.0\.0\.1:(\d+)", output)
    assert services, output
    for used in (port, int(services[1]), int(services[2])):
        assert not listening(used), f"port {used} is still open"


def test_demo_ctrl_c_stops_everything_it_started_and_nothing_else(tmp_path: Path) -> None:
    bystander = subprocess.Popen(["sleep", "600"], start_new_session=True)  # not the demo's: must survive
    port = free_port()
    proc = start_demo(tmp_path, port)
    watcher = ProcessWatcher(proc.pid)
    watcher.start()
    try:
        # Interrupt while Airflow is coming up: standalone has started its components, the DAG has not run yet.
        components = ("scheduler", "triggerer", "dag-processor", "api")
        deadline = time.monotonic() + 600
        while not all(any(c in cmdline for _, cmdline in list(watcher.seen.values())) for c in components):
            assert proc.poll() is None, proc.communicate()[0]
            assert time.monotonic() < deadline, f"standalone did not start its components: {watcher.seen}"
            time.sleep(0.5)
        time.sleep(10)
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=180)
    finally:
        if proc.poll() is None:
            proc.kill()
        watcher.done.set()
        watcher.join(5)
        leftovers = watcher.survivors()
        watcher.kill_survivors()
        alive = bystander.poll() is None
        bystander.kill()
        bystander.wait()
    print(output)
    assert "Stopping…" in output
    assert "Stopped everything this command started." in output
    assert proc.returncode == 130, "interrupted before the run finished"
    assert leftovers == [], "Ctrl-C left processes behind:\n" + "\n".join(leftovers)
    assert alive, "the demo must not stop processes it did not start"
    assert not listening(port)
