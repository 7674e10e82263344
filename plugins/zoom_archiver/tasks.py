"""The bodies of the DAG's tasks. The DAG file imports this module inside its tasks only, so parsing stays cheap.

* :func:`discover` lists recordings, plans the files and returns the new ones (mapped one task per file);
* :func:`archive` archives one file;
* :func:`commit` records what was archived in the ledger, once per run, and fails the run if any file failed.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import pendulum
from airflow.sdk import Variable, conf, get_current_context
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

from zoom_archiver import ledger as ledger_mod
from zoom_archiver.errors import ConfigurationError, ZoomArchiverError
from zoom_archiver.notifications.archive_failure import FILE_CONTEXT_KEY
from zoom_archiver.planning import (
    Filters,
    Plan,
    PlannedFile,
    dedupe,
    plan_meeting,
    resolve_window,
    select_batch,
)
from zoom_archiver.settings import load_settings

log = logging.getLogger(__name__)

SUMMARY_KEY = "plan_summary"
#: Malformed records logged (and kept in the summary XCom) one by one; the rest are counted.
MAX_REJECTIONS_LOGGED = 200
DISCOVER_TASK_ID = "discover"


def _today(context: dict[str, Any]) -> date:
    """The run's 'today' in UTC: its data interval end for scheduled runs, else now."""
    moment = context.get("data_interval_end") or pendulum.now("UTC")
    return pendulum.instance(moment).in_timezone("UTC").date()


def _read_ledger() -> tuple[ledger_mod.Ledger, str | None]:
    ledger, warning = ledger_mod.loads(Variable.get(ledger_mod.LEDGER_VARIABLE, default=None))
    if warning:
        log.warning("%s (S3 stays the truth: files already there are not downloaded again)", warning)
    return ledger, warning


def _load_ledger() -> ledger_mod.Ledger:
    return _read_ledger()[0]


def _rebuild_ledger(settings: Any, files: Sequence[PlannedFile], ledger: ledger_mod.Ledger) -> list[PlannedFile]:
    """After the ledger was lost: find the window's files S3 already holds (the same HEAD check as ``archive``:
    ``zoom-file-id`` and size on the key) and add them to ``ledger``, so they are neither mapped nor downloaded."""
    from airflow.providers.amazon.aws.hooks.s3 import S3Hook

    from zoom_archiver.archive import existing_copy

    candidates = [f for f in files if f.file_id not in ledger]
    try:
        s3 = S3Hook(aws_conn_id=settings.aws_conn_id).get_conn()
    except Exception as exc:
        log.warning("Cannot rebuild the ledger from S3 (%s); every archive task checks S3 itself", type(exc).__name__)
        return []
    found, unchecked = ledger_mod.rebuild_from_s3(candidates, lambda f: existing_copy(s3, settings.bucket, f))
    ledger.merge((f.file_id, f.start_date) for f in found)
    log.warning(
        "Rebuilt the ledger from S3: %d of the %d files of the window are already archived (not downloaded "
        "again), %d are not%s", len(found), len(candidates), len(candidates) - len(found),
        f", {unchecked} could not be checked (their archive tasks check again)" if unchecked else "",
    )  # fmt: skip
    return found


def discover(params: dict[str, Any], context: dict[str, Any]) -> list[dict[str, Any]]:
    """List every user's recordings in the window and return the files to archive this run (oldest first)."""
    from zoom_archiver.hooks.zoom import ZoomHook

    try:
        settings = load_settings()
        ledger, ledger_lost = _read_ledger()
        window = resolve_window(
            params.get("from_date"), params.get("to_date"), today=_today(context),
            lookback_days=settings.lookback_days, backlog_from=ledger.backlog_from,
        )  # fmt: skip
        filters = Filters.from_params(params.get("file_types"), params.get("user_emails"))
    except ConfigurationError as exc:
        raise AirflowFailException(str(exc)) from None
    log.info("Listing Zoom recordings with start dates %s (UTC, inclusive)", window)

    hook = ZoomHook(settings.zoom_conn_id)
    client = hook.get_conn()
    users = client.list_users()
    if filters.user_emails:
        known = {str(u.get("email", "")).lower() for u in users}
        for missing in sorted(filters.user_emails - known):
            log.warning("user_emails: no active or inactive Zoom user %s", missing)
        users = [u for u in users if str(u.get("email", "")).lower() in filters.user_emails]
    plan = Plan()
    meetings = 0
    for user, meeting in client.list_recordings(users, window.start, window.end, workers=hook.list_workers):
        meetings += 1
        plan_meeting(meeting, user, window=window, filters=filters, template=settings.key_template,
                     prefix=settings.prefix, plan=plan)  # fmt: skip
    files = dedupe(plan.files, plan)
    rebuilt = _rebuild_ledger(settings, files, ledger) if ledger_lost and not params.get("force") else []
    cap = min(settings.max_files_per_run, conf.getint("core", "max_map_length", fallback=1024))
    batch, backlog = select_batch(files, ledger.files, cap=cap, force=bool(params.get("force")))
    for rejected in plan.rejected[:MAX_REJECTIONS_LOGGED]:
        log.error("Skipped malformed record (%s): %s", rejected.where, rejected.reason)
    if len(plan.rejected) > MAX_REJECTIONS_LOGGED:
        log.error("... and %d more malformed records", len(plan.rejected) - MAX_REJECTIONS_LOGGED)
    log.info(
        "%d users, %d meetings, %d completed files (%d still processing, %d filtered out, %d malformed); "
        "%d already archived, %d to archive now, %d left for later runs (cap %d)",
        len(users), meetings, len(files), plan.not_ready, plan.filtered_out, len(plan.rejected),
        len(files) - len(batch) - len(backlog), len(batch), len(backlog), cap,
    )  # fmt: skip
    summary = {
        "window": [window.start.isoformat(), window.end.isoformat()],
        "scheduled": window.scheduled,
        "dry_run": bool(params.get("dry_run")),
        "planned": [[f.file_id, f.start_date] for f in batch],
        "backlog": len(backlog),
        "backlog_from": backlog[0].start_date if backlog else None,
        "not_ready_from": None,
        "rejected": [[r.where, r.reason] for r in plan.rejected[:MAX_REJECTIONS_LOGGED]],
        "rejected_count": len(plan.rejected),
        "rebuilt": [[f.file_id, f.start_date] for f in rebuilt],
        "api_calls": client.stats.calls,
        "rate_limited": client.stats.rate_limited,
    }
    context["ti"].xcom_push(key=SUMMARY_KEY, value=summary)
    if params.get("dry_run"):
        for item in batch:
            log.info("DRY RUN would archive %s (%s bytes) -> %s", item.label, item.file_size, item.key)
        log.info("DRY RUN: %d files would be archived; nothing was copied", len(batch))
        return []
    if not batch:
        raise AirflowSkipException(f"Nothing new to archive for {window}")
    return [item.to_dict() for item in batch]


def archive(file: dict[str, Any], params: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
    """Archive one file (skipped cheaply when S3 already has it)."""
    from zoom_archiver.archive import archive_file, s3_hook_for
    from zoom_archiver.hooks.zoom import ZoomHook

    planned = PlannedFile.from_dict(file)
    # The task's own context (not the kwargs copy): read by map_index_template and the failure notifier.
    live_context = get_current_context()
    live_context["file_label"] = planned.label  # type: ignore[typeddict-unknown-key]
    live_context[FILE_CONTEXT_KEY] = {  # type: ignore[literal-required]
        "host_email": planned.host_email, "topic": planned.topic, "file_type": planned.file_type,
        "meeting_uuid": planned.meeting_uuid, "key": planned.key,
    }  # fmt: skip
    try:
        settings = load_settings()
        s3_hook = s3_hook_for(planned, settings.transfer, settings.aws_conn_id)
        result = archive_file(
            planned, zoom=ZoomHook(settings.zoom_conn_id), s3_hook=s3_hook, bucket=settings.bucket,
            settings=settings.transfer, force=bool(params.get("force")),
        )  # fmt: skip
    except ZoomArchiverError as exc:
        if exc.permanent:
            raise AirflowFailException(f"{type(exc).__name__}: {exc}") from None
        raise
    return result.to_dict()


def housekeeping(context: dict[str, Any]) -> dict[str, Any]:
    """Abort multipart uploads under the prefix that a killed task left behind (older than the configured age)."""
    from airflow.providers.amazon.aws.hooks.s3 import S3Hook

    from zoom_archiver.housekeeping import DEFAULT_MAX_AGE_HOURS, abort_stale_uploads

    settings = load_settings()
    hours = float(Variable.get("zoom_archive_abort_uploads_after_hours", default=DEFAULT_MAX_AGE_HOURS))
    s3 = S3Hook(aws_conn_id=settings.aws_conn_id).get_conn()
    aborted = abort_stale_uploads(s3, settings.bucket, settings.prefix, max_age=timedelta(hours=hours))
    return {"aborted_uploads": aborted}


def commit(results: Sequence[dict[str, Any]], params: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
    """Merge the archived files into the ledger in one read-modify-write; fail the run if any file failed."""
    summary = context["ti"].xcom_pull(task_ids=DISCOVER_TASK_ID, key=SUMMARY_KEY)
    if summary is None:
        raise AirflowFailException("discover did not finish, so nothing was archived; see its log")
    if summary["dry_run"]:
        log.info("Dry run: the ledger is left untouched")
        return {"dry_run": True, "would_archive": len(summary["planned"])}
    settings = load_settings()
    # Only read the mapped results when something was mapped (a skipped map has none to fetch).
    results = [r for r in (results[i] for i in range(len(results))) if r] if summary["planned"] else []
    ledger = _load_ledger()
    rebuilt = [(file_id, day) for file_id, day in summary.get("rebuilt") or []]
    added = ledger.merge([(r["file_id"], r["start_date"]) for r in results] + rebuilt)
    done = {r["file_id"] for r in results}
    failed = [(fid, day) for fid, day in summary["planned"] if fid not in done]
    owed = [day for _, day in failed] + ([summary["backlog_from"]] if summary["backlog_from"] else [])
    window_start = date.fromisoformat(summary["window"][0])
    backlog_from = ledger.backlog_from if ledger.backlog_from and ledger.backlog_from < window_start else None
    for day in owed:
        candidate = date.fromisoformat(day)
        backlog_from = candidate if backlog_from is None or candidate < backlog_from else backlog_from
    ledger.backlog_from = backlog_from
    if backlog_from is None:
        ledger.retain_from = None
    elif ledger.retain_from is None or window_start < ledger.retain_from:
        ledger.retain_from = window_start
    horizon = _today(context) - timedelta(days=settings.lookback_days + 1)
    pruned = ledger.prune(horizon)
    Variable.set(ledger_mod.LEDGER_VARIABLE, ledger.dumps())
    outcomes: dict[str, int] = {}
    for r in results:
        outcomes[r["outcome"]] = outcomes.get(r["outcome"], 0) + 1
    report = {
        "archived": outcomes.get("archived", 0), "already_archived": outcomes.get("already_archived", 0),
        "tag_repaired": outcomes.get("tag_repaired", 0), "failed": len(failed), "ledger_added": added,
        "ledger_pruned": pruned, "ledger_size": len(ledger.files), "ledger_rebuilt_from_s3": len(rebuilt),
        "backlog_from": backlog_from.isoformat() if backlog_from else None,
    }  # fmt: skip
    log.info("Ledger updated: %s", report)
    if failed:
        raise AirflowFailException(
            f"{len(failed)} of {len(summary['planned'])} files failed and will be retried by the next run: "
            + ", ".join(fid for fid, _ in failed[:20])
        )
    if not summary["planned"]:
        raise AirflowSkipException("Nothing was archived in this run")
    return report
