"""The webhook part of ``make demo`` (sandbox only): a recording completes, Zoom (the emulator) posts a signed
``recording.completed`` to Airflow's api-server, and the file is in S3 seconds later; then the next archive run
finds nothing new to download."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from typing import Any

from zoom_sandbox.airflow_proc import AirflowApi
from zoom_sandbox.services import SANDBOX_WEBHOOK_SECRET, Service

WEBHOOK_DAG = "zoom_meeting_to_s3"


def _control(emulator: Service, method: str, path: str, **kwargs: Any) -> Any:
    """A call to the emulator's control plane (``/_emulator/...``); its JSON answer."""
    import requests

    response = requests.request(method, f"{emulator.url}/_emulator/{path}", timeout=30, **kwargs)
    response.raise_for_status()
    return response.json()


def show_webhook(
    api: AirflowApi, airflow_url: str, emulator: Service, keys: Callable[[], list[str]], timeout: float = 300
) -> bool:
    """Complete a new recording in the emulator and time it into S3 through the webhook; print what happened."""
    control = partial(_control, emulator)
    api.wait_for_dag(WEBHOOK_DAG)
    url = f"{airflow_url}/zoom/webhook"
    control("POST", "webhooks/config", json={"url": url, "secret_token": SANDBOX_WEBHOOK_SECRET, "auto": True})
    print(f"\nWebhook: Zoom (the emulator) posts signed events to {url}")
    print(f"  URL validation: {control('POST', 'webhooks/validate', json={})}")
    host = control("GET", "files", params={"sha256": "0"})["files"][0]["host_email"]
    before = set(keys())
    started = time.monotonic()
    meeting = control(
        "POST",
        "meetings",
        json={
            "host_email": host,
            "topic": "Webhook demo",
            "start_time": time.strftime("%Y-%m-%dT%H:00:00Z", time.gmtime()),
            "recording_files": [{"file_type": "MP4", "file_size": 256 * 1024}],
        },
    )
    print(f"  A recording of {host} completed (meeting {meeting['uuid']}): recording.completed sent")
    while not (new := sorted(set(keys()) - before)):
        if time.monotonic() - started > timeout:
            print(f"  Not in S3 after {timeout:.0f}s: see the runs of {WEBHOOK_DAG} in the UI")
            return False
        time.sleep(0.5)
    print(f"  In S3 {time.monotonic() - started:.1f}s later: {new[0]}")
    run_id = api.trigger()
    api.wait_for_run(run_id)
    archived = [t for t in api.task_instances(run_id) if t["task_id"] == "archive" and t["map_index"] >= 0]
    print(f"  The next archive run ({run_id}): {len(archived)} files downloaded (the webhook's file is in the ledger)")
    return not archived
