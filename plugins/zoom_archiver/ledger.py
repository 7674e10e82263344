"""The ledger: what is archived, what is still owed, and what is quarantined; kept in the Variable
``zoom_archive_ledger``, with all its rules.

It is an index, not the truth: S3 is. A file the ledger does not know is checked against S3 before it is mapped
(:func:`find_in_s3`), so a lost, pruned or corrupt ledger costs HEAD requests, never a download. Only the DAG's
``commit`` task writes it, once per run (:meth:`Ledger.record_run`); the DAG lets one ``commit`` run at a time
across all runs (Airflow Variables have no locking), and each reads the Variable afresh, so no update is lost.

Format (JSON, version 2)::

    {"version": 2,
     "archived": {"<archive date YYYY-MM-DD>": ["<zoom file id>", ...], ...},
     "owed": [["YYYY-MM-DD", "YYYY-MM-DD"], ...],
     "failures": {"<file id>": {"runs": 2, "day": "<meeting date>", "error": "..."}},
     "quarantine": {"<file id>": {"since": "YYYY-MM-DD", "day": "<meeting date>", "key": "...", "reason": "..."}},
     "hashes": {"<file id>": "<sha256 hex>:<size>"}}

* ``archived``: every file archived (or found in S3) within the retention, grouped by the date it was archived;
  an entry is pruned ``retention_days`` after that date, whatever the meeting's date, so a backfill is remembered.
* ``owed``: meeting-date ranges that must be listed again (the cap's backlog, failed files, files still
  processing, a user whose listing failed). Scheduled runs list them besides the look-back, oldest first; only a
  run that listed a range unfiltered and finished every file of it clears it.
* ``failures``: runs in which a file failed; after ``quarantine_after`` runs, or at once for a permanent error,
  the file moves to ``quarantine``: it is no longer mapped, owed or alerted on until a run releases it.
* ``hashes``: the SHA-256 and size of the bytes a run streamed from Zoom into S3, computed in flight when the file
  was archived (never read from a tag): by this run's ``commit``, or, for a file another run streamed (a webhook
  run), from the archive-time hash its ``publish`` kept in the meeting's manifest (:meth:`Ledger.record_found_hashes`).
  What the reclaim and the audit prove a stored copy against. Kept as long as the file's ``archived`` entry
  (optional: ledgers without it stay valid).

Version 1 (``files``: id → meeting date, ``backlog_from``) is read and migrated.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from zoom_archiver.dates import DateRange, merge_ranges, subtract_ranges

log = logging.getLogger(__name__)

LEDGER_VARIABLE = "zoom_archive_ledger"
LEDGER_VERSION = 2
#: A failure's error text kept in the ledger (it is also in the task's log, whole).
MAX_ERROR_CHARS = 200


@dataclass
class Ledger:
    """Archived file ids (with the date they were archived), owed date ranges, failure counts, quarantine."""

    archived: dict[str, date] = field(default_factory=dict)
    owed: list[DateRange] = field(default_factory=list)
    failures: dict[str, dict[str, Any]] = field(default_factory=dict)
    quarantine: dict[str, dict[str, Any]] = field(default_factory=dict)
    hashes: dict[str, tuple[str, int]] = field(default_factory=dict)

    def __contains__(self, file_id: str) -> bool:
        return file_id in self.archived

    def unhashed(self, file_id: str) -> bool:
        """Whether ``file_id`` is recorded as archived without its archive-time hash."""
        return file_id in self.archived and file_id not in self.hashes

    def add(self, file_ids: Iterable[str], today: date) -> int:
        """Record ``file_ids`` as archived ``today`` (an id already known keeps its date); how many were new."""
        added = 0
        for file_id in file_ids:
            if file_id not in self.archived:
                self.archived[file_id] = today
                added += 1
            self.failures.pop(file_id, None)
            self.quarantine.pop(file_id, None)
        return added

    def prune(self, today: date, retention_days: int) -> int:
        """Drop entries archived more than ``retention_days`` ago (S3 still answers for them)."""
        horizon = today - timedelta(days=retention_days)
        stale = [file_id for file_id, day in self.archived.items() if day < horizon]
        for file_id in stale:
            del self.archived[file_id]
            self.hashes.pop(file_id, None)
        return len(stale)

    def record_hashes(self, results: Iterable[Mapping[str, Any]]) -> int:
        """Keep the SHA-256 and size of files this run streamed from Zoom (``outcome`` ``archived``) as archive-time
        proof. A copy found in S3 or re-tagged from its stored bytes proves nothing about Zoom's bytes: skipped."""
        kept = 0
        for result in results:
            sha, size = str(result.get("sha256") or ""), result.get("size")
            if result.get("outcome") == "archived" and len(sha) == 64 and isinstance(size, int):
                self.hashes[str(result["file_id"])] = (sha.lower(), size)
                kept += 1
        return kept

    def record_found_hashes(self, found: Mapping[str, str]) -> int:
        """Keep the archive-time hashes that another run streamed (``"<sha256 hex>:<size>"`` by file id, as the
        manifests keep them) for files this ledger has no hash of; a hash recorded already is never replaced."""
        fresh = {fid: value for fid, value in load_hashes(found).items() if fid not in self.hashes}
        self.hashes.update(fresh)
        return len(fresh)

    def dumps(self) -> str:
        by_day: dict[str, list[str]] = {}
        for file_id, day in sorted(self.archived.items(), key=lambda item: (item[1], item[0])):
            by_day.setdefault(day.isoformat(), []).append(file_id)
        return json.dumps(
            {
                "version": LEDGER_VERSION,
                "archived": by_day,
                "owed": [[start.isoformat(), end.isoformat()] for start, end in merge_ranges(self.owed)],
                "failures": dict(sorted(self.failures.items())),
                "quarantine": dict(sorted(self.quarantine.items())),
                "hashes": dump_hashes(self.hashes),
            },
            separators=(",", ":"),
            ensure_ascii=False,
        )

    def record_run(self, run: RunRecord, *, today: date, retention_days: int, quarantine_after: int) -> LedgerUpdate:
        """Record what one run did: the whole commit, in memory (see the module's docstring for the rules)."""
        added = self.add([file_id for file_id, _ in (*run.archived, *run.rebuilt)], today)
        for file_id in run.released:
            self.quarantine.pop(file_id, None)
            self.failures.pop(file_id, None)
        done = {file_id for file_id, _ in run.archived}
        failed = [(file_id, day) for file_id, day in run.planned if file_id not in done]
        newly: list[str] = []
        for file_id, day in failed:
            if self._count_failure(file_id, day, run.failures.get(file_id, {}), quarantine_after, today):
                newly.append(file_id)
        still_owed = [day for (fid, day) in failed if fid not in self.quarantine] + list(run.leftover_days)
        self.owed = subtract_ranges(self.owed, run.covered)
        self.owed = merge_ranges([*self.owed, *run.owed, *((date.fromisoformat(d),) * 2 for d in still_owed)])
        pruned = self.prune(today, retention_days)
        return LedgerUpdate(added=added, pruned=pruned, failed=failed, quarantined=newly)

    def _count_failure(
        self, file_id: str, day: str, failure: Mapping[str, Any], quarantine_after: int, today: date
    ) -> bool:
        """Count one more failed run of ``file_id``; True when this quarantines it."""
        entry = self.failures.setdefault(file_id, {"runs": 0, "day": day, "error": ""})
        entry["runs"] += 1
        entry["error"] = str(failure.get("error") or "the archive task did not finish")[:MAX_ERROR_CHARS]
        if not failure.get("permanent") and entry["runs"] < quarantine_after:
            return False
        cause = "permanent error" if failure.get("permanent") else f"failed in {entry['runs']} runs"
        reason = f"{cause}: {entry['error']}"[:MAX_ERROR_CHARS]
        key = str(failure.get("key") or "")
        self.quarantine[file_id] = {"since": today.isoformat(), "day": day, "key": key, "reason": reason}
        del self.failures[file_id]
        return True


@dataclass(frozen=True)
class RunRecord:
    """What one run did, as :meth:`Ledger.record_run` needs it (file ids with their meeting dates).

    :param covered: ranges the run listed completely and unfiltered: the owed work there is done, except...
    :param leftover_days: ...the meeting dates of files left for later (the cap's backlog, still processing).
    :param owed: ranges to list again (a user's listing failed).
    :param failures: file id → ``{"permanent", "error", "key"}`` of the archive tasks that failed.
    :param released: quarantined files the run was asked to try again.
    """

    planned: Sequence[tuple[str, str]] = ()
    archived: Sequence[tuple[str, str]] = ()
    rebuilt: Sequence[tuple[str, str]] = ()
    covered: Sequence[DateRange] = ()
    leftover_days: Sequence[str] = ()
    owed: Sequence[DateRange] = ()
    failures: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    released: Sequence[str] = ()


@dataclass(frozen=True)
class LedgerUpdate:
    """What recording a run changed: entries added and pruned, the planned files that were not archived, and those
    of them that entered quarantine with this run."""

    added: int
    pruned: int
    failed: list[tuple[str, str]]
    quarantined: list[str] = field(default_factory=list)


def read_ledger(get: Callable[..., Any] | None = None, *, today: date | None = None) -> tuple[Ledger, str | None]:
    """The ledger from its Variable, and a warning when it was missing or unreadable (then it is empty)."""
    if get is None:
        from airflow.sdk import Variable

        get = Variable.get
    ledger, warning = loads(get(LEDGER_VARIABLE, default=None), today=today or date.today())
    if warning:
        log.warning("%s (S3 stays the truth: files already there are not downloaded again)", warning)
    return ledger, warning


def write_ledger(ledger: Ledger, set_: Callable[[str, str], Any] | None = None) -> None:
    """Store the ledger in its Variable."""
    if set_ is None:
        from airflow.sdk import Variable

        set_ = Variable.set
    set_(LEDGER_VARIABLE, ledger.dumps())


def loads(raw: Any, *, today: date) -> tuple[Ledger, str | None]:
    """Parse the Variable's value. Returns the ledger and, when it had to be rebuilt, a warning to log."""
    if raw is None or raw == "":
        return Ledger(), "ledger Variable zoom_archive_ledger is missing; starting an empty one"
    try:
        data = json.loads(raw) if isinstance(raw, str | bytes) else raw
    except ValueError:
        return Ledger(), "ledger Variable zoom_archive_ledger holds invalid JSON; rebuilding it"
    if isinstance(data, Mapping) and isinstance(data.get("files"), Mapping):
        return _from_v1(data, today)
    if not isinstance(data, Mapping) or not isinstance(data.get("archived"), Mapping):
        return Ledger(), "ledger Variable zoom_archive_ledger has an unknown shape; rebuilding it"
    archived: dict[str, date] = {}
    dropped = 0
    for day, ids in data["archived"].items():
        parsed = _date(day)
        if parsed is None or not isinstance(ids, list):
            dropped += 1
            continue
        archived.update((str(file_id), parsed) for file_id in ids)
    ledger = Ledger(
        archived,
        _ranges(data.get("owed")),
        _entries(data.get("failures")),
        _entries(data.get("quarantine")),
        load_hashes(data.get("hashes")),
    )
    return ledger, (f"ledger had {dropped} malformed entries; dropped them" if dropped else None)


def _from_v1(data: Mapping[str, Any], today: date) -> tuple[Ledger, str | None]:
    """A version-1 ledger: its ids count as archived today; its backlog is owed from its date to today."""
    files = {str(k): today for k, v in data["files"].items() if isinstance(v, str)}
    dropped = len(data["files"]) - len(files)
    backlog = _date(data.get("backlog_from"))
    ledger = Ledger(files, [(backlog, today)] if backlog else [])
    return ledger, (f"ledger had {dropped} malformed entries; dropped them" if dropped else None)


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _ranges(value: Any) -> list[DateRange]:
    ranges: list[DateRange] = []
    for pair in value if isinstance(value, list) else []:
        start, end = (_date(pair[0]), _date(pair[1])) if isinstance(pair, list) and len(pair) == 2 else (None, None)
        if start is not None and end is not None:
            ranges.append((start, end))
    return merge_ranges(ranges)


def _entries(value: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(value, Mapping):
        return {}
    return {str(k): dict(v) for k, v in value.items() if isinstance(v, Mapping)}


def dump_hashes(hashes: Mapping[str, tuple[str, int]]) -> dict[str, str]:
    """Archive-time hashes as they are stored: file id -> ``"<sha256 hex>:<size>"``, sorted by file id."""
    return {file_id: f"{sha}:{size}" for file_id, (sha, size) in sorted(hashes.items())}


def load_hashes(value: Any) -> dict[str, tuple[str, int]]:
    """Stored archive-time hashes (:func:`dump_hashes`); a malformed entry is dropped (that file is then not proven)."""
    out: dict[str, tuple[str, int]] = {}
    for file_id, entry in value.items() if isinstance(value, Mapping) else ():
        sha, _, size = str(entry).partition(":")
        if len(sha) == 64 and size.isdigit():
            out[str(file_id)] = (sha.lower(), int(size))
    return out
