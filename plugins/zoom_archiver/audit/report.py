"""The audit's report: where it goes, its JSON and CSV forms, its summary and the verdict.

Keys: ``<prefix>/_audit/<UTC time the audit ran, YYYY-MM-DDTHHMMSSZ>/report.json`` and ``.../report.csv``. The JSON
(``"report_version": 1``) holds the run, the range, the summary and one entry per file; the CSV holds the same
entries, one per line, with the columns of :data:`CSV_COLUMNS`.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import fields
from datetime import datetime
from typing import Any

from zoom_archiver.audit.audit import PROBLEMS, STATUSES, Audit, AuditRow
from zoom_archiver.audit.scan import AUDIT_FOLDER

REPORT_VERSION = 1
CSV_COLUMNS = tuple(f.name for f in fields(AuditRow))
#: Problem files named in the summary (the log, the XCom, the failure); the report names every one.
MAX_NAMED = 50


def report_keys(prefix: str, at: datetime) -> tuple[str, str]:
    """The keys of the JSON and the CSV report of an audit run at ``at`` (UTC)."""
    folder = f"{prefix}/{AUDIT_FOLDER}/{at.strftime('%Y-%m-%dT%H%M%SZ')}"
    return f"{folder}/report.json", f"{folder}/report.csv"


def summary(audit: Audit) -> dict[str, Any]:
    """Counts by status, what makes the run fail, and the first problem files (JSON types only)."""
    problems = audit.problems
    return {
        "from_date": audit.window.start.isoformat(),
        "to_date": audit.window.end.isoformat(),
        "deep": audit.deep,
        "zoom_files": sum(1 for row in audit.rows if row.status != "not_in_zoom"),
        "s3_objects": audit.s3_objects,
        "counts": {status: audit.count(status) for status in STATUSES},
        "problems": len(problems),
        "problem_files": [_name(row) for row in problems[:MAX_NAMED]],
        "user_failures": [[user, error] for user, error in audit.user_failures],
        "still_processing": audit.processing,
        "malformed_records": len(audit.rejected),
        "ignored_objects": audit.ignored_objects,
        "failed": audit.failed,
    }


def _name(row: AuditRow) -> dict[str, str]:
    return {"status": row.status, "key": row.key, "file_id": row.file_id, "detail": row.detail}


def to_json(audit: Audit, *, run_id: str, generated_at: datetime, bucket: str) -> bytes:
    document = {
        "report_version": REPORT_VERSION,
        "run_id": run_id,
        "generated_at": generated_at.isoformat(),
        "bucket": bucket,
        "summary": summary(audit),
        "malformed_records": [[where, reason] for where, reason in audit.rejected],
        "files": [row.to_dict() for row in audit.rows],
    }
    return json.dumps(document, indent=1, ensure_ascii=False).encode()


def to_csv(audit: Audit) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in audit.rows:
        values = row.to_dict()
        writer.writerow(["" if values[c] is None else values[c] for c in CSV_COLUMNS])
    return out.getvalue().encode()


def log_lines(report: dict[str, Any]) -> list[str]:
    """A summary a person can read in the task log."""
    counts = report["counts"]
    kind = "deep (bytes re-hashed)" if report["deep"] else "plain (metadata and tags)"
    lines = [
        f"Audit {kind} of meetings {report['from_date']}..{report['to_date']}: {report['zoom_files']} Zoom files, "
        f"{report['s3_objects']} archived objects under the prefix",
        "  " + ", ".join(f"{status}: {counts[status]}" for status in STATUSES),
        f"  still processing in Zoom (not expected yet): {report['still_processing']}; malformed records: "
        f"{report['malformed_records']}; objects without zoom-file-id ignored: {report['ignored_objects']}",
    ]
    for item in report["problem_files"]:
        lines.append(f"  PROBLEM {item['status']}: {item['key']} (file {item['file_id']}): {item['detail']}")
    if report["problems"] > len(report["problem_files"]):
        lines.append(f"  ... and {report['problems'] - len(report['problem_files'])} more (see the report)")
    for user, error in report["user_failures"]:
        lines.append(f"  LISTING FAILED for {user}: {error} (the audit of that user is incomplete)")
    lines.append("  Result: " + ("FAILED" if report["failed"] else "every Zoom file of the range is archived intact"))
    return lines


def verdict(report: dict[str, Any]) -> str | None:
    """Why the audit fails, naming the files (``None``: it passes)."""
    parts = []
    if report["problems"]:
        counts = report["counts"]
        by_status = ", ".join(f"{counts[s]} {s}" for s in sorted(PROBLEMS) if counts.get(s))
        named = "; ".join(f"{p['status']} {p['key']}" for p in report["problem_files"][:20])
        more = report["problems"] - min(20, len(report["problem_files"]))
        parts.append(
            f"{report['problems']} problem files ({by_status}): {named}" + (f"; and {more} more" if more else "")
        )
    if report["user_failures"]:
        users = ", ".join(user for user, _ in report["user_failures"])
        parts.append(f"the Zoom listing failed for {users}, so their files are not proven")
    return " and ".join(parts) if parts else None
