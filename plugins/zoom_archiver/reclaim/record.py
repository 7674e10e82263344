"""What the reclaim did, kept in the Variable ``zoom_archive_reclaim``; written only by the ``zoom_recordings_reclaim``
DAG (one run at a time; before each DELETE and after each meeting, so a killed run loses nothing), read by it and
by whoever reports on a meeting (:func:`trashed_in_zoom_at`).

Format (JSON, version 1)::

    {"version": 1,
     "trashed": {"<file id>": {"at": "<UTC ISO time>", "meeting": "<meeting uuid>", "size": 123}},
     "pending": {"<file id>": {"at": "<UTC ISO time>", "meeting": "<meeting uuid>", "size": 123}},
     "recovered": {"<file id>": "<UTC ISO time the reclaim first saw it listed again>"},
     "hashes": {"<file id>": "<sha256 hex>:<size>"},
     "confirmed": ["<file id>"],
     "totals": {"files": 0, "bytes": 0},
     "history": {"cursor": "<oldest meeting date walked>", "empty_days": 0, "passes": 0}}

* ``trashed``: files this archiver moved to Zoom's trash, and when (kept :data:`KEEP_DAYS`: Zoom empties its trash
  after 30 days, a file cannot come back later).
* ``pending``: files whose DELETE was about to be sent (written before it): a run killed mid-trash, or a DELETE
  without an answer, leaves them here. The next run settles them (:meth:`ReclaimRecord.settle_pending`): one Zoom
  no longer lists was trashed (``"unconfirmed": true``); one it lists again is held like a recovered file. A
  pending file is never trashed twice.
* ``recovered``: trashed files that Zoom lists again (someone recovered them). Rule: such a file is not trashed again
  before the grace period has elapsed from the run that first saw it back, and never by that run.
* ``hashes``: the SHA-256 of copies the reclaim repaired (archived again from Zoom, hashed in flight); they take
  precedence over the ledger's archive-time hashes. ``confirmed``: those of them a second witness confirmed (a
  download that matched the copy already stored, not one download written): only these may lead to trashing a file
  Zoom lists without a size. A file's hash is forgotten with its ``trashed`` entry.
* ``totals``: files and bytes trashed since the reclaim was first enabled.
* ``history``: where the walk back through older meetings is (:mod:`zoom_archiver.reclaim.history`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from zoom_archiver.ledger import dump_hashes, load_hashes
from zoom_archiver.reclaim.history import HistoryWalk

log = logging.getLogger(__name__)

RECORD_VARIABLE = "zoom_archive_reclaim"
RECORD_VERSION = 1
#: Days a trashed or recovered entry is kept (Zoom's trash keeps a file 30 days).
KEEP_DAYS = 90


@dataclass
class ReclaimRecord:
    """Trashed and recovered files, repaired copies' hashes, and the running totals."""

    trashed: dict[str, dict[str, Any]] = field(default_factory=dict)
    recovered: dict[str, str] = field(default_factory=dict)
    hashes: dict[str, tuple[str, int]] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=lambda: {"files": 0, "bytes": 0})
    pending: dict[str, dict[str, Any]] = field(default_factory=dict)
    confirmed: set[str] = field(default_factory=set)
    history: HistoryWalk = field(default_factory=HistoryWalk)

    def mark_pending(self, file_id: str, meeting_uuid: str, size: int, at: datetime) -> None:
        """Its DELETE is about to be sent: until answered, it may have been trashed."""
        self.pending[file_id] = {"at": at.isoformat(), "meeting": meeting_uuid, "size": size}

    def clear_pending(self, file_id: str) -> None:
        """Zoom refused its DELETE: it was not trashed."""
        self.pending.pop(file_id, None)

    def mark_trashed(self, file_id: str, meeting_uuid: str, size: int, at: datetime, *, confirmed: bool = True) -> None:
        self.trashed[file_id] = {"at": at.isoformat(), "meeting": meeting_uuid, "size": size}
        if not confirmed:
            self.trashed[file_id]["unconfirmed"] = True
        self.pending.pop(file_id, None)
        self.recovered.pop(file_id, None)
        self.totals["files"] = self.totals.get("files", 0) + 1
        self.totals["bytes"] = self.totals.get("bytes", 0) + size

    def settle_pending(self, listed: Iterable[str], now: datetime) -> list[str]:
        """Settle the files a previous run left pending (killed, or no answer to the DELETE): those Zoom lists again
        are held like recovered files (seen ``now``), the others count as trashed, unconfirmed. Returns those listed."""
        shown = set(listed)
        back = sorted(file_id for file_id in self.pending if file_id in shown)
        for file_id, entry in list(self.pending.items()):
            if file_id in shown:
                self.recovered[file_id] = now.isoformat()
                del self.pending[file_id]
            else:
                at = datetime.fromisoformat(str(entry.get("at") or now.isoformat()))
                size = int(entry.get("size") or 0)
                self.mark_trashed(file_id, str(entry.get("meeting", "")), size, at, confirmed=False)
        return back

    def note_listed(self, file_ids: Iterable[str], now: datetime) -> list[str]:
        """Files Zoom lists again although we trashed them: recovered now (first sight). Returns those new ones."""
        back = [file_id for file_id in file_ids if file_id in self.trashed and file_id not in self.recovered]
        for file_id in back:
            self.recovered[file_id] = now.isoformat()
            del self.trashed[file_id]
        return back

    def trash_hold(self, file_id: str, now: datetime, grace_days: int) -> str | None:
        """Why the reclaim may not trash ``file_id`` now: its DELETE may already have been sent, or it was recovered."""
        if file_id in self.pending:
            return "its DELETE may already have been sent (pending since a run that did not finish): not sent twice"
        return self.recovery_hold(file_id, now, grace_days)

    def recovery_hold(self, file_id: str, now: datetime, grace_days: int) -> str | None:
        """Why a recovered file may not be trashed now (``None``: it may, or it never was recovered)."""
        seen = self.recovered.get(file_id)
        if seen is None:
            return None
        since = datetime.fromisoformat(seen)
        until = since + timedelta(days=grace_days)
        if since >= now or now < until:
            return f"recovered in Zoom (seen {seen}); not trashed again before {until.isoformat()} and a later run"
        return None

    def prune(self, now: datetime) -> None:
        """Forget what is older than :data:`KEEP_DAYS`: trashed files (Zoom's copy is gone for good; their repair
        hashes go with them) and recoveries."""
        horizon = (now - timedelta(days=KEEP_DAYS)).isoformat()
        gone = {k for k, v in self.trashed.items() if str(v.get("at", "")) < horizon}
        self.trashed = {k: v for k, v in self.trashed.items() if k not in gone}
        self.hashes = {k: v for k, v in self.hashes.items() if k not in gone}
        self.recovered = {k: v for k, v in self.recovered.items() if v >= horizon}
        self.confirmed &= set(self.hashes)

    def dumps(self) -> str:
        return json.dumps(
            {
                "version": RECORD_VERSION,
                "trashed": dict(sorted(self.trashed.items())),
                "pending": dict(sorted(self.pending.items())),
                "recovered": dict(sorted(self.recovered.items())),
                "hashes": dump_hashes(self.hashes),
                "confirmed": sorted(self.confirmed),
                "totals": self.totals,
                "history": self.history.to_dict(),
            },
            separators=(",", ":"),
        )


def loads(raw: Any) -> ReclaimRecord:
    """Parse the Variable's value; anything unreadable counts as empty (it only holds back trashing)."""
    try:
        data = json.loads(raw) if isinstance(raw, str | bytes) else raw
    except ValueError:
        data = None
    if not isinstance(data, Mapping):
        if raw not in (None, ""):
            log.warning("Variable %s is unreadable; starting an empty record", RECORD_VARIABLE)
        return ReclaimRecord()
    trashed = {str(k): dict(v) for k, v in _mapping(data.get("trashed")).items() if isinstance(v, Mapping)}
    pending = {str(k): dict(v) for k, v in _mapping(data.get("pending")).items() if isinstance(v, Mapping)}
    confirmed = data.get("confirmed")
    recovered = {str(k): str(v) for k, v in _mapping(data.get("recovered")).items()}
    hashes = load_hashes(data.get("hashes"))
    totals = _mapping(data.get("totals"))
    counts = {
        name: int(totals.get(name, 0)) if str(totals.get(name, 0)).isdigit() else 0 for name in ("files", "bytes")
    }
    kept = {str(c) for c in confirmed} if isinstance(confirmed, list) else set()
    history = HistoryWalk.from_dict(data.get("history"))
    return ReclaimRecord(trashed, recovered, hashes, counts, pending, kept, history)


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def read_record(get: Callable[..., Any] | None = None) -> ReclaimRecord:
    if get is None:
        from airflow.sdk import Variable

        get = Variable.get
    return loads(get(RECORD_VARIABLE, default=None))


def write_record(record: ReclaimRecord, set_: Callable[[str, str], Any] | None = None) -> None:
    if set_ is None:
        from airflow.sdk import Variable

        set_ = Variable.set
    set_(RECORD_VARIABLE, record.dumps())


def trashed_in_zoom_at(file_ids: Iterable[str], get: Callable[..., Any] | None = None) -> dict[str, str]:
    """For a meeting's manifest: ``trashed_in_zoom_at`` (UTC ISO time) of each of ``file_ids`` the reclaim trashed
    (a file never trashed, or recovered since, is absent)."""
    record = read_record(get)
    return {file_id: str(record.trashed[file_id]["at"]) for file_id in file_ids if file_id in record.trashed}
