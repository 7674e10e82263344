"""Ledger loss: with ``zoom_archive_ledger`` deleted, or holding invalid JSON, a run logs a clear warning,
rebuilds the ledger from S3 (the archive's HEAD check: ``zoom-file-id`` and size on the key) and downloads
nothing that is already there; a file that really is missing from S3 is archived again.

``airflow dags test`` against the Zoom emulator (tricky seed: keys with ``/`` and ``//`` uuids, unicode topics,
id-less files, a transcript behind a play URL) and moto's S3 server. The figures are printed and written to
``<tmp>/ledger-loss-figures.{json,md}``.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from tests.chaos.checks import archive_state, ledger_ids, secrets_found
from tests.chaos.conftest import write_figures
from tests.support.stack import PREFIX, make_airflow, start_stack

pytestmark = pytest.mark.e2e

LEDGER = "zoom_archive_ledger"
HOST = "tricia@example.com"
# The owner's meetings hold every key and shape pitfall; these types keep the run short (about 25 files).
FILE_TYPES = ["TIMELINE", "CC", "TRANSCRIPT", "CHAT", "HOLOGRAM"]


def conf() -> dict:
    today = datetime.now(timezone.utc).date()
    return {"from_date": (today - timedelta(days=45)).isoformat(), "to_date": today.isoformat(),
            "user_emails": [HOST], "file_types": FILE_TYPES}  # fmt: skip


def set_variable(airflow, key: str, value: str | None) -> None:
    """Change a Variable straight in the metadata DB, as a lost or hand-edited Variable would be."""
    with sqlite3.connect(airflow.home / "airflow.db") as db:
        if value is None:
            db.execute("DELETE FROM variable WHERE key=?", (key,))
        else:
            db.execute("UPDATE variable SET val=? WHERE key=?", (value, key))
        db.commit()


def downloads(stack) -> list[str]:
    stats = stack.emulator("GET", "stats")
    return sorted(k for k, v in stats["downloads_by_file"].items() if v.get("api") or v.get("cdn"))


@pytest.fixture
def ledger_stack(tmp_path, migrated_db):
    stack = start_stack(tmp_path / "services", seed="tricky", with_proxy=False)
    try:
        airflow = make_airflow(tmp_path / "home", migrated_db, stack, bucket_prefix="zoom-ledger",
                               extra_env={"AIRFLOW_VAR_ZOOM_ARCHIVE_LOOKBACK_DAYS": "60"})  # fmt: skip
        yield stack, airflow
    finally:
        stack.stop()


def test_lost_or_corrupt_ledger_is_rebuilt_from_s3_without_downloading(ledger_stack, tmp_path):
    stack, airflow = ledger_stack
    expected = [
        f for f in stack.emulator("GET", "files")["files"]
        if f["status"] in ("completed", None) and f["host_email"] == HOST and f["file_type"] in FILE_TYPES
    ]  # fmt: skip
    s3 = stack.s3_client()

    first = airflow.run(conf())
    assert first.state == "success", first.output[-3000:]
    state = archive_state(s3, airflow.bucket, PREFIX, expected)
    assert state.converged, (state.missing, state.corrupt)
    original = ledger_ids(airflow.variable(LEDGER))
    assert original == state.file_ids_in_s3
    archived_first = len(downloads(stack))
    assert archived_first == len(expected)

    # 1. The Variable is deleted.
    set_variable(airflow, LEDGER, None)
    stack.emulator("POST", "stats/reset")
    deleted = airflow.run(conf())
    assert deleted.state == "success", deleted.output[-3000:]
    assert "ledger Variable zoom_archive_ledger is missing" in deleted.output
    n = len(expected)
    assert f"Checked S3 for the {n} files the ledger does not know: {n} already archived" in deleted.output
    assert downloads(stack) == [], "a file already in S3 was downloaded again"
    assert [t for (t, _), ti in deleted.tis.items() if t == "archive" and ti["state"] == "success"] == []
    assert ledger_ids(airflow.variable(LEDGER)) == original

    # 2. The Variable holds invalid JSON, and one object really is gone from S3 meanwhile.
    gone = next(f for f in expected if f["file_type"] == "TRANSCRIPT")
    gone_key = next(
        o["Key"] for o in s3.list_objects_v2(Bucket=airflow.bucket, Prefix=PREFIX + "/")["Contents"]
        if s3.head_object(Bucket=airflow.bucket, Key=o["Key"])["Metadata"].get("zoom-file-id") == gone["file_id"]
    )  # fmt: skip
    for version in s3.list_object_versions(Bucket=airflow.bucket, Prefix=gone_key)["Versions"]:
        s3.delete_object(Bucket=airflow.bucket, Key=gone_key, VersionId=version["VersionId"])
    set_variable(airflow, LEDGER, '{"version": 1, "files": {"truncated-by-hand')
    stack.emulator("POST", "stats/reset")
    corrupt = airflow.run(conf())
    assert corrupt.state == "success", corrupt.output[-3000:]
    assert "ledger Variable zoom_archive_ledger holds invalid JSON" in corrupt.output
    assert f"Checked S3 for the {n} files the ledger does not know: {n - 1} already archived" in corrupt.output
    assert downloads(stack) == [gone["file_key"]], "only the file missing from S3 may be downloaded"
    final = archive_state(s3, airflow.bucket, PREFIX, expected)
    assert final.converged, (final.missing, final.corrupt)
    assert final.extra_versions == 0, "nothing already archived may be written again"
    rebuilt = ledger_ids(airflow.variable(LEDGER))
    assert rebuilt == final.file_ids_in_s3 == original
    json.loads(airflow.variable(LEDGER))  # valid JSON again

    leaks = secrets_found(airflow.all_logs(), stack.emulator("GET", "secrets"))
    figures = {
        "files in the sample (owner; TIMELINE, CC, TRANSCRIPT, CHAT, HOLOGRAM)": len(expected),
        "run 1 downloads": archived_first,
        "ledger deleted: downloads": 0,
        "ledger deleted: archive tasks mapped": sum(1 for (t, i) in deleted.tis if t == "archive" and i >= 0),
        "invalid JSON + one object removed from S3: downloads": 1,
        "ledger after rebuild equals S3": rebuilt == final.file_ids_in_s3,
        "extra object versions": final.extra_versions,
        "secrets found in logs": len(leaks),
        "run durations (s)": airflow.durations,
    }
    print("\n" + write_figures(tmp_path / "ledger-loss-figures", "Ledger loss", figures))
    assert leaks == []
