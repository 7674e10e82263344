"""The body of the hourly DAG's ``discover`` task: list the run's windows, plan the files, return the ones to archive
(one ``archive`` task each); the summary for ``commit`` and the meetings for ``publish`` are XComs of their own keys."""

from __future__ import annotations

import logging
from typing import Any

from airflow.sdk import conf

from zoom_archiver import ledger as ledger_mod
from zoom_archiver.dates import Window, backfill_window, resolve_windows
from zoom_archiver.discover.discovery import RunRequest
from zoom_archiver.discover.planning import Filters
from zoom_archiver.model import PlannedFileDict
from zoom_archiver.s3.connect import archive_bucket
from zoom_archiver.settings import ArchiveSettings, load_settings
from zoom_archiver.tasks.common import MEETINGS_KEY, SUMMARY_KEY, airflow_errors, run_today

log = logging.getLogger(__name__)


@airflow_errors
def discover(params: dict[str, Any], context: dict[str, Any]) -> list[PlannedFileDict]:
    """List every user's recordings in the run's windows; return the files to archive this run."""
    from zoom_archiver.discover.discovery import discover as run_discovery
    from zoom_archiver.hooks.zoom import ZoomHook

    # Until it finishes, its summary says so: a commit after a failed discover records nothing and fails the run.
    context["ti"].xcom_push(key=SUMMARY_KEY, value={"incomplete": True})
    context["ti"].xcom_push(key=MEETINGS_KEY, value=[])
    settings = load_settings()
    today = run_today(context)
    ledger, _ = ledger_mod.read_ledger(today=today)
    request = run_request(params, context, settings, ledger)
    log.info("Listing Zoom recordings with start dates %s (UTC, inclusive)", ", ".join(map(str, request.windows)))
    bucket = archive_bucket(settings.bucket, settings.aws_conn_id)
    # once per run: a missing bucket, no permission, or no Object Lock when retention is asked for is a clear,
    # permanent configuration error
    bucket.check(object_lock=settings.transfer.object_lock is not None)
    hook = ZoomHook(settings.zoom_conn_id)
    found = run_discovery(
        hook.get_conn(),
        settings,
        request,
        ledger=ledger,
        workers=hook.list_workers,
        bucket=bucket,
        today=today,
        participant_audio=hook.participant_audio,
    )
    if request.dry_run:
        for item in found.files:
            log.info("DRY RUN would archive %s (%s bytes) -> %s", item.label, item.file_size, item.key)
        log.info("DRY RUN: %d files would be archived; nothing was copied", len(found.files))
    files = [] if request.dry_run else found.file_dicts()
    if not files:
        log.info("Nothing new to archive")
    context["ti"].xcom_push(key=SUMMARY_KEY, value=found.summary.to_dict())
    if not request.dry_run:
        context["ti"].xcom_push(key=MEETINGS_KEY, value=found.meetings)
    return files


def run_request(
    params: dict[str, Any], context: dict[str, Any], settings: ArchiveSettings, ledger: ledger_mod.Ledger
) -> RunRequest:
    """The run's params as a request (a bad date or filter is a :class:`ConfigurationError`).

    A run of Airflow's own backfill lists the dates of its data interval (each date once: an hourly backfill lists
    it in its 00:00 run), never the look-back; a scheduled run lists the look-back and the owed work.
    """
    run_type = getattr(context.get("dag_run"), "run_type", None)
    windows: list[Window]
    # the Task SDK's DagRunType is a str enum (member BACKFILL, value "backfill"): compare its value
    if getattr(run_type, "value", run_type) == "backfill" and not params.get("from_date"):
        window = backfill_window(context["data_interval_start"], context["data_interval_end"])
        windows = [window] if window else []
    else:
        windows = resolve_windows(
            params.get("from_date"),
            params.get("to_date"),
            today=run_today(context),
            lookback_days=settings.lookback_days,
            owed=ledger.owed,
        )
    return RunRequest(
        windows=windows,
        filters=Filters.from_params(params.get("file_types"), params.get("user_emails")),
        cap=min(settings.max_files_per_run, conf.getint("core", "max_map_length", fallback=1024)),
        force=bool(params.get("force")),
        dry_run=bool(params.get("dry_run")),
        release=frozenset(str(i).strip() for i in params.get("release_quarantine") or () if str(i).strip()),
    )
