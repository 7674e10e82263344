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

from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import CronTriggerTimetable, Param, TriggerRule, dag, task

from zoom_archiver.model import ArchiveResultDict, FailureDict, MeetingEntry, PlannedFileDict, SummaryDict
from zoom_archiver.operators.run_report import RunReportOperator
from zoom_archiver.publish.assets import archive_asset
from zoom_archiver.retries import RETRIES
from zoom_archiver.settings.deployment import deployment_settings
from zoom_archiver.tasks.common import FAILURE_KEY, MEETINGS_KEY, SUMMARY_KEY
from zoom_archiver.tasks.dag_args import archive_default_args, date_params

# Deployment knobs from the environment (no network or DB call at import).
DEPLOYMENT = deployment_settings()
# What downstream DAGs schedule on: Asset(name="zoom_recordings_archive") (README: *Asset events*).
ARCHIVE_ASSET = archive_asset(DEPLOYMENT.asset_uri)


@dag(
    dag_id="zoom_recordings_to_s3",
    schedule=CronTriggerTimetable("0 * * * *", timezone="UTC", interval=timedelta(hours=1)),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["zoom", "s3", "archive"],
    default_args=archive_default_args(DEPLOYMENT),
    params={
        **date_params("archive", from_empty="the look-back window", to_empty="today"),
        "dry_run": Param(
            False, type=["null", "boolean"], title="Dry run", description="List what would be archived; copy nothing."
        ),
        "file_types": Param(
            None,
            type=["null", "array"],
            items={"type": "string"},
            title="File types",
            description="Only these Zoom file types (pick one or more from the list). Empty: all.",
            examples=["MP4", "M4A", "TRANSCRIPT", "CHAT", "TIMELINE", "CC", "CSV", "SUMMARY"],
        ),
        "user_emails": Param(
            None,
            type=["null", "array"],
            items={"type": "string"},
            title="Hosts",
            description="Only meetings hosted by these Zoom users (e-mail, one per line). Empty: everybody.",
        ),
        "release_quarantine": Param(
            None,
            type=["null", "array"],
            items={"type": "string"},
            title="Release from quarantine",
            description="Zoom file ids to try again although they are quarantined (one per line; 'all' for every one).",
        ),
        "force": Param(
            False,
            type=["null", "boolean"],
            title="Force",
            description="Archive again even if the ledger and S3 already have the file.",
        ),
    },
)
def zoom_recordings_to_s3() -> None:
    @task(retries=RETRIES.discover_task, execution_timeout=timedelta(hours=1))
    def discover(params: dict[str, Any] | None = None, **context: Any) -> list[PlannedFileDict]:
        """List recordings in the window; return the new files (oldest first, capped per run) and, as the
        `plan_summary` XCom, what commit needs to know about the run."""
        from zoom_archiver.tasks.discover import discover as run

        return run(params or {}, context)

    # multiple_outputs=False: a dict result is one XCom, not one more per key (each is a round trip per task)
    @task(
        multiple_outputs=False,
        map_index_template="{{ file_label }}",
        execution_timeout=DEPLOYMENT.file_timeout,
        max_active_tis_per_dagrun=DEPLOYMENT.parallel_files,
    )
    def archive(file: PlannedFileDict, params: dict[str, Any] | None = None, **context: Any) -> ArchiveResultDict:
        """Stream one recording file from Zoom into S3 and verify it."""
        from zoom_archiver.tasks.archive import archive as run

        return run(file, params or {}, context)

    # Runs when every archive task is done, failed ones included (after a failed discover it fails the run); one
    # commit at a time across all runs (scheduled, manual, backfill): the only writer of the ledger Variable.
    @task(
        multiple_outputs=False,
        trigger_rule=TriggerRule.ALL_DONE,
        retries=RETRIES.commit_task,
        retry_delay=timedelta(seconds=30),
        max_active_tis_per_dag=1,
    )
    def commit(
        results: list[ArchiveResultDict],
        summary: SummaryDict,
        failures: list[FailureDict],
        params: dict[str, Any] | None = None,
        **context: Any,
    ) -> Any:
        """Record the run in the ledger (one write per run); fail the run if a file or a user's listing failed."""
        from zoom_archiver.tasks.commit import commit as run

        return run(results, summary, failures, params or {}, context)

    @task(multiple_outputs=False, retries=RETRIES.housekeeping_task)
    def housekeeping(**context: Any) -> dict[str, Any]:
        """Abort multipart uploads that a killed task left under the prefix (older than a day by default)."""
        from zoom_archiver.tasks.archive import housekeeping as run

        return run(context)

    # Runs when every archive task is done, like commit: writes the manifests of the meetings the run touched and
    # emits the archive asset's event naming the new objects (skipped when the run wrote none). One at a time across
    # all runs: two runs never write one meeting's manifest at once.
    @task(multiple_outputs=False, trigger_rule=TriggerRule.ALL_DONE, outlets=[ARCHIVE_ASSET], max_active_tis_per_dag=1)
    def publish(results: list[ArchiveResultDict], meetings: list[MeetingEntry], **context: Any) -> dict[str, Any]:
        """Write each touched meeting's manifest.json (verified files only); emit the asset event."""
        from zoom_archiver.tasks.publish import publish as run

        return run(results, meetings, context)

    files = discover()
    archived = archive.expand(file=files)
    # discover's summary and the archive tasks' failures, as XComs of their own keys (Airflow types a task's output
    # as XComArg, which it indexes by key)
    committed = commit(archived, files[SUMMARY_KEY], archived[FAILURE_KEY])  # type: ignore[arg-type, index]
    published = publish(archived, files[MEETINGS_KEY])  # type: ignore[arg-type, index]
    # The run report as text in the UI (a teardown: it always runs and never changes the run's state).
    [committed, published] >> RunReportOperator(task_id="report").as_teardown()
    housekeeping()


zoom_recordings_to_s3()
