"""Trigger parameters, validation, the per-run cap with its backlog, and the download host allowlist, end to end."""

from __future__ import annotations

import json

import pytest

from tests.e2e.helpers import emulator_files, secrets_in, stored_objects
from tests.e2e.test_archive_e2e import downloads, window

pytestmark = pytest.mark.e2e

INACTIVE = "ina.inactive@example.com"


def test_invalid_dates_fail_discover_before_any_copy(airflow, stack):
    run = airflow.run({"from_date": "2026-11-20", "to_date": "2026-11-01"})
    assert run.state == "failed"
    assert run.states("discover") == ["failed"]
    assert "to_date 2026-11-01 is before from_date 2026-11-20" in run.output
    assert downloads(stack) == {}
    assert stored_objects(stack.s3_client(), airflow.bucket) == {}


def test_dry_run_lists_files_and_copies_nothing(airflow, stack):
    run = airflow.run({**window(), "dry_run": True, "user_emails": [INACTIVE]})
    assert run.state == "success", run.output[-2000:]
    planned = [line for line in run.output.splitlines() if "DRY RUN would archive" in line]
    expected = [f for f in emulator_files(stack) if f["host_email"] == INACTIVE and f["status"] == "completed"]
    assert len(planned) == len(expected) > 0
    assert downloads(stack) == {}
    assert stored_objects(stack.s3_client(), airflow.bucket) == {}
    assert airflow.variable("zoom_archive_ledger") is None


def test_file_type_and_host_filters(airflow, stack):
    run = airflow.run({**window(), "user_emails": [INACTIVE.upper()], "file_types": ["m4a"]})
    assert run.state == "success", run.output[-2000:]
    expected = {f["file_id"] for f in emulator_files(stack) if f["host_email"] == INACTIVE and f["file_type"] == "M4A"}
    assert expected
    assert set(stored_objects(stack.s3_client(), airflow.bucket)) == expected


def test_cap_takes_oldest_first_and_the_backlog_is_taken_by_the_next_runs(airflow, stack):
    airflow.env["AIRFLOW_VAR_ZOOM_ARCHIVE_MAX_FILES_PER_RUN"] = "25"
    host = "tricia@example.com"
    expected = sorted(
        (f for f in emulator_files(stack) if f["host_email"] == host and f["status"] in ("completed", None)),
        key=lambda f: f["start_time"],
    )
    assert len(expected) > 50, "needs more files than two capped runs"
    conf = {**window(), "user_emails": [host]}

    first = airflow.run(conf)
    assert first.state == "success", first.output[-2000:]
    archived = stored_objects(stack.s3_client(), airflow.bucket, read_bytes=False)
    assert len(archived) == 25
    newest_archived = max(f["start_time"] for f in expected if f["file_id"] in archived)
    oldest_left = min(f["start_time"] for f in expected if f["file_id"] and f["file_id"] not in archived)
    assert newest_archived <= oldest_left, "a capped run archives the oldest files first"
    ledger = json.loads(airflow.variable("zoom_archive_ledger"))
    assert ledger["owed"], "the dates of the rest are remembered as owed work"
    assert oldest_left[:10] >= ledger["owed"][0][0]

    runs = 1
    while len(stored_objects(stack.s3_client(), airflow.bucket, read_bytes=False)) < len(expected):
        runs += 1
        assert runs <= 1 + (len(expected) + 24) // 25, "the backlog must shrink every run"
        assert airflow.run(conf).state == "success"
    # these runs were filtered to one host: they never clear the owed dates for the others (scheduled runs do)
    assert json.loads(airflow.variable("zoom_archive_ledger"))["owed"]
    assert secrets_in(airflow.all_logs(), stack) == []


def test_downloads_only_go_to_allowed_hosts(airflow, stack):
    zoom = json.loads(airflow.env["AIRFLOW_CONN_ZOOM_DEFAULT"])
    zoom["extra"]["download_hosts"] = ["127.0.0.1"]  # the emulator's CDN host (localhost) is not allowed
    airflow.env["AIRFLOW_CONN_ZOOM_DEFAULT"] = json.dumps(zoom)
    run = airflow.run({**window(), "user_emails": [INACTIVE], "file_types": ["MP4"]})
    assert run.state == "failed"
    failed = [k for k, ti in run.tis.items() if k[0] == "archive" and ti["state"] == "failed"]
    assert failed
    assert all(run.tis[k]["try_number"] == 1 for k in failed), "a refused host is not retried"
    assert "not in download_hosts" in run.output
    assert all(not counts.get("cdn") for counts in downloads(stack).values()), "nothing was fetched from the CDN"
    assert stored_objects(stack.s3_client(), airflow.bucket) == {}
