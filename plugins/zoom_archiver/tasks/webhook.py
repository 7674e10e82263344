"""The body of the webhook DAG's ``discover_meeting`` task (the ``archive`` tasks are the scheduled DAG's own body,
:func:`zoom_archiver.tasks.archive.archive`, and ``publish`` is its :func:`zoom_archiver.tasks.publish.publish`)."""

from __future__ import annotations

import logging
from typing import Any

from zoom_archiver import ledger as ledger_mod
from zoom_archiver.discover.meeting import as_dicts, meeting_uuid_from_conf, plan_meeting
from zoom_archiver.model import PlannedFileDict
from zoom_archiver.s3.connect import archive_bucket
from zoom_archiver.tasks.common import MEETINGS_KEY, airflow_errors, run_today

log = logging.getLogger(__name__)


@airflow_errors
def discover_meeting(params: dict[str, Any], context: dict[str, Any]) -> list[PlannedFileDict]:
    """The files of the run's meeting that still need archiving (one ``archive`` task each); the meeting's manifest
    entry as the ``meetings`` XCom (for ``publish``)."""
    from zoom_archiver.hooks.zoom import ZoomHook
    from zoom_archiver.settings import load_settings

    context["ti"].xcom_push(key=MEETINGS_KEY, value=[])  # until it finishes: publish then has nothing to write
    meeting_uuid = meeting_uuid_from_conf(params)
    log.info("Webhook %s for meeting %s", params.get("event") or "?", meeting_uuid)
    settings = load_settings()
    today = run_today(context)
    ledger, _ = ledger_mod.read_ledger(today=today)
    bucket = archive_bucket(settings.bucket, settings.aws_conn_id)
    plan = plan_meeting(
        ZoomHook(settings.zoom_conn_id).get_conn(), settings, meeting_uuid, ledger=ledger, bucket=bucket, today=today
    )
    context["ti"].xcom_push(key=MEETINGS_KEY, value=plan.meetings)
    return as_dicts(plan.files)
