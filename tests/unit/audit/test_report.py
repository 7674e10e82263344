"""The audit's report (zoom_archiver.audit.report): keys, JSON, CSV, the log summary and the verdict."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timezone

from zoom_archiver.audit import audit
from zoom_archiver.audit import report as audit_report
from zoom_archiver.dates import Window

AT = datetime(2026, 12, 7, 6, 0, 5, tzinfo=timezone.utc)


def result(*rows: audit.AuditRow, failures=(), rejected=()) -> audit.Audit:
    window = Window(date(2026, 11, 1), date(2026, 11, 30), scheduled=False)
    return audit.Audit(window, deep=True, rows=list(rows), user_failures=list(failures), s3_objects=len(rows),
                       rejected=list(rejected))  # fmt: skip


def row(status: str, n: int) -> audit.AuditRow:
    return audit.AuditRow(status, f"zoom/h/{n}.mp4", f"id-{n}", "uuid==", "h@example.com", "MP4",
                          "2026-11-02T10:00:00Z", 10, 10, "a" * 64, detail=f"detail {n}")  # fmt: skip


def test_report_keys_are_under_the_prefix_per_run():
    assert audit_report.report_keys("zoom", AT) == (
        "zoom/_audit/2026-12-07T060005Z/report.json",
        "zoom/_audit/2026-12-07T060005Z/report.csv",
    )


def test_json_holds_the_run_the_summary_and_every_file():
    doc = json.loads(audit_report.to_json(result(row("intact", 1), row("missing", 2)), run_id="r1",
                                          generated_at=AT, bucket="b"))  # fmt: skip
    assert (doc["report_version"], doc["run_id"], doc["bucket"]) == (1, "r1", "b")
    assert doc["summary"]["counts"]["intact"] == doc["summary"]["counts"]["missing"] == 1
    assert doc["summary"]["failed"] is True
    assert [f["status"] for f in doc["files"]] == ["intact", "missing"]
    assert set(doc["files"][0]) == set(audit_report.CSV_COLUMNS)


def test_csv_one_line_per_file_with_the_documented_columns():
    text = audit_report.to_csv(result(row("intact", 1), row("not_in_zoom", 2))).decode()
    lines = list(csv.DictReader(io.StringIO(text)))
    assert tuple(lines[0]) == audit_report.CSV_COLUMNS
    assert [(r["status"], r["key"], r["s3_size"]) for r in lines] == [
        ("intact", "zoom/h/1.mp4", "10"),
        ("not_in_zoom", "zoom/h/2.mp4", "10"),
    ]


def test_a_clean_audit_passes():
    report = audit_report.summary(result(row("intact", 1), row("not_in_zoom", 2), row("not_readable", 3)))
    assert report["problems"] == 0
    assert not report["failed"]
    assert report["zoom_files"] == 2  # an object Zoom no longer lists is not a Zoom file
    assert audit_report.verdict(report) is None
    assert "every Zoom file of the range is archived intact" in audit_report.log_lines(report)[-1]


def test_the_verdict_names_the_problem_files_and_failed_users():
    report = audit_report.summary(
        result(row("intact", 1), row("missing", 2), row("corrupt", 3), failures=[("u@example.com", "HTTP 404")])
    )
    reason = audit_report.verdict(report)
    assert reason is not None
    assert "2 problem files (1 corrupt, 1 missing)" in reason
    assert "missing zoom/h/2.mp4" in reason
    assert "corrupt zoom/h/3.mp4" in reason
    assert "u@example.com" in reason
    lines = audit_report.log_lines(report)
    assert any(line.startswith("  PROBLEM corrupt: zoom/h/3.mp4") for line in lines)
    assert lines[-1].endswith("FAILED")


def test_many_problems_are_counted_and_the_first_named():
    report = audit_report.summary(result(*(row("tag_missing", n) for n in range(80))))
    assert report["problems"] == 80
    assert len(report["problem_files"]) == audit_report.MAX_NAMED
    assert audit_report.verdict(report).endswith("and 60 more")
    assert "  ... and 30 more (see the report)" in audit_report.log_lines(report)


def test_rejected_records_fail_the_audit_each_named():
    rejected = [("meeting m== (2026-11-02) file #0 f-1", "file has no usable download_url"), ("meeting", "no uuid")]
    audit_result = result(row("intact", 1), rejected=rejected)
    report = audit_report.summary(audit_result)
    assert report["failed"] is True
    assert report["malformed_records"] == 2  # the count, as before
    assert report["rejected_records"] == [list(r) for r in rejected]
    reason = audit_report.verdict(report)
    assert reason is not None
    assert "2 Zoom records were rejected as malformed (never archived)" in reason
    assert "meeting m== (2026-11-02) file #0 f-1: file has no usable download_url" in reason
    lines = audit_report.log_lines(report)
    assert "  MALFORMED meeting: no uuid (never archived: the audit is incomplete)" in lines
    assert lines[-1].endswith("FAILED")
    doc = json.loads(audit_report.to_json(audit_result, run_id="r", generated_at=AT, bucket="b"))
    assert doc["malformed_records"] == [list(r) for r in rejected]


def test_new_statuses_and_columns_only_add_to_the_report():
    assert audit_report.CSV_COLUMNS[:14] == (
        *("status", "key", "file_id", "meeting_uuid", "host_email", "file_type", "start_time", "zoom_size"),
        *("s3_size", "sha256_tag", "sha256_read", "storage_class", "version_id", "detail"),
    )
    assert {"archive_sha256", "archive_size", "trashed_at"} <= set(audit_report.CSV_COLUMNS)
    report = audit_report.summary(result(row("intact_trashed", 1), row("differs_from_archive", 2)))
    assert report["problems"] == 1
    assert report["zoom_files"] == 2
