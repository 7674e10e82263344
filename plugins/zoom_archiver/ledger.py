"""The ledger: which Zoom files are archived, kept in the Variable ``zoom_archive_ledger``, and all its rules.

It is an index, not the truth: S3 is. A lost or corrupt ledger is rebuilt from S3 (:func:`rebuild_from_s3`),
and the HEAD check in the transfer keeps already-archived files from being downloaded again. Only the DAG's
commit task writes it (Airflow Variables have no locking), once per run (:meth:`Ledger.record_run`), and it is
pruned to the look-back horizon so it stays small.

Format (JSON)::

    {"version": 1,
     "files": {"<zoom file id>": "<meeting start date YYYY-MM-DD>", ...},
     "backlog_from": "YYYY-MM-DD" | null,
     "retain_from": "YYYY-MM-DD" | null}

``backlog_from`` is the oldest meeting date a capped run left for later runs: scheduled runs list from there.
``retain_from`` is the start of the window that left it: entries from there on are kept until the backlog is
done, so a capped run's files are never listed as new again (which would stop the backlog from shrinking).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, TypeVar

log = logging.getLogger(__name__)

LEDGER_VARIABLE = "zoom_archive_ledger"
LEDGER_VERSION = 1
T = TypeVar("T")


@dataclass
class Ledger:
    """Archived file ids (with their meeting's start date) and the oldest date still owed to a later run."""

    files: dict[str, str] = field(default_factory=dict)
    backlog_from: date | None = None
    retain_from: date | None = None

    def __contains__(self, file_id: str) -> bool:
        return file_id in self.files

    def merge(self, archived: Iterable[tuple[str, str]]) -> int:
        """Add ``(file_id, start_date)`` pairs; return how many were new."""
        added = 0
        for file_id, start_date in archived:
            if file_id not in self.files:
                added += 1
            self.files[file_id] = start_date
        return added

    def record_run(self, run: RunRecord, *, today: date, lookback_days: int) -> LedgerUpdate:
        """Record what one run archived, move the backlog, and prune: the whole commit, in memory.

        Files the run planned but did not archive are owed: the backlog reaches back to the oldest of them (and
        to the oldest file the run's cap left for later). Entries from the start of the window that left a backlog
        are retained until the backlog is done, so they are never listed as new again.
        """
        added = self.merge([*run.archived, *run.rebuilt])
        done = {file_id for file_id, _ in run.archived}
        failed = [(file_id, day) for file_id, day in run.planned if file_id not in done]
        owed = [date.fromisoformat(day) for _, day in failed]
        if run.backlog_from:
            owed.append(date.fromisoformat(run.backlog_from))
        kept = self.backlog_from if self.backlog_from and self.backlog_from < run.window_start else None
        self.backlog_from = min([*owed, *([kept] if kept else [])], default=None)
        if self.backlog_from is None:
            self.retain_from = None
        elif self.retain_from is None or run.window_start < self.retain_from:
            self.retain_from = run.window_start
        pruned = self.prune(today - timedelta(days=lookback_days + 1))
        return LedgerUpdate(added=added, pruned=pruned, failed=failed)

    def prune(self, horizon: date) -> int:
        """Drop entries whose meeting started before ``horizon`` (kept while a backlog reaches further back)."""
        for keep in (self.backlog_from, self.retain_from):
            if keep is not None and keep < horizon:
                horizon = keep
        cutoff = horizon.isoformat()
        stale = [file_id for file_id, day in self.files.items() if day < cutoff]
        for file_id in stale:
            del self.files[file_id]
        return len(stale)

    def dumps(self) -> str:
        return json.dumps(
            {
                "version": LEDGER_VERSION,
                "files": dict(sorted(self.files.items())),
                "backlog_from": self.backlog_from.isoformat() if self.backlog_from else None,
                "retain_from": self.retain_from.isoformat() if self.retain_from else None,
            },
            separators=(",", ":"),
        )


@dataclass(frozen=True)
class RunRecord:
    """What one run planned and archived, as :meth:`Ledger.record_run` needs it (pairs of file id and date)."""

    window_start: date
    planned: Sequence[tuple[str, str]]
    archived: Sequence[tuple[str, str]]
    rebuilt: Sequence[tuple[str, str]] = ()
    backlog_from: str | None = None


@dataclass(frozen=True)
class LedgerUpdate:
    """What recording a run changed: entries added and pruned, and the planned files that were not archived."""

    added: int
    pruned: int
    failed: list[tuple[str, str]]


def read_ledger(get: Callable[..., Any] | None = None) -> tuple[Ledger, str | None]:
    """The ledger from its Variable, and a warning when it was missing or unreadable (then it is empty)."""
    if get is None:
        from airflow.sdk import Variable

        get = Variable.get
    ledger, warning = loads(get(LEDGER_VARIABLE, default=None))
    if warning:
        log.warning("%s (S3 stays the truth: files already there are not downloaded again)", warning)
    return ledger, warning


def write_ledger(ledger: Ledger, set_: Callable[[str, str], Any] | None = None) -> None:
    """Store the ledger in its Variable."""
    if set_ is None:
        from airflow.sdk import Variable

        set_ = Variable.set
    set_(LEDGER_VARIABLE, ledger.dumps())


def loads(raw: Any) -> tuple[Ledger, str | None]:
    """Parse the Variable's value. Returns the ledger and, when it had to be rebuilt, a warning to log."""
    if raw is None or raw == "":
        return Ledger(), "ledger Variable zoom_archive_ledger is missing; starting an empty one"
    try:
        data = json.loads(raw) if isinstance(raw, (str, bytes)) else raw
    except ValueError:
        return Ledger(), "ledger Variable zoom_archive_ledger holds invalid JSON; rebuilding it"
    if not isinstance(data, Mapping) or not isinstance(data.get("files"), Mapping):
        return Ledger(), "ledger Variable zoom_archive_ledger has an unknown shape; rebuilding it"
    files = {str(k): str(v)[:10] for k, v in data["files"].items() if isinstance(v, str)}
    dropped = len(data["files"]) - len(files)
    warning = f"ledger had {dropped} malformed entries; dropped them" if dropped else None
    return Ledger(files, _date(data.get("backlog_from")), _date(data.get("retain_from"))), warning


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def rebuild_from_s3(
    candidates: Sequence[T], find_existing: Callable[[T], Any], *, workers: int = 8
) -> tuple[list[T], int]:
    """The ``candidates`` S3 already holds, found with ``find_existing`` (the archive's HEAD check on the key:
    same ``zoom-file-id`` and size). Returns them and how many could not be checked (those stay candidates:
    their own archive task checks again before any download).
    """
    found: list[T] = []
    unchecked = 0

    def check(item: T) -> tuple[T, Any, bool]:
        try:
            return item, find_existing(item), True
        except Exception as exc:  # an S3 error, or another file at the key: the archive task reports it
            log.debug("Could not check %r while rebuilding the ledger: %s", getattr(item, "key", item), exc)
            return item, None, False

    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="ledger-rebuild") as pool:
        for item, existing, checked in pool.map(check, candidates):
            if existing is not None:
                found.append(item)
            unchecked += not checked
    return found, unchecked
