"""What the archive page shows, computed from what it read (:class:`PageInputs`): plain values, no I/O.

Each figure says where it comes from: files and bytes by day from the ledger (its ``archived`` ids by archive date,
and the sizes of the bytes each run streamed); by type and by host from the run reports of the archive runs the
metadata DB still holds; owed work from the ledger and the latest run report (:func:`read_owed`, the one place that
will also read the drain's plan); deadlines from the reclaim record (Zoom empties its trash 30 days after a file is
trashed); webhook deliveries from the runs of the webhook DAG and the receivers' counts in Airflow's audit log.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from zoom_archiver.audit.report import verdict as audit_verdict
from zoom_archiver.ledger import Ledger
from zoom_archiver.reclaim.record import ReclaimRecord

#: Zoom keeps a trashed file this many days, then deletes it for good.
ZOOM_TRASH_DAYS = 30
#: Days of the by-day table, and of the archiving pace.
DAYS_SHOWN = 14
PACE_DAYS = 7
#: Rows of the by-host table and of the deadlines (the rest summed up / left out).
MAX_ROWS = 20


@dataclass(frozen=True)
class RunInfo:
    """One DAG run as the page needs it (``report``: the archive run's report, the audit's summary, or ``None``)."""

    dag_id: str
    run_id: str
    state: str
    start: datetime | None
    report: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class PageInputs:
    ledger: Ledger
    reclaim: ReclaimRecord
    archive_runs: Sequence[RunInfo]  # newest first, with their run reports
    webhook_runs: Sequence[RunInfo]  # of the last day
    audit: RunInfo | None  # the latest audit run, its summary as report
    reclaim_next: datetime | None
    now: datetime
    plan_deadlines: Sequence[Deadline] = ()
    deliveries: Mapping[str, int] = field(default_factory=dict)  # of the last day, by outcome (the audit log)


@dataclass(frozen=True)
class Tally:
    name: str
    files: int
    bytes: int
    runs: int = 0


@dataclass(frozen=True)
class Deadline:
    at: datetime
    what: str
    file_id: str


@dataclass(frozen=True)
class OwedWork:
    ranges: list[tuple[date, date]]
    days: int
    failing: int
    backlog_files: int
    backlog_run: str | None
    pace_per_day: float
    estimated_end: date | None


@dataclass(frozen=True)
class ArchivePage:
    files: int
    bytes: int
    by_day: list[Tally]
    by_type: list[Tally]
    by_host: list[Tally]
    runs_reported: int
    owed: OwedWork
    deadlines: list[Deadline]
    quarantine: list[dict[str, str]]
    reclaim: dict[str, Any]
    audit: dict[str, Any] | None
    webhooks: dict[str, Any]
    built_at: datetime
    notes: list[str] = field(default_factory=list)


def build_page(inputs: PageInputs) -> ArchivePage:
    ledger, today = inputs.ledger, inputs.now.date()
    by_day = ledger_by_day(ledger)
    return ArchivePage(
        files=len(ledger.archived),
        bytes=sum(size for _, size in ledger.hashes.values()),
        by_day=[by_day[day] for day in sorted(by_day, reverse=True)[:DAYS_SHOWN]],
        by_type=report_tally(inputs.archive_runs, "by_type"),
        by_host=report_tally(inputs.archive_runs, "by_host")[:MAX_ROWS],
        runs_reported=sum(1 for run in inputs.archive_runs if run.report),
        owed=read_owed(ledger, inputs.archive_runs, today),
        deadlines=read_deadlines(inputs.reclaim, inputs.plan_deadlines)[:MAX_ROWS],
        quarantine=quarantine_rows(ledger),
        reclaim=reclaim_totals(inputs.reclaim, inputs.reclaim_next),
        audit=audit_outcome(inputs.audit),
        webhooks=webhook_deliveries(inputs.webhook_runs, inputs.now, inputs.deliveries),
        built_at=inputs.now,
    )


def ledger_by_day(ledger: Ledger) -> dict[str, Tally]:
    """Files (and the bytes the runs streamed) by the date they were archived."""
    files: Counter[str] = Counter()
    sizes: Counter[str] = Counter()
    for file_id, day in ledger.archived.items():
        key = day.isoformat()
        files[key] += 1
        if file_id in ledger.hashes:
            sizes[key] += ledger.hashes[file_id][1]
    return {day: Tally(day, files[day], sizes[day]) for day in files}


def report_tally(runs: Sequence[RunInfo], table: str) -> list[Tally]:
    """The sum of the run reports' ``by_type``/``by_host`` tables (files and bytes archived, runs that did)."""
    files: Counter[str] = Counter()
    sizes: Counter[str] = Counter()
    runs_of: Counter[str] = Counter()
    for run in runs:
        rows = (run.report or {}).get(table)
        for name, row in rows.items() if isinstance(rows, Mapping) else ():
            files[name] += int(row.get("files") or 0)
            sizes[name] += int(row.get("bytes") or 0)
            runs_of[name] += 1
    return sorted((Tally(n, files[n], sizes[n], runs_of[n]) for n in files), key=lambda t: (-t.bytes, t.name))


def read_owed(ledger: Ledger, runs: Sequence[RunInfo], today: date) -> OwedWork:
    """The work still owed: the ledger's owed date ranges and failing files, the files the latest run left for
    later, the pace (files archived a day over the last week) and when, at that pace, the backlog is done."""
    latest = next((run for run in runs if run.report), None)
    backlog = int((latest.report or {}).get("backlog_files") or 0) if latest else 0
    since = today - timedelta(days=PACE_DAYS - 1)
    recent = sum(1 for day in ledger.archived.values() if day >= since)
    pace = recent / PACE_DAYS
    end = today + timedelta(days=math.ceil(backlog / pace)) if backlog and pace else None
    return OwedWork(
        ranges=list(ledger.owed),
        days=sum((b - a).days + 1 for a, b in ledger.owed),
        failing=len(ledger.failures),
        backlog_files=backlog,
        backlog_run=latest.run_id if latest else None,
        pace_per_day=round(pace, 1),
        estimated_end=end,
    )


def read_deadlines(reclaim: ReclaimRecord, planned: Sequence[Deadline] = ()) -> list[Deadline]:
    """Zoom's deletion deadlines known today, nearest first: files our reclaim trashed leave Zoom's trash for good
    :data:`ZOOM_TRASH_DAYS` after; ``planned``: the deadlines of the owed work (none known yet)."""
    found = list(planned)
    for file_id, entry in reclaim.trashed.items():
        try:
            at = datetime.fromisoformat(str(entry.get("at")))
        except ValueError:
            continue
        found.append(Deadline(at + timedelta(days=ZOOM_TRASH_DAYS), "deleted from Zoom's trash", file_id))
    return sorted(found, key=lambda d: (d.at, d.file_id))


def quarantine_rows(ledger: Ledger) -> list[dict[str, str]]:
    rows = [
        {
            "file_id": file_id,
            "since": str(entry.get("since", "")),
            "day": str(entry.get("day", "")),
            "key": str(entry.get("key", "")),
            "reason": str(entry.get("reason", "")),
        }
        for file_id, entry in ledger.quarantine.items()
    ]
    return sorted(rows, key=lambda r: (r["since"], r["file_id"]), reverse=True)


def reclaim_totals(record: ReclaimRecord, next_due: datetime | None) -> dict[str, Any]:
    meetings = {str(entry.get("meeting")) for entry in record.trashed.values() if entry.get("meeting")}
    return {
        "files": record.totals.get("files", 0),
        "bytes": record.totals.get("bytes", 0),
        "meetings_recent": len(meetings),
        "next_due": next_due,
    }


def audit_outcome(run: RunInfo | None) -> dict[str, Any] | None:
    """The latest audit: passed or why not (:func:`zoom_archiver.audit.report.verdict`), its run and report."""
    if run is None:
        return None
    summary = run.report
    if not summary or "counts" not in summary:
        return {"run_id": run.run_id, "state": run.state, "passed": None, "reason": "no summary", "report": None}
    reason = audit_verdict(dict(summary))
    return {
        "run_id": run.run_id,
        "state": run.state,
        "passed": reason is None,
        "reason": reason,
        "range": f"{summary.get('from_date')}..{summary.get('to_date')}",
        "intact": int(summary["counts"].get("intact") or 0),
        "report": summary.get("report_json"),
    }


def webhook_deliveries(runs: Sequence[RunInfo], now: datetime, counted: Mapping[str, int]) -> dict[str, Any]:
    """Deliveries of the last day: accepted (each queued one run of the webhook DAG: the runs, by state), and the
    duplicates, refused and unavailable (503) ones the receivers counted."""
    since = now - timedelta(days=1)
    recent = [run for run in runs if run.start is None or run.start >= since]
    return {
        "accepted": len(recent),
        "by_state": dict(Counter(run.state for run in recent)),
        **{outcome: int(counted.get(outcome, 0)) for outcome in ("duplicate", "refused", "unavailable")},
    }


def release_conf(ledger: Ledger, file_id: str) -> dict[str, Any]:
    """The conf of a run that releases ``file_id`` (``all``: every quarantined file) from quarantine: the
    ``release_quarantine`` param, and the meeting dates that reach the released files (the look-back may not)."""
    if file_id == "all":
        released = dict(ledger.quarantine)
    elif file_id in ledger.quarantine:
        released = {file_id: ledger.quarantine[file_id]}
    else:
        raise ValueError(f"{file_id or 'no file id'} is not in quarantine")
    if not released:
        raise ValueError("nothing is in quarantine")
    days = sorted(day for entry in released.values() if _is_date(day := str(entry.get("day", ""))))
    conf: dict[str, Any] = {"release_quarantine": [file_id]}
    if days:
        conf["from_date"], conf["to_date"] = days[0], days[-1]
    return conf


def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True
