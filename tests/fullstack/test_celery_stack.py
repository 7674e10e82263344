"""The DAG on the docker-compose CeleryExecutor stack, run as processes (``stack.py``), driven through the REST API.

* a run triggered with ``from_date``/``to_date`` archives every file of the Zoom emulator's demo seed;
* a file that fails on purpose fails its mapped task (and the run); once Zoom serves it right again, clearing that
  single mapped task instance (with downstream) through the API reruns it alone, and the run succeeds;
* the Celery worker is killed (SIGKILL, with everything it started) while files are in flight, then restarted:
  the run completes with every file archived exactly once, and a later run downloads nothing again.
"""

from __future__ import annotations

import hashlib
import json
import time
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from zoom_sandbox.airflow_proc import DAG_ID

from tests.fullstack.conftest import LEDGER, ArchivedRun, start_scenario, window
from tests.fullstack.stack import Stack
from tests.fullstack.stack_config import BUCKET

pytestmark = pytest.mark.fullstack


# ----------------------------------------------------------------------------------------------------
# What the emulator holds and what S3 holds
# ----------------------------------------------------------------------------------------------------
def expected_files(stack: Stack, host_email: str | None = None) -> list[dict[str, Any]]:
    files = [f for f in stack.emulator("GET", "files")["files"] if f["status"] in ("completed", None)]
    return [f for f in files if host_email is None or f["host_email"] == host_email]


def stored(stack: Stack, prefix: str) -> dict[str, dict[str, Any]]:
    """Every object under ``prefix/``, by its ``zoom-file-id``, with size, hashes and its number of versions."""
    s3 = stack.s3_client()
    versions: dict[str, int] = {}
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=BUCKET, Prefix=prefix + "/"):
        for version in page.get("Versions", []):
            versions[version["Key"]] = versions.get(version["Key"], 0) + 1
    objects: dict[str, dict[str, Any]] = {}
    for key, count in versions.items():
        if key.endswith("/manifest.json"):  # a meeting's manifest, not a recording
            continue
        head = s3.head_object(Bucket=BUCKET, Key=key)
        tags = {t["Key"]: t["Value"] for t in s3.get_object_tagging(Bucket=BUCKET, Key=key)["TagSet"]}
        body = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
        file_id = head["Metadata"]["zoom-file-id"]
        assert file_id not in objects, f"two objects for file {file_id}: {objects[file_id]['key']} and {key}"
        objects[file_id] = {
            "key": key, "size": head["ContentLength"], "meeting_uuid": head["Metadata"]["zoom-meeting-uuid"],
            "sha256_tag": tags.get("sha256"), "sha256": hashlib.sha256(body).hexdigest(), "versions": count,
            "run": head["Metadata"].get("zoom-archive-run"),
        }  # fmt: skip
    return objects


def assert_archived(stack: Stack, prefix: str, expected: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """S3 holds exactly the expected files under ``prefix``: byte-identical, tagged, one version each."""
    objects = stored(stack, prefix)
    assert len(objects) == len(expected), f"{len(objects)} objects under {prefix}/ for {len(expected)} files"
    for f in expected:
        if f["file_id"]:
            obj = objects.get(f["file_id"])
        else:  # an old-shape file without id: the archiver derives one (d-...); find it by meeting and size
            matches = [o for i, o in objects.items() if i.startswith("d-") and o["meeting_uuid"] == f["meeting_uuid"]
                       and o["size"] == f["size"]]  # fmt: skip
            obj = matches[0] if len(matches) == 1 else None
        assert obj is not None, f"{f['file_type']} {f['file_id'] or f['file_key']} of {f['host_email']} missing"
        assert obj["key"].startswith(prefix + "/")
        assert (obj["size"], obj["sha256"]) == (f["size"], f["sha256"]), f"{obj['key']} differs from Zoom's file"
        assert obj["sha256_tag"] == obj["sha256"], f"sha256 tag of {obj['key']}"
        assert obj["versions"] == 1, f"{obj['key']} was written {obj['versions']} times"
    assert stack.s3_client().list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []
    return objects


def downloads(stack: Stack) -> dict[str, Any]:
    stats = stack.emulator("GET", "stats")
    return {k: v for k, v in stats["downloads_by_file"].items() if v.get("api") or v.get("cdn")}


def ledger_ids(stack: Stack) -> set[str]:
    value = stack.api.get_variable(LEDGER)
    return {fid for ids in json.loads(value)["archived"].values() for fid in ids} if value else set()


def task_instances(stack: Stack, run_id: str) -> dict[tuple[str, int], dict[str, Any]]:
    return {(ti["task_id"], ti["map_index"]): ti for ti in stack.api.task_instances(run_id)}


def archive_tis(tis: dict[tuple[str, int], dict[str, Any]]) -> dict[int, dict[str, Any]]:
    return {index: ti for (task, index), ti in tis.items() if task == "archive" and index >= 0}


def finish(stack: Stack, run_id: str, timeout: float = 600) -> str:
    try:
        return stack.api.wait_for_run(run_id, timeout=timeout)
    except TimeoutError as exc:
        raise AssertionError(f"{exc}\n{stack.diagnostics()}") from None


# ----------------------------------------------------------------------------------------------------
# Tests
# ----------------------------------------------------------------------------------------------------
def test_run_with_dates_archives_every_file_through_celery(stack: Stack, archived_run: ArchivedRun) -> None:
    assert archived_run.state == "success", stack.diagnostics()
    print(f"\narchive run of the demo seed: {archived_run.seconds:.0f}s")
    expected = expected_files(stack)
    assert len(expected) >= 20, "the demo seed holds ~28 completed files"
    objects = assert_archived(stack, archived_run.prefix, expected)

    tis = task_instances(stack, archived_run.run_id)
    archive = archive_tis(tis)
    assert len(archive) == len(expected)
    assert {ti["state"] for ti in tis.values()} == {"success"}, {k: v["state"] for k, v in tis.items()}
    # Every task went through this stack's Celery queue and ran once.
    assert {ti["queue"] for ti in tis.values()} == {stack.config.queue}
    assert all(ti["try_number"] == 1 for ti in tis.values())
    labels = [ti["rendered_map_index"] or "" for ti in archive.values()]
    assert all(" · " in label for label in labels), f"mapped tasks should be named host · topic · type: {labels}"

    # The trigger's dates are the window that was listed, and commit recorded every file in the ledger.
    summary = stack.api.xcom(archived_run.run_id, "discover", key="plan_summary")
    assert summary["windows"] == [[archived_run.conf["from_date"], archived_run.conf["to_date"]]]
    report = stack.api.xcom(archived_run.run_id, "commit")
    assert (report["archived"], report["failed"]) == (len(expected), 0), report
    assert ledger_ids(stack) == set(objects)


def test_failed_file_is_rerun_alone_by_clearing_its_mapped_task_instance(stack: Stack) -> None:
    prefix = "rerun"
    start_scenario(stack, prefix)
    host = "grace@example.com"
    files = expected_files(stack, host)
    victim = next(f for f in files if f["file_type"] == "MP4")
    stack.emulator("POST", "corrupt", json={"file_id": victim["file_id"], "size_delta": -100})
    try:
        run_id = stack.api.trigger({**window(), "user_emails": [host]})
        assert finish(stack, run_id) == "failed"
    finally:
        stack.emulator("POST", "corrupt", json={"file_id": victim["file_id"], "size_delta": 0})

    tis = task_instances(stack, run_id)
    archive = archive_tis(tis)
    assert len(archive) == len(files)
    failed = [index for index, ti in archive.items() if ti["state"] == "failed"]
    assert len(failed) == 1, {i: ti["state"] for i, ti in archive.items()}
    index = failed[0]
    assert archive[index]["try_number"] == 2, "the file is retried once before it fails"
    assert " · MP4 · " in (archive[index]["rendered_map_index"] or ""), archive[index]
    assert tis[("commit", -1)]["state"] == "failed", "commit records the others, then fails the run"
    others = {f["file_id"] for f in files} - {victim["file_id"]}
    assert set(stored(stack, prefix)) == others, "the short file must not be stored, the others must"
    assert ledger_ids(stack) == others
    assert stack.s3_client().list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []

    # Zoom serves the file right again: clear that one mapped instance (and commit, downstream) via the API.
    stack.emulator("POST", "stats/reset")
    cleared = stack.api.clear_task_instances(run_id, [["archive", index]], include_downstream=True)
    downstream = {("commit", -1), ("publish", -1), ("report", -1)}  # publish: the manifest gets the file too
    assert {(ti["task_id"], ti["map_index"]) for ti in cleared} == {("archive", index), *downstream}
    assert finish(stack, run_id) == "success"

    after = task_instances(stack, run_id)
    assert after[("archive", index)]["state"] == "success"
    assert after[("archive", index)]["try_number"] == 3
    assert after[("commit", -1)]["state"] == "success"
    for other, ti in archive_tis(after).items():
        if other != index:
            assert (ti["state"], ti["try_number"]) == ("success", 1), f"archive[{other}] must not rerun"
    assert list(downloads(stack)) == [victim["file_key"]], "only the cleared file is downloaded again"
    assert_archived(stack, prefix, files)
    assert ledger_ids(stack) == {f["file_id"] for f in files}


def test_killed_celery_worker_loses_nothing(stack: Stack) -> None:
    prefix = "crash"
    start_scenario(stack, prefix)
    host = "ada@example.com"  # 14 files, the largest ones of the demo seed
    expected = expected_files(stack, host)
    # Slow downloads (16 KiB/s per file: seconds per file), so the worker dies with transfers in flight.
    stack.emulator("POST", "config", json={"cdn_throttle_bytes_per_second": 16 * 1024})
    conf = {**window(), "user_emails": [host]}
    run_id = stack.api.trigger(conf)

    deadline = time.monotonic() + 300
    while True:
        archive = archive_tis(task_instances(stack, run_id))
        running = sorted(i for i, ti in archive.items() if ti["state"] == "running")
        done = [i for i, ti in archive.items() if ti["state"] == "success"]
        if len(running) >= 2 and done:
            break
        assert time.monotonic() < deadline, f"never saw 2 files in flight: {archive}\n{stack.diagnostics()}"
        time.sleep(0.5)
    killed = stack.kill_component("airflow-worker")
    assert killed, "the worker had processes"
    import psutil

    assert not [p for p in killed if psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]
    stack.emulator("POST", "config", json={"cdn_throttle_bytes_per_second": None})
    time.sleep(3)
    stack.start_worker()
    assert finish(stack, run_id, timeout=900) == "success"

    archive = archive_tis(task_instances(stack, run_id))
    assert {ti["state"] for ti in archive.values()} == {"success"}
    rerun = [i for i in running if archive[i]["try_number"] >= 2]
    assert rerun, f"files in flight at the kill ({running}) should have run again: {archive}"
    objects = assert_archived(stack, prefix, expected)
    assert ledger_ids(stack) == set(objects)
    report = stack.api.xcom(run_id, "commit")
    assert report["failed"] == 0, report

    # Nothing is downloaded or written again by the next run.
    stack.emulator("POST", "stats/reset")
    again = stack.api.trigger(conf)
    assert finish(stack, again) == "success"
    states = task_instances(stack, again)
    assert states[("discover", -1)]["state"] == "success"
    assert archive_tis(states) == {}, "nothing new: no archive task is mapped"
    assert states[("commit", -1)]["state"] == "skipped"
    assert downloads(stack) == {}
    assert_archived(stack, prefix, expected)


def test_airflow_backfill_lists_each_date_once_and_archives_its_files_once(stack: Stack) -> None:
    """``POST /api/v2/backfills`` (what ``airflow backfill create`` and the trigger form's Backfill tab do) over two
    days of the hourly DAG: ~48 backfill runs beside the scheduler's own, each date listed by one run only."""
    prefix = "backfill"
    start_scenario(stack, prefix)
    today = datetime.now(timezone.utc).date()
    first, second = today - timedelta(days=3), today - timedelta(days=2)
    days = {first.isoformat(), second.isoformat()}
    expected = [f for f in expected_files(stack) if f["start_time"][:10] in days]
    assert expected, "the demo seed has meetings on those days"
    backfill = stack.api.call(
        "POST", "backfills",
        json={"dag_id": DAG_ID, "from_date": f"{first}T00:00:00Z", "to_date": f"{second}T23:00:00Z",
              "max_active_runs": 10, "reprocess_behavior": "none"},
    )  # fmt: skip
    deadline = time.monotonic() + 1500
    while stack.api.call("GET", f"backfills/{backfill['id']}")["completed_at"] is None:
        assert time.monotonic() < deadline, stack.diagnostics()
        time.sleep(5)
    runs = [r for r in stack.api.wait_for_all_runs(timeout=600) if r["run_type"] == "backfill"]
    assert len(runs) >= 47, len(runs)
    assert {r["state"] for r in runs} == {"success"}, [(r["dag_run_id"], r["state"]) for r in runs]

    listed, calls = [], []
    for run in runs:
        summary = stack.api.xcom(run["dag_run_id"], "discover", key="plan_summary")
        listed.extend(tuple(w) for w in summary["windows"])
        calls.append(summary["api_calls"])
    assert sorted(listed) == [(d, d) for d in sorted(days)], "each date listed once, by its 00:00 interval's run"
    assert sum(1 for c in calls if c) == 2, f"only the two listing runs call Zoom: {calls}"
    # and they list one day each: two one-day listings per user in all, not 48 runs x the 7-day look-back
    objects = stored(stack, prefix)
    assert {o["versions"] for o in objects.values()} == {1}, "every file written once"
    assert {f["file_id"] for f in expected if f["file_id"]} <= set(objects)
    assert ledger_ids(stack) >= set(objects)
