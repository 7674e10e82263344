"""The audit's report: where it goes, its JSON and CSV forms, its summary and the verdict.

Keys: ``<prefix>/_audit/<UTC time the audit ran, YYYY-MM-DDTHHMMSSZ>/report.json`` and ``.../report.csv``. The JSON
(``"report_version": 1``) holds the run, the range, the summary, the malformed records (``[where, reason]``) and one
entry per file; the CSV holds the same entries, one per line, with the columns of :data:`CSV_COLUMNS`. Later fields
and statuses are only ever added (``archive_sha256``, ``archive_size``, ``trashed_at``; ``differs_from_archive``,
``intact_trashed``; the summary's ``rejected_records``, ``archive_hash``, ``no_archive_hash``, ``trashed_files``).
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
    files = [row for row in audit.rows if row.audited_file]
    return {
        "from_date": audit.window.start.isoformat(),
        "to_date": audit.window.end.isoformat(),
        "deep": audit.deep,
        "zoom_files": sum(1 for row in files if not row.trashed_at),
        "trashed_files": sum(1 for row in files if row.trashed_at),
        "archive_hash": sum(1 for row in files if row.archive_sha256),
        "no_archive_hash": sum(1 for row in files if not row.archive_sha256),
        "s3_objects": audit.s3_objects,
        "counts": {status: audit.count(status) for status in STATUSES},
        "problems": len(problems),
        "problem_files": [_name(row) for row in problems[:MAX_NAMED]],
        "user_failures": [[user, error] for user, error in audit.user_failures],
        "still_processing": audit.processing,
        "malformed_records": len(audit.rejected),
        "rejected_records": [[where, reason] for where, reason in audit.rejected[:MAX_NAMED]],
        "ignored_objects": audit.ignored_objects,
        "failed": audit.failed,
    }


def _name(row: AuditRow) -> dict[str, str]:
    return {"status": row.status, "key": row.key or f"file {row.file_id}", "file_id": row.file_id, "detail": row.detail}


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
        *_proof_lines(report),
    ]
    for item in report["problem_files"]:
        lines.append(f"  PROBLEM {item['status']}: {item['key']} (file {item['file_id']}): {item['detail']}")
    if report["problems"] > len(report["problem_files"]):
        lines.append(f"  ... and {report['problems'] - len(report['problem_files'])} more (see the report)")
    for user, error in report["user_failures"]:
        lines.append(f"  LISTING FAILED for {user}: {error} (the audit of that user is incomplete)")
    for where, reason in report.get("rejected_records", []):
        lines.append(f"  MALFORMED {where}: {reason} (never archived: the audit is incomplete)")
    if report.get("malformed_records", 0) > len(report.get("rejected_records", [])):
        lines.append(f"  ... and {report['malformed_records'] - len(report['rejected_records'])} more malformed")
    lines.append("  Result: " + ("FAILED" if report["failed"] else "every Zoom file of the range is archived intact"))
    return lines


def _proof_lines(report: dict[str, Any]) -> list[str]:
    """Against what the files were proven (reports of older versions lack these counts: nothing said)."""
    if "no_archive_hash" not in report:
        return []
    return [
        f"  proven against the hash recorded when archived: {report['archive_hash']}; "
        f"{report['no_archive_hash']} without an archive-time hash (checked against their own sha256 tag only); "
        f"files the reclaim trashed in Zoom: {report['trashed_files']}"
    ]


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
    rejected = report.get("rejected_records", [])
    if report.get("malformed_records"):
        named = "; ".join(f"{where}: {reason}" for where, reason in rejected[:20])
        more = report["malformed_records"] - min(20, len(rejected))
        parts.append(
            f"{report['malformed_records']} Zoom records were rejected as malformed (never archived): {named}"
            + (f"; and {more} more" if more else "")
        )
    return " and ".join(parts) if parts else None
