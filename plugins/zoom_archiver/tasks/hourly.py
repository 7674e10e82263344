"""The bodies of the DAG's tasks: glue between Airflow (context, params, XCom) and the package.

The DAG file imports this module inside its tasks only, so parsing stays cheap. Every body runs under
:func:`airflow_errors`, the one translation of our errors into Airflow's.

* :func:`discover` lists recordings, plans the files and returns the new ones (its summary for ``commit`` is its
  ``plan_summary`` XCom);
* :func:`archive` archives one file (a failure leaves a ``failure`` XCom: what ``commit`` counts);
* :func:`commit` records the run in the ledger, once per run, and fails the run if a file or a user failed;
* :func:`housekeeping` aborts multipart uploads a killed task left behind.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import pendulum
from airflow.sdk import conf, get_current_context
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

from zoom_archiver import ledger as ledger_mod
from zoom_archiver.dates import Window, backfill_window, resolve_windows
from zoom_archiver.discover.discovery import RunRequest
from zoom_archiver.discover.planning import Filters
from zoom_archiver.discover.summary import DiscoverSummary
from zoom_archiver.errors import ZoomArchiverError
from zoom_archiver.notifications.archive_failure import FILE_CONTEXT_KEY
from zoom_archiver.publish.report import REPORT_KEY, REPORT_TEXT_KEY, render_report, run_report
from zoom_archiver.redaction import describe_exception
from zoom_archiver.s3.connect import archive_bucket
from zoom_archiver.settings import ArchiveSettings, load_settings
from zoom_archiver.tasks.common import FAILURE_KEY, MEETINGS_KEY, SUMMARY_KEY, airflow_errors, run_today, xcom_items

log = logging.getLogger(__name__)


@airflow_errors
def discover(params: dict[str, Any], context: dict[str, Any]) -> list[dict[str, Any]]:
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
    files = [] if request.dry_run else [item.to_dict() for item in found.files]
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


@airflow_errors
def archive(file: dict[str, Any], params: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
    """Archive one file (skipped cheaply when S3 already has it); a failure is left for ``commit`` to count."""
    try:
        return _archive(file, params)
    except Exception as exc:
        permanent = isinstance(exc, ZoomArchiverError) and exc.permanent
        failure = {
            "file_id": file.get("file_id"),
            "key": file.get("key"),
            "permanent": permanent,
            "error": describe_exception(exc)[:300],
        }
        context["ti"].xcom_push(key=FAILURE_KEY, value=failure)
        raise


def _archive(file: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    from zoom_archiver.archive.archive import archive_file
    from zoom_archiver.discover.planning import PlannedFile
    from zoom_archiver.hooks.zoom import ZoomHook
    from zoom_archiver.s3.connect import s3_hook_for

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
    s3_hook = s3_hook_for(planned, settings.transfer, settings.aws_conn_id, writer)
    zoom = ZoomHook(settings.zoom_conn_id)
    force = bool(params.get("force"))
    result = archive_file(
        planned, zoom=zoom, s3_hook=s3_hook, bucket=settings.bucket, settings=settings.transfer, force=force
    )
    # what the run report and the asset event say about the file
    described = {"meeting_uuid": planned.meeting_uuid, "file_type": planned.file_type, "host_email": planned.host_email}
    return result.to_dict() | described | ({"participant": planned.participant} if planned.participant else {})


@airflow_errors
def housekeeping(context: dict[str, Any]) -> dict[str, Any]:
    """Abort multipart uploads under the prefix that a killed task left behind (older than the configured age)."""
    settings = load_settings()
    aborted = archive_bucket(settings.bucket, settings.aws_conn_id).abort_stale_uploads(
        settings.prefix, max_age=settings.abort_uploads_after
    )
    return {"aborted_uploads": aborted}


@airflow_errors
def commit(
    results: Sequence[dict[str, Any]],
    summary: dict[str, Any],
    failures: Sequence[dict[str, Any]],
    params: dict[str, Any],
    context: dict[str, Any],
) -> dict[str, Any]:
    """Record the run in the ledger in one read-modify-write; fail the run if a file or a user's listing failed."""
    if not summary or summary.get("incomplete"):  # the run fails (a skipped leaf would make it succeed)
        raise AirflowFailException("discover did not finish, so nothing was archived: see its log")
    plan = DiscoverSummary.from_dict(summary)
    if plan.dry_run:
        log.info("Dry run: the ledger is left untouched")
        text = f"Dry run: {len(plan.planned)} files would be archived; nothing was copied"
        context["ti"].xcom_push(key=REPORT_TEXT_KEY, value=text)
        return {"dry_run": True, "would_archive": len(plan.planned), "quarantined": len(plan.quarantined)}
    settings = load_settings()
    today = run_today(context)
    # Only read the mapped results when something was mapped (a skipped map has none to fetch).
    done = xcom_items(results) if plan.planned else []
    failed = {str(f["file_id"]): f for f in xcom_items(failures)} if plan.planned else {}
    ledger, _ = ledger_mod.read_ledger(today=today)
    update = ledger.record_run(
        plan.run_record([(r["file_id"], r["start_date"]) for r in done], failed),
        today=today,
        retention_days=settings.ledger.retention_days,
        quarantine_after=settings.ledger.quarantine_after_runs,
    )
    ledger.record_hashes(done)  # archive-time SHA-256 of the files streamed now: what the reclaim proves against
    ledger_mod.write_ledger(ledger)
    report = _report(done, update, ledger, plan)
    log.info("Ledger updated: %s", report)
    report["run_report"] = _run_report(done, report, summary, context)
    for file_id in update.quarantined:
        log.error("Quarantined %s: %s", file_id, ledger.quarantine[file_id]["reason"])
    _raise_for_failures(plan, update)
    if not plan.planned:
        raise AirflowSkipException("Nothing was archived in this run")
    return report


def _run_report(
    done: Sequence[dict[str, Any]], ledger_report: dict[str, Any], summary: dict[str, Any], context: dict[str, Any]
) -> dict[str, Any]:
    """The run's report: logged, and pushed as the XComs ``run_report`` and ``run_report_text`` (the UI shows the
    text in the ``report`` task)."""
    started = getattr(context.get("dag_run"), "start_date", None)
    report = run_report(done, ledger_report, summary, started_at=started, now=pendulum.now("UTC"))
    text = render_report(report)
    log.info("Run report:\n%s", text)
    context["ti"].xcom_push(key=REPORT_KEY, value=report)
    context["ti"].xcom_push(key=REPORT_TEXT_KEY, value=text)
    return report


def _raise_for_failures(plan: DiscoverSummary, update: ledger_mod.LedgerUpdate) -> None:
    problems = []
    if update.failed:
        problems.append(
            f"{len(update.failed)} of {len(plan.planned)} files failed ("
            + ", ".join(fid for fid, _ in update.failed[:20])
            + (f"; {len(update.quarantined)} now quarantined" if update.quarantined else "; retried by the next run")
            + ")"
        )
    if plan.user_failures:
        problems.append(
            "the listing failed for "
            + "; ".join(f"{user} ({error})" for user, error in plan.user_failures[:20])
            + " (their dates stay owed; the other users were archived)"
        )
    if problems:
        raise AirflowFailException(" and ".join(problems))


def _report(
    done: Sequence[dict[str, Any]], update: ledger_mod.LedgerUpdate, ledger: ledger_mod.Ledger, plan: DiscoverSummary
) -> dict[str, Any]:
    outcomes: dict[str, int] = {}
    for r in done:
        outcomes[r["outcome"]] = outcomes.get(r["outcome"], 0) + 1
    return {
        "archived": outcomes.get("archived", 0),
        "already_archived": outcomes.get("already_archived", 0) + len(plan.rebuilt),
        "tag_repaired": outcomes.get("tag_repaired", 0),
        "failed": len(update.failed),
        "quarantined_now": update.quarantined,
        "quarantined": sorted(ledger.quarantine),
        "released": plan.released,
        "user_failures": [user for user, _ in plan.user_failures],
        "ledger_added": update.added,
        "ledger_pruned": update.pruned,
        "ledger_size": len(ledger.archived),
        "ledger_rebuilt_from_s3": len(plan.rebuilt),
        "owed": [[a.isoformat(), b.isoformat()] for a, b in ledger.owed],
        "still_processing_given_up": plan.stale_processing,
    }
