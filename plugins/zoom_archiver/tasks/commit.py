"""The body of the hourly DAG's ``commit`` task: record the run in the ledger (its one writer), build the run report,
and fail the run when a file or a user's listing failed."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from typing import Any

import pendulum
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

from zoom_archiver import ledger as ledger_mod
from zoom_archiver.discover.summary import DiscoverSummary
from zoom_archiver.model import ArchiveResultDict, FailureDict, Outcome, SummaryDict
from zoom_archiver.publish.report import REPORT_KEY, REPORT_TEXT_KEY, render_report, run_report
from zoom_archiver.settings import load_settings
from zoom_archiver.tasks.common import airflow_errors, run_today, xcom_items

log = logging.getLogger(__name__)


@airflow_errors
def commit(
    results: Sequence[ArchiveResultDict],
    summary: SummaryDict,
    failures: Sequence[FailureDict],
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
    ledger.record_found_hashes(plan.found_hashes)  # ... and of those another run streamed (a webhook run's)
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
    done: Sequence[ArchiveResultDict], ledger_report: dict[str, Any], summary: SummaryDict, context: dict[str, Any]
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
    done: Sequence[ArchiveResultDict], update: ledger_mod.LedgerUpdate, ledger: ledger_mod.Ledger, plan: DiscoverSummary
) -> dict[str, Any]:
    outcomes = Counter(r["outcome"] for r in done)
    return {
        "archived": outcomes[Outcome.ARCHIVED],
        "already_archived": outcomes[Outcome.ALREADY_ARCHIVED] + len(plan.rebuilt),
        "tag_repaired": outcomes[Outcome.TAG_REPAIRED],
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
