"""Kill safety under a real scheduler (``airflow standalone``: scheduler, LocalExecutor, api-server, SQLite).

A ~200 MiB recording is uploading (the emulator's CDN is throttled, so the multipart upload takes a while) when
the ``archive`` task's process is SIGKILLed. Then: no object at the key (an incomplete multipart upload may
exist and here does); with ``zoom_archive_abort_uploads_after_hours`` = 1 (moto dates every upload in 2010)
the next run's ``housekeeping`` aborts it, and the file is archived byte-identical.
Figures: ``<tmp>/kill-figures.{json,md}``.
"""

from __future__ import annotations

import os
import signal
import time
from datetime import datetime, timedelta, timezone

import psutil
import pytest
from zoom_sandbox.airflow_proc import AirflowApi, start_standalone

from tests.chaos.checks import archive_state, secrets_found, wait_until
from tests.chaos.conftest import write_figures
from tests.support.stack import PREFIX, make_airflow, start_stack

pytestmark = pytest.mark.e2e

MIB = 1024 * 1024
BIG_SIZE = 200 * MIB + 4321
THROTTLE = 6 * MIB  # bytes per second from the CDN while the first run uploads


def task_process(api: AirflowApi, run_id: str) -> tuple[psutil.Process, dict]:
    """The process running the ``archive`` task instance: the pid Airflow recorded for it, checked against its
    process title (``airflow worker -- <task instance id>``, set by the task runner)."""

    def running() -> dict | None:
        return next((ti for ti in api.task_instances(run_id) if ti["task_id"] == "archive"
                     and ti["state"] == "running" and ti.get("pid")), None)  # fmt: skip

    ti = wait_until("a running archive task with a pid", running, timeout=120)
    process = psutil.Process(ti["pid"])
    title = " ".join(process.cmdline()).strip()
    assert title.startswith("airflow worker --"), f"pid {ti['pid']} is not a task process: {title}"
    assert ti["id"] in title, f"pid {ti['pid']} runs another task instance: {title}"
    return process, ti


@pytest.fixture
def kill_stack(tmp_path):
    stack = start_stack(tmp_path / "services", seed="empty", with_proxy=False)
    service = None
    try:
        start = datetime.now(timezone.utc).replace(microsecond=0, minute=0) - timedelta(days=3)
        meeting = stack.emulator("POST", "meetings", json={
            "host_email": "owner@example.com", "topic": "All-hands (long)",
            "start_time": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "recording_files": [{"file_type": "MP4", "file_size": BIG_SIZE}],
        })  # fmt: skip
        airflow = make_airflow(tmp_path / "home", None, stack, bucket_prefix="zoom-kill",
                               extra_env={"ZOOM_ARCHIVE_TASK_RETRIES": "0",  # the next *run* must take it
                                          "AIRFLOW_VAR_ZOOM_ARCHIVE_LOOKBACK_DAYS": "1"})  # fmt: skip
        service, password = start_standalone(tmp_path / "standalone", tmp_path / "services", airflow.env)
        api = AirflowApi(service.url, "admin", password)
        yield stack, airflow, api, meeting, tmp_path / "standalone"
    finally:
        if service is not None:
            service.stop()
        stack.stop()


def test_sigkill_mid_upload_leaves_no_object_and_the_next_run_archives(kill_stack, tmp_path):
    stack, airflow, api, meeting, home = kill_stack
    started = time.monotonic()
    [expected] = [f for f in stack.emulator("GET", "files")["files"] if f["meeting_uuid"] == meeting["uuid"]]
    s3 = stack.s3_client()
    day = meeting["start_time"][:10]
    conf = {"from_date": day, "to_date": day}

    api.wait_for_dag()
    api.unpause()
    stack.emulator("POST", "config", json={"cdn_throttle_bytes_per_second": THROTTLE})
    first = api.trigger(conf)

    def uploading() -> dict | None:
        for upload in s3.list_multipart_uploads(Bucket=airflow.bucket).get("Uploads", []):
            parts = s3.list_parts(Bucket=airflow.bucket, Key=upload["Key"], UploadId=upload["UploadId"])
            if len(parts.get("Parts", [])) >= 2:
                return {**upload, "parts": len(parts["Parts"])}
        return None

    upload = wait_until("a multipart upload with two parts", uploading, timeout=300)
    process, ti = task_process(api, first)
    killed_at_parts = upload["parts"]
    supervisor = " ".join(process.parent().cmdline()).strip()
    killed = f"'{' '.join(process.cmdline()).strip()}' (its supervisor: '{supervisor}')"
    os.kill(process.pid, signal.SIGKILL)
    killed_at = time.monotonic()
    assert api.wait_for_run(first, timeout=300) == "failed"
    states = {(t["task_id"], t["map_index"]): t["state"] for t in api.task_instances(first)}
    assert states[("archive", ti["map_index"])] == "failed"

    key = upload["Key"]
    assert key.startswith(PREFIX + "/")
    assert s3.list_objects_v2(Bucket=airflow.bucket).get("KeyCount", 0) == 0, "a killed upload left an object"
    orphans = [u for u in s3.list_multipart_uploads(Bucket=airflow.bucket).get("Uploads", []) if u["Key"] == key]
    assert orphans, "the killed transfer's multipart upload should still be there, incomplete"

    # Next run: housekeeping aborts uploads older than 1 hour (moto dates them all in 2010); the file is archived.
    api.set_variable("zoom_archive_abort_uploads_after_hours", "1")
    stack.emulator("POST", "config", json={"cdn_throttle_bytes_per_second": None})
    second = api.trigger(conf)
    assert api.wait_for_run(second, timeout=600) == "success"
    aborted = api.xcom(second, "housekeeping")["aborted_uploads"]

    state = archive_state(s3, airflow.bucket, PREFIX, [expected])
    log_files = sorted({*home.rglob("*.log"), *tmp_path.rglob("*.log")})
    logs = "\n".join(p.read_text(errors="replace") for p in log_files)
    leaks = secrets_found(logs, stack.emulator("GET", "secrets"))
    figures = {
        "file": f"{BIG_SIZE} bytes (MP4), CDN throttled to {THROTTLE // MIB} MiB/s during run 1",
        "process SIGKILLed": killed,
        "parts uploaded when SIGKILLed": killed_at_parts,
        "objects at the key after the kill": 0,
        "incomplete multipart uploads after the kill": len(orphans),
        "run 1": "failed (archive killed, no retries)",
        "housekeeping aborted in run 2": aborted,
        "run 2": "success",
        "archived byte-identical after run 2": len(state.archived_ok),
        "orphaned multipart uploads at the end": len(state.incomplete_uploads),
        "extra object versions": state.extra_versions,
        "secrets found in logs (task, scheduler, api-server, services)": len(leaks),
        "log files scanned": len(log_files),
        "seconds from kill to archived": round(time.monotonic() - killed_at, 1),
        "test wall time (s)": round(time.monotonic() - started, 1),
    }
    print("\n" + write_figures(tmp_path / "kill-figures", "Kill mid-upload (real scheduler)", figures))
    assert aborted >= 1
    assert state.converged, (state.missing, state.corrupt, state.incomplete_uploads)
    assert state.archived_ok == [expected["file_key"]]
    assert state.extra_versions == 0
    assert leaks == []
