"""The bodies of the DAG's tasks: glue between Airflow (context, params, XCom) and the package.

The DAG file imports this module inside its tasks only, so parsing stays cheap. Every body runs under
:func:`airflow_errors`, the one translation of our errors into Airflow's.

* :func:`discover` lists recordings, plans the files and returns the new ones with a summary for ``commit``;
* :func:`archive` archives one file;
* :func:`commit` records what was archived in the ledger, once per run, and fails the run if any file failed;
* :func:`housekeeping` aborts multipart uploads a killed task left behind.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, ParamSpec, TypeVar

import pendulum
from airflow.sdk import conf, get_current_context
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

from zoom_archiver import ledger as ledger_mod
from zoom_archiver.discovery import RunRequest
from zoom_archiver.errors import ZoomArchiverError
from zoom_archiver.notifications.archive_failure import FILE_CONTEXT_KEY
from zoom_archiver.planning import Filters
from zoom_archiver.settings import ArchiveSettings, load_settings
from zoom_archiver.windows import resolve_window

log = logging.getLogger(__name__)

#: The XCom key of ``discover``'s summary for ``commit`` (its return value is the files ``archive`` maps over;
#: Airflow maps over return values only). The DAG wires it: ``commit(..., found["plan_summary"])``.
SUMMARY_KEY = "plan_summary"

P = ParamSpec("P")
R = TypeVar("R")


def airflow_errors(body: Callable[P, R]) -> Callable[P, R]:
    """Run a task body; a permanent error of ours fails the task without Airflow retries, any other is raised."""

    @functools.wraps(body)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return body(*args, **kwargs)
        except ZoomArchiverError as exc:
            if exc.permanent:
                raise AirflowFailException(f"{type(exc).__name__}: {exc}") from None
            raise

    return run


def _today(context: dict[str, Any]) -> date:
    """The run's 'today' in UTC: its data interval end for scheduled runs, else now."""
    moment = context.get("data_interval_end") or pendulum.now("UTC")
    return pendulum.instance(moment).in_timezone("UTC").date()


def _bucket(settings: ArchiveSettings) -> Any:
    from airflow.providers.amazon.aws.hooks.s3 import S3Hook

    from zoom_archiver.s3 import ArchiveBucket

    return ArchiveBucket(S3Hook(aws_conn_id=settings.aws_conn_id).get_conn(), settings.bucket)


def _rebuild_source(settings: ArchiveSettings) -> Any:
    try:
        return _bucket(settings)
    except Exception as exc:
        log.warning("Cannot rebuild the ledger from S3 (%s); every archive task checks S3 itself", type(exc).__name__)
        return None


@airflow_errors
def discover(params: dict[str, Any], context: dict[str, Any]) -> list[dict[str, Any]]:
    """List every user's recordings in the window; return the files to archive this run (the summary for
    ``commit`` is its ``plan_summary`` XCom)."""
    from zoom_archiver.discovery import discover as run_discovery
    from zoom_archiver.hooks.zoom import ZoomHook

    settings = load_settings()
    ledger, ledger_lost = ledger_mod.read_ledger()
    request = _run_request(params, context, settings, ledger)
    log.info("Listing Zoom recordings with start dates %s (UTC, inclusive)", request.window)
    hook = ZoomHook(settings.zoom_conn_id)
    rebuild_from = _rebuild_source(settings) if ledger_lost else None
    found = run_discovery(
        hook.get_conn(), settings, request, ledger=ledger, workers=hook.list_workers, rebuild_from=rebuild_from
    )
    if request.dry_run:
        for item in found.files:
            log.info("DRY RUN would archive %s (%s bytes) -> %s", item.label, item.file_size, item.key)
        log.info("DRY RUN: %d files would be archived; nothing was copied", len(found.files))
    files = [] if request.dry_run else [item.to_dict() for item in found.files]
    if not files:
        log.info("Nothing new to archive for %s", request.window)
    context["ti"].xcom_push(key=SUMMARY_KEY, value=found.summary.to_dict())
    return files


def _run_request(
    params: dict[str, Any], context: dict[str, Any], settings: ArchiveSettings, ledger: ledger_mod.Ledger
) -> RunRequest:
    """The trigger's params as a request (a bad date or filter is a :class:`ConfigurationError`)."""
    window = resolve_window(
        params.get("from_date"),
        params.get("to_date"),
        today=_today(context),
        lookback_days=settings.lookback_days,
        backlog_from=ledger.backlog_from,
    )
    return RunRequest(
        window=window,
        filters=Filters.from_params(params.get("file_types"), params.get("user_emails")),
        cap=min(settings.max_files_per_run, conf.getint("core", "max_map_length", fallback=1024)),
        force=bool(params.get("force")),
        dry_run=bool(params.get("dry_run")),
    )


@airflow_errors
def archive(file: dict[str, Any], params: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
    """Archive one file (skipped cheaply when S3 already has it)."""
    from zoom_archiver.archive import archive_file
    from zoom_archiver.hooks.zoom import ZoomHook
    from zoom_archiver.planning import PlannedFile
    from zoom_archiver.s3 import s3_hook_for

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
    result = archive_file(
        planned,
        zoom=ZoomHook(settings.zoom_conn_id),
        s3_hook=s3_hook_for(planned, settings.transfer, settings.aws_conn_id),
        bucket=settings.bucket,
        settings=settings.transfer,
        force=bool(params.get("force")),
    )
    return result.to_dict()


@airflow_errors
def housekeeping(context: dict[str, Any]) -> dict[str, Any]:
    """Abort multipart uploads under the prefix that a killed task left behind (older than the configured age)."""
    settings = load_settings()
    aborted = _bucket(settings).abort_stale_uploads(settings.prefix, max_age=settings.abort_uploads_after)
    return {"aborted_uploads": aborted}


@airflow_errors
def commit(
    results: Sequence[dict[str, Any]], summary: dict[str, Any], params: dict[str, Any], context: dict[str, Any]
) -> dict[str, Any]:
    """Merge the archived files into the ledger in one read-modify-write; fail the run if any file failed."""
    from zoom_archiver.discovery import DiscoverSummary

    plan = DiscoverSummary.from_dict(summary)
    if plan.dry_run:
        log.info("Dry run: the ledger is left untouched")
        return {"dry_run": True, "would_archive": len(plan.planned)}
    settings = load_settings()
    # Only read the mapped results when something was mapped (a skipped map has none to fetch).
    done = [r for r in (results[i] for i in range(len(results))) if r] if plan.planned else []
    ledger, _ = ledger_mod.read_ledger()
    run = plan.run_record([(r["file_id"], r["start_date"]) for r in done])
    update = ledger.record_run(run, today=_today(context), lookback_days=settings.lookback_days)
    ledger_mod.write_ledger(ledger)
    report = _report(done, update, ledger, rebuilt=len(plan.rebuilt))
    log.info("Ledger updated: %s", report)
    if update.failed:
        raise AirflowFailException(
            f"{len(update.failed)} of {len(plan.planned)} files failed and will be retried by the next run: "
            + ", ".join(fid for fid, _ in update.failed[:20])
        )
    if not plan.planned:
        raise AirflowSkipException("Nothing was archived in this run")
    return report


def _report(
    done: Sequence[dict[str, Any]], update: ledger_mod.LedgerUpdate, ledger: ledger_mod.Ledger, *, rebuilt: int
) -> dict[str, Any]:
    outcomes: dict[str, int] = {}
    for r in done:
        outcomes[r["outcome"]] = outcomes.get(r["outcome"], 0) + 1
    return {
        "archived": outcomes.get("archived", 0),
        "already_archived": outcomes.get("already_archived", 0),
        "tag_repaired": outcomes.get("tag_repaired", 0),
        "failed": len(update.failed),
        "ledger_added": update.added,
        "ledger_pruned": update.pruned,
        "ledger_size": len(ledger.files),
        "ledger_rebuilt_from_s3": rebuilt,
        "backlog_from": ledger.backlog_from.isoformat() if ledger.backlog_from else None,
    }
