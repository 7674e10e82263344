"""
### Zoom cloud recordings → S3

Every hour, list the cloud recordings of every Zoom user (active and inactive) whose meetings started in the
look-back window, and archive each **new** recording file to S3 in its own mapped task: streamed (never on
local disk), size-checked against Zoom, SHA-256 tagged, and recorded in the ledger so it is never archived
twice.

* **Backfill**: trigger with `from_date` / `to_date` (UTC dates, inclusive, any length).
* **Rerun one file**: clear its mapped task instance (with downstream) in the grid.
* **Configure**: connections `zoom_default`, `aws_default`; Variables `zoom_archive_bucket`,
  `zoom_archive_prefix` (README: *Configuration*).

This file is wiring only: the work lives in the `zoom_archiver` package, imported inside the tasks.
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import CronTriggerTimetable, Param, TriggerRule, dag, task

from zoom_archiver.notifications.archive_failure import ArchiveFailureNotifier

# Deployment knobs read from the environment (no network or DB call at import).
RETRIES = int(os.environ.get("ZOOM_ARCHIVE_TASK_RETRIES", "3"))
RETRY_DELAY = timedelta(seconds=float(os.environ.get("ZOOM_ARCHIVE_RETRY_DELAY_SECONDS", "120")))
PARALLEL_FILES = int(os.environ.get("ZOOM_ARCHIVE_PARALLEL_FILES", "4"))
FILE_TIMEOUT = timedelta(hours=float(os.environ.get("ZOOM_ARCHIVE_FILE_TIMEOUT_HOURS", "6")))


@dag(
    dag_id="zoom_recordings_to_s3",
    schedule=CronTriggerTimetable("0 * * * *", timezone="UTC", interval=timedelta(hours=1)),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["zoom", "s3", "archive"],
    default_args={
        "owner": "zoom-archiver",
        "retries": RETRIES,
        "retry_delay": RETRY_DELAY,
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": timedelta(minutes=30),
        "on_failure_callback": [ArchiveFailureNotifier()],
    },
    params={
        "from_date": Param(
            None,
            type=["null", "string"],
            format="date",
            title="From date (UTC)",
            description="First meeting start date to archive, inclusive. Empty: the look-back window.",
        ),
        "to_date": Param(
            None,
            type=["null", "string"],
            format="date",
            title="To date (UTC)",
            description="Last meeting start date to archive, inclusive. Empty: today.",
        ),
        "dry_run": Param(
            False, type="boolean", title="Dry run", description="List what would be archived; copy nothing."
        ),
        "file_types": Param(
            None,
            type=["null", "array"],
            items={"type": "string"},
            title="File types",
            description="Only these Zoom file types, one per line (e.g. MP4, M4A, TRANSCRIPT). Empty: all.",
            examples=["MP4", "M4A", "TRANSCRIPT", "CHAT", "TIMELINE", "CC", "CSV", "SUMMARY"],
        ),
        "user_emails": Param(
            None,
            type=["null", "array"],
            items={"type": "string"},
            title="Hosts",
            description="Only meetings hosted by these Zoom users (e-mail, one per line). Empty: everybody.",
        ),
        "force": Param(
            False,
            type="boolean",
            title="Force",
            description="Archive again even if the ledger and S3 already have the file.",
        ),
    },  # fmt: skip
)
def zoom_recordings_to_s3() -> None:
    @task(retries=2, execution_timeout=timedelta(hours=1))
    def discover(params: dict[str, Any] | None = None, **context: Any) -> list[dict[str, Any]]:
        """List recordings in the window; return the new files (oldest first, capped per run), or skip."""
        from zoom_archiver.tasks import discover as run

        return run(params or {}, context)

    # multiple_outputs=False: a dict result is one XCom, not one more per key (each is a round trip per task)
    @task(
        multiple_outputs=False,
        map_index_template="{{ file_label }}",
        execution_timeout=FILE_TIMEOUT,
        max_active_tis_per_dagrun=PARALLEL_FILES,
    )
    def archive(file: dict[str, Any], params: dict[str, Any] | None = None, **context: Any) -> dict[str, Any]:
        """Stream one recording file from Zoom into S3 and verify it."""
        from zoom_archiver.tasks import archive as run

        return run(file, params or {}, context)

    @task(multiple_outputs=False, trigger_rule=TriggerRule.ALL_DONE, retries=3, retry_delay=timedelta(seconds=30))
    def commit(results: Any, params: dict[str, Any] | None = None, **context: Any) -> dict[str, Any]:
        """Record the archived files in the ledger (one write per run); fail the run if a file failed."""
        from zoom_archiver.tasks import commit as run

        return run(results, params or {}, context)

    @task(multiple_outputs=False, retries=2)
    def housekeeping(**context: Any) -> dict[str, Any]:
        """Abort multipart uploads that a killed task left under the prefix (older than a day by default)."""
        from zoom_archiver.tasks import housekeeping as run

        return run(context)

    commit(archive.expand(file=discover()))
    housekeeping()


zoom_recordings_to_s3()
