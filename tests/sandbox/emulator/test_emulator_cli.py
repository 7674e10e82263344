"""``python -m zoom_emulator``: start-up line, ready file, config file, clean SIGTERM, safe access log."""

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


def test_cli_runs_and_stops_cleanly(tmp_path: Path) -> None:
    ready = tmp_path / "ready.json"
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"token_ttl": 42}))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SANDBOX), os.environ.get("PYTHONPATH", "")])}
    cmd = [sys.executable, "-m", "zoom_emulator", "--api-port", "0", "--cdn-port", "0", "--seed", "demo"]
    cmd += ["--today", "2026-05-01", "--config", f"@{config}", "--ready-file", str(ready)]
    started = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline().strip()
        assert line.startswith("zoom-emulator api=http://127.0.0.1:")
        assert " cdn=http://localhost:" in line
        deadline = time.monotonic() + 5
        while not ready.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        info = json.loads(ready.read_text())
        assert set(info) == {"api_url", "cdn_url", "api_port", "cdn_port"}
        assert line == f"zoom-emulator api={info['api_url']} cdn={info['cdn_url']}"
        assert time.monotonic() - started < 5
        api = info["api_url"]
        assert requests.get(f"{api}/_emulator/health", timeout=5).json() == {"ok": True}
        token = requests.post(
            f"{api}/oauth/token",
            auth=("sandbox-client-id", "sandbox-client-secret"),
            params={"grant_type": "account_credentials", "account_id": "sandbox-account"},
            timeout=5,
        ).json()
        assert token["expires_in"] == 42
        requests.get(f"{api}/rec/download/x", params={"access_token": token["access_token"]}, timeout=5)
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0
    assert "/rec/download/x" in err
    assert "/oauth/token" in err
    assert token["access_token"] not in err + out
    assert "sandbox-client-secret" not in err + out


def test_cli_rejects_a_bad_config(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(SANDBOX)}
    cmd = [sys.executable, "-m", "zoom_emulator", "--api-port", "0", "--cdn-port", "0", "--config", '{"nope": 1}']
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=20)
    assert result.returncode == 2
    assert "nope" in result.stderr
