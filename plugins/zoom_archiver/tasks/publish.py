"""The ``publish`` task: write the manifests of the meetings a run touched, and tell downstream DAGs what is new.

It runs once the run's ``archive`` tasks are done (failed ones included). Manifests list only what S3 holds
(:mod:`zoom_archiver.publish.manifest`); the asset event (:mod:`zoom_archiver.publish.assets`) names the objects this
run wrote. A run that wrote no object emits no event (the task ends skipped).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from airflow.sdk.exceptions import AirflowSkipException

from zoom_archiver.model import ArchiveResultDict, MeetingEntry
from zoom_archiver.publish.assets import event_extra, new_objects
from zoom_archiver.publish.manifest import write_manifests
from zoom_archiver.reclaim.record import trashed_in_zoom_at
from zoom_archiver.s3.connect import archive_bucket
from zoom_archiver.settings import load_settings
from zoom_archiver.tasks.common import airflow_errors, xcom_items

log = logging.getLogger(__name__)


def _results(results: Sequence[ArchiveResultDict]) -> list[ArchiveResultDict]:
    """The archive results (none when no archive task was mapped: its lazy sequence then has nothing to read)."""
    try:
        return xcom_items(results)
    except Exception as exc:  # no mapped instance to read
        log.debug("No archive results to read: %s", type(exc).__name__)
        return []


def streamed_hashes(results: Sequence[ArchiveResultDict]) -> dict[str, tuple[str, int]]:
    """The SHA-256 and size of each file this run streamed from Zoom into S3 (outcome ``archived``): the manifests
    keep them as the archive-time proof."""
    out = {}
    for result in results:
        sha, size = str(result.get("sha256") or "").lower(), result.get("size")
        if result.get("outcome") == "archived" and len(sha) == 64 and isinstance(size, int):
            out[str(result["file_id"])] = (sha, size)
    return out


@airflow_errors
def publish(
    results: Sequence[ArchiveResultDict], meetings: Sequence[MeetingEntry], context: dict[str, Any]
) -> dict[str, Any]:
    """Write the touched meetings' manifests; emit the archive asset's event naming the new objects."""
    if not meetings:
        raise AirflowSkipException("No meeting was touched in this run: no manifest, no asset event")
    settings = load_settings()
    bucket = archive_bucket(settings.bucket, settings.aws_conn_id)
    extra_args = settings.transfer.extra_args("application/json", {})
    file_ids = [item["file_id"] for entry in meetings for item in entry["files"]]
    done = _results(results)
    trashed = trashed_in_zoom_at(file_ids)
    written = write_manifests(bucket, meetings, extra_args=extra_args, trashed=trashed, streamed=streamed_hashes(done))
    objects = new_objects(done)
    if not objects:
        raise AirflowSkipException(f"{len(written)} manifests checked; no new object: no asset event")
    extra = event_extra(
        objects,
        bucket=settings.bucket,
        prefix=settings.prefix,
        run_id=str(context.get("run_id", "")),
        manifests=[m["key"] for m in written],
    )
    for asset in context["task"].outlets:
        context["outlet_events"][asset].extra = extra
    log.info("Asset event: %d new objects, %d bytes, %d manifests", extra["count"], extra["bytes"], len(written))
    return {"manifests": written, "new_objects": extra["count"], "bytes": extra["bytes"]}
