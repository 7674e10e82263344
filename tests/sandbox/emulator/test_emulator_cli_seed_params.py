"""``python -m zoom_emulator --seed backlog --seed-params ...``: the new seeds and their parameters from the CLI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

SANDBOX = Path(__file__).resolve().parents[3] / "sandbox"


def test_cli_builds_a_parametrised_seed(tmp_path: Path) -> None:
    ready = tmp_path / "ready.json"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SANDBOX), os.environ.get("PYTHONPATH", "")])}
    params = json.dumps({"users": 3, "meetings": 12, "months": 2})
    cmd = [sys.executable, "-m", "zoom_emulator", "--api-port", "0", "--cdn-port", "0", "--seed", "backlog"]
    cmd += ["--seed-params", params, "--today", "2026-05-01", "--ready-file", str(ready), "--log-level", "WARNING"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while not ready.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        api = json.loads(ready.read_text())["api_url"]
        meetings = requests.get(f"{api}/_emulator/meetings", timeout=5).json()["meetings"]
        assert len(meetings) == 12
        assert len({m["host_id"] for m in meetings}) == 3
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=10)
    assert proc.returncode == 0


def test_cli_rejects_bad_seed_params() -> None:
    env = {**os.environ, "PYTHONPATH": str(SANDBOX)}
    cmd = [sys.executable, "-m", "zoom_emulator", "--api-port", "0", "--cdn-port", "0", "--seed", "mix"]
    result = subprocess.run(
        [*cmd, "--seed-params", '{"colour": 1}'], env=env, capture_output=True, text=True, timeout=20
    )
    assert result.returncode == 2
    assert "colour" in result.stderr
