"""
### Reclaim Zoom cloud storage (opt-in)

Daily, moves to Zoom's **trash** (recoverable for 30 days; never a permanent delete) the recording files whose meeting
is older than the Variable `zoom_archive_trash_after_days` **and** whose archived copy is proven now: the object at
its key carries its `zoom-file-id` and Zoom's size, its `sha256` tag matches, and its bytes, read back and hashed
now, equal the SHA-256 recorded when it was archived. A meeting is trashed whole or not at all, right after its own
proof, and each file only while the S3 object version that proof read (version id and ETag) is still the current one
(checked right before its DELETE); anything unproven holds it back (damaged or missing copies are archived again
after all trashing, and proven by a later run). The record (Variable `zoom_archive_reclaim`) is saved before each
DELETE and after each meeting, so a killed run loses nothing and never sends a DELETE twice. Off while the Variable
is unset (the task is skipped).

* **Versioned bucket required**: a real run refuses to trash unless the archive bucket has versioning Enabled
  (Object Lock recommended); a dry run warns and still lists what it would trash.

* **Dry run**: trigger with `dry_run` to list what would be trashed (meetings, files, bytes); nothing changes.
* A daily DAG of its own, not a task of the hourly archive: it reads back every byte it trashes, lists months of
  meetings, and must never slow down or fail the archive.

This file is wiring only: the work lives in the `zoom_archiver` package, imported inside the tasks.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import CronTriggerTimetable, Param, dag, task

from zoom_archiver.tasks.dag_args import default_args


@dag(
    dag_id="zoom_recordings_reclaim",
    schedule=CronTriggerTimetable("30 3 * * *", timezone="UTC"),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["zoom", "s3", "reclaim"],
    default_args=default_args(retries=0),
    params={
        "dry_run": Param(
            False,
            type=["null", "boolean"],
            title="Dry run",
            description="List what would be trashed in Zoom (meetings, files, bytes) and repaired; change nothing.",
        ),
    },
)
def zoom_recordings_reclaim() -> None:
    # One task at a time across runs: the only writer of the Variable zoom_archive_reclaim.
    @task(multiple_outputs=False, execution_timeout=timedelta(hours=12), max_active_tis_per_dag=1)
    def reclaim(params: dict[str, Any] | None = None, **context: Any) -> dict[str, Any]:
        """Prove every file of the meetings old enough, repair damaged copies, trash the proven meetings."""
        from zoom_archiver.tasks.reclaim import reclaim as run

        return run(params or {}, context)

    reclaim()


zoom_recordings_reclaim()
