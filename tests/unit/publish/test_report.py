"""The run report (zoom_archiver.publish.report) and the task that shows it in the UI
(zoom_archiver.operators.run_report)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from zoom_archiver.operators.run_report import RunReportOperator
from zoom_archiver.publish.report import NO_REPORT, REPORT_TEXT_KEY, human_bytes, render_report, run_report

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)


def result(file_id: str, size: int, file_type: str, host: str, outcome: str = "archived") -> dict:
    return {"file_id": file_id, "size": size, "file_type": file_type, "host_email": host, "outcome": outcome}


LEDGER_REPORT = {"failed": 1, "quarantined_now": ["q1"], "quarantined": ["q0", "q1"],
                 "owed": [["2026-03-01", "2026-03-02"]], "user_failures": ["gone@example.com"]}  # fmt: skip
SUMMARY = {"backlog": 7, "api_calls": 42, "rate_limited": 3,
           "skipped": {"already_archived": 10, "found_in_s3": 2, "filtered_out": 0, "still_processing": 1}}  # fmt: skip


def report() -> dict:
    done = [
        result("a", 3 * 1024**2, "MP4", "jill@example.com"),
        result("b", 1024, "M4A", "jill@example.com"),
        result("c", 2048, "M4A", "sam@example.com"),
        result("d", 999, "MP4", "sam@example.com", outcome="already_archived"),
    ]
    return run_report(done, LEDGER_REPORT, SUMMARY, started_at=NOW - timedelta(seconds=95), now=NOW)


def test_counts_files_and_bytes_by_type_and_host():
    got = report()
    assert got["files_archived"] == 3
    assert got["bytes_archived"] == 3 * 1024**2 + 3072
    assert got["by_type"] == {"MP4": {"files": 1, "bytes": 3 * 1024**2}, "M4A": {"files": 2, "bytes": 3072}}
    assert got["by_host"]["sam@example.com"] == {"files": 1, "bytes": 2048}, "a file already in S3 copied nothing"


def test_says_what_was_skipped_and_why_and_what_is_owed():
    got = report()
    assert got["skipped"] == {"already_archived": 10, "found_in_s3": 2, "still_processing": 1,
                              "found_in_s3_by_archive_task": 1}  # fmt: skip
    assert (got["failed"], got["quarantined_now"], got["quarantined"]) == (1, ["q1"], 2)
    assert (got["backlog_files"], got["owed"]) == (7, [["2026-03-01", "2026-03-02"]])
    assert (got["api_calls"], got["rate_limited_429"], got["duration_seconds"]) == (42, 3, 95.0)


def test_renders_as_text_a_person_reads():
    text = render_report(report())
    assert text.splitlines()[0] == "Archived 3 files, 3.0 MiB in 95 s"
    assert "  MP4" in text
    assert "jill@example.com" in text
    assert "Skipped: 10 already archived, 2 found in s3, 1 still processing" in text
    assert "quarantined now: 1 (q1); in quarantine: 2" in text
    assert "owed dates: 2026-03-01..2026-03-02" in text
    assert "Zoom API calls: 42, of which answered 429: 3" in text
    assert "Listing failed for: gone@example.com" in text


def test_nothing_archived_still_reads_well():
    text = render_report(run_report([], {}, {}, started_at=None, now=NOW))
    assert text.splitlines()[0] == "Archived 0 files, 0 B"
    assert "Skipped: nothing" in text


def test_human_bytes():
    assert [human_bytes(n) for n in (0, 1023, 1024, 5 * 1024**3)] == ["0 B", "1023 B", "1.0 KiB", "5.0 GiB"]


def test_the_report_task_renders_commits_text_as_a_markdown_block():
    from jinja2 import Environment

    task = RunReportOperator(task_id="report")
    assert task.template_fields == ("report",)
    assert task.template_fields_renderers == {"report": "md"}

    class TI:
        def __init__(self, text):
            self.text = text

        def xcom_pull(self, task_ids, key):
            assert (task_ids, key) == ("commit", REPORT_TEXT_KEY)
            return self.text

    template = Environment().from_string(task.report)
    assert template.render(ti=TI("Archived 1 files, 1 B")) == "```text\nArchived 1 files, 1 B\n```"
    assert template.render(ti=TI(None)) == f"```text\n{NO_REPORT}\n```"
