"""The bodies of the audit DAG's tasks (``zoom_recordings_audit``): glue between Airflow and
:mod:`zoom_archiver.audit.audit`.

* :func:`audit` reads what was recorded when the files were archived (the ledger's ``hashes``) and trashed (the
  reclaim record's ``trashed`` and repairs' ``hashes``), lists Zoom and S3, checks every file against it (``deep``:
  re-hashes every object), writes the JSON and CSV reports under ``<prefix>/_audit/`` and returns the summary (its
  XCom);
* :func:`verdict` fails the run, naming the files, when anything is missing, corrupt or differs from the archive, or
  the audit is incomplete (a user's listing failed, a record was rejected as malformed).

Nothing else is written to S3 and nothing is changed in Zoom: the audit only reads.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Any

from airflow.sdk.exceptions import AirflowFailException

from zoom_archiver import ledger as ledger_mod
from zoom_archiver.audit import report as audit_report
from zoom_archiver.audit.audit import Recorded, audit_window, run_audit
from zoom_archiver.reclaim import record as reclaim_record
from zoom_archiver.s3.connect import archive_bucket
from zoom_archiver.settings import load_settings
from zoom_archiver.tasks.common import airflow_errors, run_today

if TYPE_CHECKING:
    from zoom_archiver.settings import ArchiveSettings
    from zoom_archiver.zoom.client import ZoomClient

log = logging.getLogger(__name__)


def _zoom(settings: ArchiveSettings) -> tuple[ZoomClient, int, str]:
    """The Zoom client, how many users it lists at once (the connection's ``list_workers``) and when it fetches a
    meeting's detail for participant audio files (``participant_audio``), as the archive DAG lists."""
    from zoom_archiver.hooks.zoom import ZoomHook

    hook = ZoomHook(settings.zoom_conn_id)
    return hook.get_conn(), hook.list_workers, hook.participant_audio


def _recorded(today: date) -> Recorded:
    """The archive-time hashes (a repair's over the ledger's) and the files the reclaim trashed in Zoom."""
    ledger, _ = ledger_mod.read_ledger(today=today)
    record = reclaim_record.read_record()
    recorded = Recorded(hashes={**ledger.hashes, **record.hashes}, trashed=dict(record.trashed))
    log.info(
        "Archive-time hashes recorded for %d files; %d files trashed in Zoom by the reclaim are audited too",
        len(recorded.hashes),
        len(recorded.trashed),
    )
    return recorded


@airflow_errors
def audit(params: dict[str, Any], context: dict[str, Any], *, now: datetime | None = None) -> dict[str, Any]:
    """Audit the params' date range; write the reports; return the summary with the reports' keys."""
    today = run_today(context)
    window = audit_window(params.get("from_date"), params.get("to_date"), today=today)
    deep = bool(params.get("deep"))
    settings = load_settings()
    bucket = archive_bucket(settings.bucket, settings.aws_conn_id)
    bucket.check()
    client, list_workers, participant_audio = _zoom(settings)
    recorded = _recorded(today)
    log.info("Auditing meetings of %s (UTC, inclusive)%s", window, ", deep" if deep else "")
    result = run_audit(
        client,
        settings,
        bucket,
        window,
        deep=deep,
        list_workers=list_workers,
        participant_audio=participant_audio,
        recorded=recorded,
    )
    at = now or datetime.now(timezone.utc)
    json_key, csv_key = audit_report.report_keys(settings.prefix, at)
    document = audit_report.to_json(
        result, run_id=str(context.get("run_id") or ""), generated_at=at, bucket=bucket.name
    )
    bucket.put_report(json_key, document, "application/json")
    bucket.put_report(csv_key, audit_report.to_csv(result), "text/csv")
    report = audit_report.summary(result)
    report["report_json"], report["report_csv"] = bucket.url(json_key), bucket.url(csv_key)
    for line in audit_report.log_lines(report):
        (log.error if any(word in line for word in ("PROBLEM", "FAILED", "MALFORMED")) else log.info)("%s", line)
    log.info("Reports: %s and %s", report["report_json"], report["report_csv"])
    return report


def verdict(report: dict[str, Any]) -> dict[str, Any]:
    """Fail the run, naming the files, when anything is missing, corrupt or differs from the archive (or a user's
    listing failed, or a record was rejected as malformed)."""
    reason = audit_report.verdict(report)
    if reason:
        raise AirflowFailException(f"Audit failed: {reason}. Report: {report.get('report_json')}")
    log.info("Audit passed: %d Zoom files archived intact", report["counts"]["intact"])
    return {"passed": True, "intact": report["counts"]["intact"]}
