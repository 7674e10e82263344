"""The ledger: which Zoom files are archived, kept in the Variable ``zoom_archive_ledger``.

It is an index, not the truth: S3 is. A lost or corrupt ledger is rebuilt, and the HEAD check in the
transfer keeps already-archived files from being downloaded again. Only the DAG's single commit task writes
it (Airflow Variables have no locking), once per run, and it is pruned to the look-back horizon so it stays
small.

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
from datetime import date
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
