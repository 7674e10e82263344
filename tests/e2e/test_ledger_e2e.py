"""The ledger end to end: ``airflow dags test`` against the Zoom emulator and moto's S3 server over HTTP.

What a user relies on: a range archived once maps nothing the second time; a capped backfill interrupted by
narrower and filtered runs still ends with every file archived once and nothing owed; a file that always fails is
quarantined after 3 runs (and released on demand) without widening the scheduled windows; one user's listing
failure is that user's; an error body answered instead of an id-less file is never stored.

Each ``airflow dags test`` costs ~15 s plus about a second per mapped file, so the tests use small ranges of the
tricky seed: mostly 29-40 days ago (14 files: the bulk host's one a day and the inactive host's meeting; older than
the look-back). The look-back is 1 day (``zoom_archive_lookback_days``) and that day's files are deleted from the
emulator first: the scheduled runs list it, find nothing, and only the owed ranges bring work (this also drops the
seed's file still processing, which would stay owed 30 days).
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest

from tests.e2e.helpers import emulator_files, stored_objects
from tests.e2e.test_archive_e2e import downloads

pytestmark = pytest.mark.e2e

LOOKBACK_DAYS = 1
#: The range the tests archive (days ago): 14 files, hosted by bulk (one a day) and ina (inactive, day 30).
OLDEST, NEWEST = 40, 29
INACTIVE = "ina.inactive@example.com"
INVALID_TOKEN = b'{"status":false,"errorCode":124,"errorMessage":"Invalid access token."}'
WINDOWS_LINE = re.compile(r"Listing Zoom recordings with start dates (.+?) \(UTC, inclusive\)")


def today() -> date:
    return datetime.now(timezone.utc).date()


def day(days_ago: int) -> str:
    return (today() - timedelta(days=days_ago)).isoformat()


def span(first_days_ago: int, last_days_ago: int) -> dict[str, str]:
    """Trigger params for the meeting dates from ``first_days_ago`` to ``last_days_ago`` (inclusive)."""
    return {"from_date": day(first_days_ago), "to_date": day(last_days_ago)}


def completed_in(stack, first: str, last: str) -> dict[str, dict]:
    """The emulator's completed files whose meeting started in ``[first, last]``, by file id (all have one)."""
    done = [f for f in emulator_files(stack) if f["status"] in ("completed", None)]
    files = [f for f in done if first <= f["start_time"][:10] <= last]
    assert all(f["file_id"] for f in files), "these ranges hold no id-less file"
    return {f["file_id"]: f for f in files}


def ledger(airflow) -> dict[str, Any]:
    raw = airflow.variable("zoom_archive_ledger")
    assert raw is not None, "the ledger Variable was not written"
    return json.loads(raw)


def archived_ids(airflow) -> set[str]:
    return {fid for ids in ledger(airflow)["archived"].values() for fid in ids}


def owed_days(airflow) -> set[str]:
    """Every meeting date the ledger owes."""
    days: set[str] = set()
    for first, last in ledger(airflow)["owed"]:
        cursor = date.fromisoformat(first)
        while cursor <= date.fromisoformat(last):
            days.add(cursor.isoformat())
            cursor += timedelta(days=1)
    return days


def mapped(run) -> list[int]:
    """Map indexes of the run's archive tasks (none when nothing was mapped)."""
    return sorted(i for (task, i) in run.tis if task == "archive" and i >= 0)


def windows_listed(run) -> list[str]:
    """The date ranges ``discover`` listed, as it logged them (``YYYY-MM-DD..YYYY-MM-DD``)."""
    lines = WINDOWS_LINE.findall(run.output)
    assert len(lines) == 1, f"expected one 'Listing Zoom recordings' line, got {lines}"
    return lines[0].split(", ")


def objects(stack, airflow, *, read_bytes: bool = False) -> dict:
    return stored_objects(stack.s3_client(), airflow.bucket, read_bytes=read_bytes)


def tail(run, chars: int = 4000) -> str:
    return run.output[-chars:]


def lookback() -> str:
    """The scheduled look-back as ``discover`` logs it (computed when asked: a session may cross midnight UTC)."""
    return f"{day(LOOKBACK_DAYS)}..{day(0)}"


@pytest.fixture(autouse=True)
def empty_lookback(airflow, stack):
    """A 1-day look-back whose files are deleted from the emulator: scheduled runs find only owed work there."""
    airflow.env["AIRFLOW_VAR_ZOOM_ARCHIVE_LOOKBACK_DAYS"] = str(LOOKBACK_DAYS)
    for f in emulator_files(stack):
        if f["start_time"][:10] >= day(LOOKBACK_DAYS):
            stack.emulator("POST", "delete", json={"file_id": f["file_id"] or f["file_key"]})
    assert not [f for f in emulator_files(stack) if f["status"] not in ("completed", None)]
    stack.emulator("POST", "stats/reset")
    yield
    print(f"\nairflow runs (s): {airflow.durations}")


def test_a_backfilled_range_run_again_maps_and_downloads_nothing(airflow, stack):
    expected = completed_in(stack, day(OLDEST), day(NEWEST))
    assert len(expected) == 14

    first = airflow.run(span(OLDEST, NEWEST))
    assert first.state == "success", tail(first)
    stored = objects(stack, airflow)
    assert set(stored) == set(expected)
    assert archived_ids(airflow) == set(stored), "the ledger holds every file the run archived"
    assert ledger(airflow)["owed"] == []

    stack.emulator("POST", "stats/reset")
    second = airflow.run(span(OLDEST, NEWEST))
    assert second.state == "success", tail(second)
    assert mapped(second) == []
    assert downloads(stack) == {}
    assert all(o.versions == 1 for o in objects(stack, airflow).values())


def test_a_capped_backfill_interrupted_by_narrower_and_filtered_runs_ends_complete(airflow, stack):
    cap = 4
    airflow.env["AIRFLOW_VAR_ZOOM_ARCHIVE_MAX_FILES_PER_RUN"] = str(cap)
    expected = completed_in(stack, day(OLDEST), day(NEWEST))

    backfill = airflow.run(span(OLDEST, NEWEST))
    assert backfill.state == "success", tail(backfill)
    assert len(mapped(backfill)) == cap
    assert len(objects(stack, airflow)) == cap
    owed_after_backfill = owed_days(airflow)
    assert owed_after_backfill, "the files the cap left are owed"

    # A narrower manual run (to_date inside the range) clears only the dates it covered.
    latest_owed = max(owed_after_backfill)
    narrow_to = (date.fromisoformat(latest_owed) - timedelta(days=1)).isoformat()
    narrow = airflow.run({"from_date": day(OLDEST), "to_date": narrow_to})
    assert narrow.state == "success", tail(narrow)
    assert len(mapped(narrow)) == cap, "the narrower run takes owed work of its own dates"
    owed_after_narrow = owed_days(airflow)
    assert {d for d in owed_after_backfill if d > narrow_to} <= owed_after_narrow, "a narrower run cleared owed dates"

    # A filtered run clears nothing.
    before = set(objects(stack, airflow))
    filtered = airflow.run({**span(OLDEST, NEWEST), "file_types": ["M4A"]})
    assert filtered.state == "success", tail(filtered)
    new = set(objects(stack, airflow)) - before
    assert new, "the filtered run archives files"
    assert {expected[fid]["file_type"] for fid in new} == {"M4A"}
    assert owed_after_narrow <= owed_days(airflow), "a filtered run cleared owed dates"

    # Runs without params (as scheduled: the look-back plus the owed ranges) finish the work.
    runs = 3
    while owed_days(airflow) or not set(expected) <= set(objects(stack, airflow)):
        runs += 1
        assert runs <= 12, f"still owed after {runs - 1} runs: {ledger(airflow)['owed']}"
        scheduled = airflow.run()
        assert scheduled.state == "success", tail(scheduled)
        assert windows_listed(scheduled)[-1] == lookback()

    stored = objects(stack, airflow)
    assert set(stored) == set(expected), "every file of the range is archived"
    assert all(o.versions == 1 for o in stored.values()), "a file was written twice"
    assert archived_ids(airflow) == set(stored)
    assert ledger(airflow)["owed"] == []


def test_a_file_that_always_fails_is_quarantined_after_3_runs_and_released_on_demand(airflow, stack):
    on_day = completed_in(stack, day(30), day(30))
    vid = next(fid for fid, f in on_day.items() if f["host_email"] == INACTIVE)
    always_404 = {"file_id": vid, "host": "cdn", "times": None}  # the CDN answers 404 NoSuchKey every time
    stack.emulator("POST", "download_answer", json=always_404)

    first = airflow.run(span(30, 30))
    assert first.state == "failed"
    assert set(objects(stack, airflow)) == set(on_day) - {vid}, "every other file is archived"
    assert ledger(airflow)["failures"][vid]["runs"] == 1
    assert day(30) in owed_days(airflow), "a failed file's date is owed"

    second = airflow.run()
    assert second.state == "failed"
    assert windows_listed(second) == [f"{day(30)}..{day(30)}", lookback()], "the owed date is listed"
    assert ledger(airflow)["failures"][vid]["runs"] == 2

    third = airflow.run()
    assert third.state == "failed"
    assert third.tis[("commit", -1)]["state"] == "failed"
    assert f"Quarantined {vid}" in third.output
    assert re.search(rf"files failed \({re.escape(vid)}; 1 now quarantined\)", third.output), tail(third)
    book = ledger(airflow)
    assert vid in book["quarantine"]
    assert vid not in book["failures"]
    assert book["owed"] == [], "a quarantined file is no longer owed"

    quiet = airflow.run()
    assert quiet.state == "success", tail(quiet)
    assert windows_listed(quiet) == [lookback()], "after the quarantine the scheduled windows are the look-back"
    assert mapped(quiet) == []

    stack.emulator("POST", "download_answer", json={**always_404, "times": 0})
    released = airflow.run({**span(30, 30), "release_quarantine": [vid]})
    assert released.state == "success", tail(released)
    assert len(mapped(released)) == 1, "the released file is mapped again"
    assert vid in objects(stack, airflow)
    assert ledger(airflow)["quarantine"] == {}
    assert vid in archived_ids(airflow)


def test_one_users_listing_failure_is_that_users(airflow, stack):
    expected = completed_in(stack, day(OLDEST), day(NEWEST))
    theirs = {fid for fid, f in expected.items() if f["host_email"] == INACTIVE}
    others = set(expected) - theirs
    assert theirs
    assert len({f["host_email"] for f in expected.values()}) == 2
    stack.emulator("POST", "user_gone", json={"user": INACTIVE})

    failed = airflow.run(span(OLDEST, NEWEST))
    assert failed.state == "failed"
    assert failed.tis[("commit", -1)]["state"] == "failed"
    assert f"the listing failed for {INACTIVE}" in failed.output, tail(failed)
    assert f"User does not exist: {INACTIVE}" in failed.output
    assert set(objects(stack, airflow)) == others, "every other user's files are archived"
    assert {day(n) for n in range(NEWEST, OLDEST + 1)} <= owed_days(airflow), "the run's window stays owed"

    stack.emulator("POST", "user_gone", json={"user": INACTIVE, "gone": False})
    scheduled = airflow.run()
    assert scheduled.state == "success", tail(scheduled)
    assert windows_listed(scheduled) == [f"{day(OLDEST)}..{day(NEWEST)}", lookback()]
    assert len(mapped(scheduled)) == len(theirs), "only the user's files are new"
    stored = objects(stack, airflow)
    assert set(stored) == set(expected)
    assert all(o.versions == 1 for o in stored.values())
    assert ledger(airflow)["owed"] == []


def test_an_error_body_answered_once_for_an_id_less_timeline_is_never_stored(airflow, stack):
    legacy = [f for f in emulator_files(stack) if "old_shape_files" in f["tags"]]
    timeline = next(f for f in legacy if f["file_type"] == "TIMELINE" and f["file_id"] is None)
    assert timeline["listed_size"] is None, "the old shape has no file_size to check against"
    planted = {
        "file_id": timeline["file_key"],
        "body": INVALID_TOKEN.decode(),
        "content_type": "application/octet-stream",
    }
    stack.emulator("POST", "download_answer", json=planted)
    meeting_day = timeline["start_time"][:10]

    run = airflow.run({"from_date": meeting_day, "to_date": meeting_day, "file_types": ["TIMELINE"]})
    assert run.state == "success", tail(run)
    assert stack.emulator("GET", "stats")["faults"].get("download_answer") == 1, "the error body was served"
    stored = [
        o
        for o in objects(stack, airflow, read_bytes=True).values()
        if o.meeting_uuid == timeline["meeting_uuid"] and o.file_id.startswith("d-")
    ]
    assert len(stored) == 1, "the id-less TIMELINE is archived once"
    key = stored[0].key
    s3 = stack.s3_client()
    versions = [v for v in s3.list_object_versions(Bucket=airflow.bucket, Prefix=key)["Versions"] if v["Key"] == key]
    assert versions
    error_sha = hashlib.sha256(INVALID_TOKEN).hexdigest()
    for version in versions:
        data = s3.get_object(Bucket=airflow.bucket, Key=key, VersionId=version["VersionId"])["Body"].read()
        assert hashlib.sha256(data).hexdigest() != error_sha, f"version {version['VersionId']} is Zoom's error body"
        assert hashlib.sha256(data).hexdigest() == timeline["sha256"], f"version {version['VersionId']} is not the file"
