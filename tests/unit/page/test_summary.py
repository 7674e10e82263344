"""The archive page's figures (zoom_archiver.page.summary), from a ledger, a reclaim record and runs built here."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from zoom_archiver.ledger import Ledger
from zoom_archiver.page.summary import (
    PageInputs,
    RunInfo,
    build_page,
    read_deadlines,
    read_owed,
    release_conf,
    webhook_deliveries,
)
from zoom_archiver.reclaim.record import ReclaimRecord

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)
TODAY = NOW.date()
SHA = "a" * 64


def ledger() -> Ledger:
    archived = {f"f{i}": TODAY - timedelta(days=i % 10) for i in range(30)}  # 3 files a day over 10 days
    return Ledger(
        archived=archived,
        owed=[(date(2026, 3, 1), date(2026, 3, 2))],
        failures={"bad": {"runs": 1, "day": "2026-03-05", "error": "timeout"}},
        quarantine={
            "q1": {"since": "2026-03-08", "day": "2026-02-20", "key": "zoom/k1", "reason": "permanent error: 404"},
            "q2": {"since": "2026-03-09", "day": "2026-02-25", "key": "zoom/k2", "reason": "failed in 3 runs: 500"},
        },
        hashes={"f0": (SHA, 100), "f10": (SHA, 50), "f1": (SHA, 7)},
    )


def report(by_type: dict, by_host: dict, backlog: int = 0) -> dict:
    return {"files_archived": 1, "by_type": by_type, "by_host": by_host, "backlog_files": backlog}


RUNS = [
    RunInfo("zoom_recordings_to_s3", "r3", "running", NOW, None),  # still running: no report yet
    RunInfo("zoom_recordings_to_s3", "r2", "success", NOW - timedelta(hours=1),
            report({"MP4": {"files": 2, "bytes": 300}}, {"jill@example.com": {"files": 2, "bytes": 300}}, backlog=42)),
    RunInfo("zoom_recordings_to_s3", "r1", "success", NOW - timedelta(hours=2),
            report({"MP4": {"files": 1, "bytes": 100}, "M4A": {"files": 3, "bytes": 30}},
                   {"sam@example.com": {"files": 4, "bytes": 130}}, backlog=99)),
]  # fmt: skip


def inputs(**overrides: object) -> PageInputs:
    values: dict = {
        "ledger": ledger(), "reclaim": ReclaimRecord(), "archive_runs": RUNS, "webhook_runs": [], "audit": None,
        "reclaim_next": None, "now": NOW,
    }  # fmt: skip
    values.update(overrides)
    return PageInputs(**values)


def test_totals_come_from_the_ledger_by_archive_day():
    page = build_page(inputs())
    assert page.files == 30
    assert page.bytes == 157  # the sizes of the bytes the runs streamed
    assert [(t.name, t.files, t.bytes) for t in page.by_day[:2]] == [("2026-03-10", 3, 150), ("2026-03-09", 3, 7)]
    assert len(page.by_day) == 10


def test_type_and_host_sum_the_run_reports():
    page = build_page(inputs())
    assert [(t.name, t.files, t.bytes, t.runs) for t in page.by_type] == [("MP4", 3, 400, 2), ("M4A", 3, 30, 1)]
    assert [(t.name, t.files) for t in page.by_host] == [("jill@example.com", 2), ("sam@example.com", 4)]
    assert page.runs_reported == 2


def test_owed_work_reads_the_latest_report_and_the_ledgers_pace():
    owed = read_owed(ledger(), RUNS, TODAY)
    assert (owed.backlog_files, owed.backlog_run) == (42, "r2")  # the newest run that has a report
    assert (owed.days, owed.failing) == (2, 1)
    assert owed.pace_per_day == 3.0  # 21 files archived over the last 7 days
    assert owed.estimated_end == TODAY + timedelta(days=14)  # 42 files at 3 a day


def test_nothing_owed_has_no_end_to_estimate():
    owed = read_owed(Ledger(), [], TODAY)
    assert (owed.backlog_files, owed.days, owed.estimated_end, owed.backlog_run) == (0, 0, None, None)


def test_deadlines_are_when_zoom_empties_its_trash_nearest_first():
    record = ReclaimRecord()
    record.mark_trashed("late", "m1", 10, NOW - timedelta(days=1))
    record.mark_trashed("soon", "m2", 10, NOW - timedelta(days=25))
    found = read_deadlines(record)
    assert [(d.file_id, d.at) for d in found] == [
        ("soon", NOW + timedelta(days=5)),
        ("late", NOW + timedelta(days=29)),
    ]
    assert read_deadlines(ReclaimRecord()) == []


def test_quarantine_lists_each_file_with_its_last_error_newest_first():
    rows = build_page(inputs()).quarantine
    assert [(r["file_id"], r["reason"]) for r in rows] == [
        ("q2", "failed in 3 runs: 500"),
        ("q1", "permanent error: 404"),
    ]


def test_reclaim_totals_and_next_run():
    record = ReclaimRecord()
    record.mark_trashed("a", "m1", 1000, NOW)
    record.mark_trashed("b", "m1", 24, NOW)
    nxt = NOW + timedelta(hours=3)
    assert build_page(inputs(reclaim=record, reclaim_next=nxt)).reclaim == {
        "files": 2, "bytes": 1024, "meetings_recent": 1, "next_due": nxt,
    }  # fmt: skip


def test_audit_verdict_and_report():
    summary = {"from_date": "2026-02-01", "to_date": "2026-03-01", "counts": {"intact": 5, "missing": 1},
               "problems": 1, "problem_files": [{"status": "missing", "key": "zoom/x", "file_id": "x", "detail": ""}],
               "user_failures": [], "report_json": "s3://b/zoom/_audit/2026-03-02T060000Z/report.json"}  # fmt: skip
    page = build_page(inputs(audit=RunInfo("zoom_recordings_audit", "a1", "failed", NOW, summary)))
    assert page.audit is not None
    assert (page.audit["passed"], page.audit["intact"], page.audit["run_id"]) == (False, 5, "a1")
    assert "1 problem files (1 missing): missing zoom/x" in page.audit["reason"]
    assert page.audit["report"] == summary["report_json"]
    passed = {**summary, "counts": {"intact": 6}, "problems": 0, "problem_files": []}
    page = build_page(inputs(audit=RunInfo("zoom_recordings_audit", "a2", "success", NOW, passed)))
    assert page.audit is not None
    assert page.audit["passed"] is True
    assert build_page(inputs()).audit is None


def test_webhook_deliveries_of_the_last_day_by_run_state():
    runs = [
        RunInfo("zoom_meeting_to_s3", "w1", "success", NOW - timedelta(hours=1)),
        RunInfo("zoom_meeting_to_s3", "w2", "success", NOW - timedelta(hours=23)),
        RunInfo("zoom_meeting_to_s3", "w3", "failed", NOW - timedelta(minutes=5)),
        RunInfo("zoom_meeting_to_s3", "old", "success", NOW - timedelta(hours=25)),
    ]
    counted = {"accepted": 3, "duplicate": 7, "refused": 2, "unavailable": 1, "other": 4}
    assert webhook_deliveries(runs, NOW, counted) == {
        "accepted": 3, "by_state": {"success": 2, "failed": 1}, "duplicate": 7, "refused": 2, "unavailable": 1,
    }  # fmt: skip
    assert webhook_deliveries([], NOW, {})["refused"] == 0  # no receiver has counted anything yet


def test_release_conf_reaches_the_released_files_meeting_dates():
    assert release_conf(ledger(), "q1") == {
        "release_quarantine": ["q1"], "from_date": "2026-02-20", "to_date": "2026-02-20",
    }  # fmt: skip
    assert release_conf(ledger(), "all") == {
        "release_quarantine": ["all"], "from_date": "2026-02-20", "to_date": "2026-02-25",
    }  # fmt: skip


@pytest.mark.parametrize("file_id", ["", "f1", "nope"])
def test_release_conf_refuses_a_file_not_in_quarantine(file_id: str):
    with pytest.raises(ValueError, match="not in quarantine"):
        release_conf(ledger(), file_id)


def test_release_all_with_nothing_in_quarantine_is_refused():
    with pytest.raises(ValueError, match="nothing is in quarantine"):
        release_conf(Ledger(), "all")
