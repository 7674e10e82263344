"""
### Zoom webhook → S3: archive one meeting now

Triggered by the Zoom webhook receiver of this package (`POST /zoom/webhook` on the api-server) when Zoom posts
`recording.completed` or `recording.transcript_completed`: one run per (event, meeting), its run id derived from
both, so a retried or duplicated delivery triggers nothing new. The run's conf holds the meeting UUID and the
event name only; the meeting is re-read through the Zoom API with our own token, and each new file is archived
exactly like the hourly DAG `zoom_recordings_to_s3` does it (same keys, same checks, same `archive` task body).

When the archive tasks are done, `publish` writes the meeting's `manifest.json` and emits the archive asset's event
naming the objects this run wrote (downstream DAGs hear of them within seconds, once: the hourly run that later
finds them in S3 does not announce them again). The hourly DAG stays the safety net and the ledger's one writer:
its next run finds these files in S3 (HEAD, no download), records them and rewrites the manifest from what S3 holds.

This file is wiring only: the work lives in the `zoom_archiver` package, imported inside the tasks.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import Param, TriggerRule, dag, task

from zoom_archiver.model import ArchiveResultDict, MeetingEntry, PlannedFileDict
from zoom_archiver.publish.assets import archive_asset
from zoom_archiver.retries import RETRIES
from zoom_archiver.settings.deployment import deployment_settings
from zoom_archiver.tasks.common import MEETINGS_KEY
from zoom_archiver.tasks.dag_args import archive_default_args

DEPLOYMENT = deployment_settings()
ARCHIVE_ASSET = archive_asset(DEPLOYMENT.asset_uri)


@dag(
    dag_id="zoom_meeting_to_s3",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    # webhook runs run side by side (never queued behind a long hourly run); the API calls stay capped below
    max_active_runs=8,
    is_paused_upon_creation=False,
    doc_md=__doc__,
    tags=["zoom", "s3", "archive", "webhook"],
    default_args=archive_default_args(DEPLOYMENT),
    params={
        "meeting_uuid": Param("", type="string", title="Meeting UUID", description="The meeting instance's UUID."),
        "event": Param("manual", type="string", title="Zoom event", description="The event that triggered the run."),
    },
)
def zoom_meeting_to_s3() -> None:
    # two at a time over all webhook runs: with the client's per-process cap this bounds the API calls of a burst
    @task(retries=RETRIES.discover_task, max_active_tis_per_dag=2, execution_timeout=timedelta(minutes=15))
    def discover_meeting(params: dict[str, Any] | None = None, **context: Any) -> list[PlannedFileDict]:
        """Re-read the meeting through the Zoom API; return its files that are not archived yet and, as the
        `meetings` XCom, the meeting for its manifest."""
        from zoom_archiver.tasks.webhook import discover_meeting as run

        return run(params or {}, context)

    @task(
        multiple_outputs=False,
        map_index_template="{{ file_label }}",
        execution_timeout=DEPLOYMENT.file_timeout,
        max_active_tis_per_dag=DEPLOYMENT.parallel_files,
    )
    def archive(file: PlannedFileDict, params: dict[str, Any] | None = None, **context: Any) -> ArchiveResultDict:
        """Stream one recording file from Zoom into S3 and verify it."""
        from zoom_archiver.tasks.archive import archive as run

        return run(file, {}, context)

    # Runs when every archive task is done, failed ones included (as in the hourly DAG): the meeting's manifest and
    # the asset event naming this run's new objects (skipped when it wrote none).
    @task(multiple_outputs=False, trigger_rule=TriggerRule.ALL_DONE, outlets=[ARCHIVE_ASSET])
    def publish(results: list[ArchiveResultDict], meetings: list[MeetingEntry], **context: Any) -> dict[str, Any]:
        """Write the meeting's manifest.json (verified files only); emit the asset event."""
        from zoom_archiver.tasks.publish import publish as run

        return run(results, meetings, context)

    files = discover_meeting()
    archived = archive.expand(file=files)
    publish(archived, files[MEETINGS_KEY])  # type: ignore[arg-type, index]


zoom_meeting_to_s3()
