"""The bodies of the hourly DAG's ``archive`` task (one file; the webhook DAG's too) and its ``housekeeping`` task."""

from __future__ import annotations

import logging
from typing import Any

from airflow.sdk import get_current_context

from zoom_archiver.errors import ZoomArchiverError
from zoom_archiver.model import ArchiveResultDict, FailureDict, PlannedFile, PlannedFileDict
from zoom_archiver.notifications.archive_failure import FILE_CONTEXT_KEY
from zoom_archiver.redaction import describe_exception
from zoom_archiver.s3.connect import archive_bucket
from zoom_archiver.settings import load_settings
from zoom_archiver.tasks.common import FAILURE_KEY, airflow_errors

log = logging.getLogger(__name__)


@airflow_errors
def archive(file: PlannedFileDict, params: dict[str, Any], context: dict[str, Any]) -> ArchiveResultDict:
    """Archive one file (skipped cheaply when S3 already has it); a failure is left for ``commit`` to count."""
    try:
        return _archive(file, params)
    except Exception as exc:
        permanent = isinstance(exc, ZoomArchiverError) and exc.permanent
        failure = FailureDict(
            file_id=str(file.get("file_id")),
            key=str(file.get("key")),
            permanent=permanent,
            error=describe_exception(exc)[:300],
        )
        context["ti"].xcom_push(key=FAILURE_KEY, value=failure)
        raise


def _archive(file: PlannedFileDict, params: dict[str, Any]) -> ArchiveResultDict:
    from zoom_archiver.archive.archive import archive_file, file_hook
    from zoom_archiver.hooks.zoom import ZoomHook

    planned = PlannedFile.from_dict(file)
    # The task's own context (not the kwargs copy): read by map_index_template and the failure notifier.
    live_context: dict[str, Any] = get_current_context()  # type: ignore[assignment]
    live_context["file_label"] = planned.label
    live_context[FILE_CONTEXT_KEY] = {
        "host_email": planned.host_email,
        "topic": planned.topic,
        "file_type": planned.file_type,
        "meeting_uuid": planned.meeting_uuid,
        "key": planned.key,
    }
    settings = load_settings()
    writer = f"{live_context['ti'].dag_id}/{live_context['run_id']}"  # the object's zoom-archive-run
    s3_hook = file_hook(planned, settings.transfer, settings.aws_conn_id, writer)
    zoom = ZoomHook(settings.zoom_conn_id)
    force = bool(params.get("force"))
    result = archive_file(
        planned, zoom=zoom, s3_hook=s3_hook, bucket=settings.bucket, settings=settings.transfer, force=force
    )
    # what the run report and the asset event say about the file
    described = result.to_dict()
    described["meeting_uuid"] = planned.meeting_uuid
    described["file_type"] = planned.file_type
    described["host_email"] = planned.host_email
    if planned.participant:
        described["participant"] = planned.participant
    return described


@airflow_errors
def housekeeping(context: dict[str, Any]) -> dict[str, Any]:
    """Abort multipart uploads under the prefix that a killed task left behind (older than the configured age)."""
    settings = load_settings()
    aborted = archive_bucket(settings.bucket, settings.aws_conn_id).abort_stale_uploads(
        settings.prefix, max_age=settings.abort_uploads_after
    )
    return {"aborted_uploads": aborted}
