"""The run report (zoom_archiver.publish.report) and the task that shows it in the UI
(zoom_archiver.operators.run_report)."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta, timezone

from zoom_archiver.operators.run_report import RunReportOperator, report_url
from zoom_archiver.publish.report import (
    MAX_ROWS,
    NO_REPORT,
    REPORT_KEY,
    human_bytes,
    render_markdown,
    render_report,
    run_report,
)

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


def test_markdown_has_tables_a_ui_draws():
    text = render_markdown(report())
    lines = text.splitlines()
    assert lines[0] == "### Archived 3 files, 3.0 MiB"
    assert "```" not in text, "no code block: the UI draws the tables"
    assert "| Files archived | 3 |" in lines
    assert "| Duration | 95 s |" in lines
    assert (
        "| Skipped | 10 already archived, 2 found in s3, 1 still processing, 1 found in s3 by archive task |" in lines
    )
    assert "| Quarantined files | q1 |" in lines
    assert "| Owed dates | 2026-03-01..2026-03-02 |" in lines
    assert "| Zoom API calls (429s) | 42 (3) |" in lines
    assert "| Listing failed for | gone@example.com |" in lines
    by_type = lines.index("| type | files | bytes |")
    assert lines[by_type + 1] == "|---|---:|---:|"
    assert lines[by_type + 2 : by_type + 4] == ["| MP4 | 1 | 3.0 MiB |", "| M4A | 2 | 3.0 KiB |"]
    assert "| jill@example.com | 2 | 3.0 MiB |" in lines


def test_markdown_cells_cannot_break_the_table():
    got = run_report([result("a", 1, "MP4", "odd|host@example.com")], {}, {}, started_at=None, now=NOW)
    assert "| odd\\|host@example.com | 1 | 1 B |" in render_markdown(got).splitlines()


def test_markdown_sums_up_rows_beyond_the_limit():
    done = [result(str(i), 10, "MP4", f"h{i:02}@example.com") for i in range(MAX_ROWS + 5)]
    lines = render_markdown(run_report(done, {}, {}, started_at=None, now=NOW)).splitlines()
    assert "| … 5 more | 5 | 50 B |" in lines
    assert sum(line.startswith("| h") and "@example.com" in line for line in lines) == MAX_ROWS


class TI:
    def __init__(self, value: object) -> None:
        self.value = value

    def xcom_pull(self, task_ids: str, key: str) -> object:
        assert (task_ids, key) == ("commit", REPORT_KEY)
        return self.value


def render(task: RunReportOperator, value: object) -> None:
    from jinja2.sandbox import SandboxedEnvironment

    task.render_template_fields({"ti": TI(value)}, SandboxedEnvironment())


def test_the_report_task_renders_commits_report_as_markdown_and_logs_plain_text(caplog):
    task = RunReportOperator(task_id="report")
    assert task.template_fields == ("report",)
    assert task.template_fields_renderers == {"report": "md"}
    got = report()
    render(task, got)
    through_xcom = json.loads(json.dumps(got, sort_keys=True))  # what the template reads back (tojson sorts keys)
    assert task.report == render_markdown(through_xcom)
    assert "| MP4 | 1 | 3.0 MiB |" in task.report.splitlines()
    with caplog.at_level(logging.INFO, logger="zoom_archiver.operators.run_report"):
        task.execute({})
    logged = caplog.records[-1].getMessage()
    assert logged == "Run report:\n" + render_report(through_xcom)
    assert "|" not in logged, "the log keeps clean text"
    assert "###" not in logged


def test_the_report_task_without_a_report_says_so():
    task = RunReportOperator(task_id="report")
    render(task, None)
    assert task.report == NO_REPORT
    assert task.report_text == NO_REPORT


def test_the_report_task_links_to_the_report_on_the_archive_page():
    task = RunReportOperator(task_id="report")
    assert [link.name for link in task.operator_extra_links] == ["Run report"]
    assert report_url("manual__2026-03-10T12:00:00+00:00") == (
        "/zoom-archive/runs/manual__2026-03-10T12%3A00%3A00%2B00%3A00/report"
    )
    assert (
        report_url("r1", "http://airflow.example.com/base/")
        == "http://airflow.example.com/base/zoom-archive/runs/r1/report"
    )
