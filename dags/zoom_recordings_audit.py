"""
### Audit of the Zoom archive in S3

Lists Zoom's cloud recordings of a date range and the archive in S3, and reports per file: archived and intact
(`zoom-file-id`, size and `sha256` tag agree with Zoom and with the hash recorded when the file was archived: the
ledger's `hashes`, a repair's), missing, size mismatch, tag missing, differs from the archive, and objects Zoom no
longer lists (kept). Files the reclaim trashed in Zoom (the `zoom_archive_reclaim` record) stay audited: their copy
must be there, with the archived size and hash (`intact_trashed`). With `deep`, every object is read back and its
SHA-256 recomputed, against the archive-time hash where one is recorded (`differs_from_archive`), else against its
tag (`corrupt`). The report counts the files proven only against their own tag (`no_archive_hash`).

It changes nothing in S3 or Zoom besides writing its reports, `<prefix>/_audit/<UTC time>/report.json` and
`report.csv`, and **fails when a file is missing, corrupt or differs from the archive, or when the audit is
incomplete** (a user's listing failed, a Zoom record was rejected as malformed), naming it. Run it before deleting
anything in Zoom.

* **Manual**: trigger with `from_date` / `to_date` (UTC dates, inclusive) and `deep`.
* **Weekly**: Mondays 06:00 UTC, the 30 days up to yesterday, plain (metadata and tags).

This file is wiring only: the work lives in the `zoom_archiver` package, imported inside the tasks.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import CronTriggerTimetable, Param, dag, task

from zoom_archiver.tasks.dag_args import date_params, default_args


@dag(
    dag_id="zoom_recordings_audit",
    schedule=CronTriggerTimetable("0 6 * * 1", timezone="UTC"),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["zoom", "s3", "audit"],
    default_args=default_args(retries=1, retry_delay=timedelta(minutes=5)),
    params={
        **date_params("audit", from_empty="30 days before to_date", to_empty="yesterday"),
        "deep": Param(
            False,
            type=["null", "boolean"],
            title="Deep",
            description=(
                "Read every object back and recompute its SHA-256 (reads every byte of the range); compared with"
                " the hash recorded when it was archived, else with its sha256 tag."
            ),
        ),
    },
)
def zoom_recordings_audit() -> None:
    @task(multiple_outputs=False, execution_timeout=timedelta(hours=12))
    def audit(params: dict[str, Any] | None = None, **context: Any) -> dict[str, Any]:
        """List Zoom and S3, check every file, write the JSON and CSV reports; return the summary."""
        from zoom_archiver.tasks.audit import audit as run

        return run(params or {}, context)

    # A task of its own: a failed verdict is not retried, and never runs the audit again.
    @task(multiple_outputs=False, retries=0)
    def verdict(report: dict[str, Any]) -> dict[str, Any]:
        """Fail the run, naming the files, when anything is missing, corrupt or differs from the archive, or the
        audit is incomplete."""
        from zoom_archiver.tasks.audit import verdict as run

        return run(report)

    # the audit's summary (Airflow types a task's output as XComArg)
    verdict(audit())  # type: ignore[arg-type]


zoom_recordings_audit()
