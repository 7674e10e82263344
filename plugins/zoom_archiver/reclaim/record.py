"""What the reclaim did, kept in the Variable ``zoom_archive_reclaim``; written only by the ``zoom_recordings_reclaim``
DAG (one run at a time), read by it and by whoever reports on a meeting (:func:`trashed_in_zoom_at`).

Format (JSON, version 1)::

    {"version": 1,
     "trashed": {"<file id>": {"at": "<UTC ISO time>", "meeting": "<meeting uuid>", "size": 123}},
     "recovered": {"<file id>": "<UTC ISO time the reclaim first saw it listed again>"},
     "hashes": {"<file id>": "<sha256 hex>:<size>"},
     "totals": {"files": 0, "bytes": 0}}

* ``trashed``: files this archiver moved to Zoom's trash, and when (kept :data:`KEEP_DAYS`: Zoom empties its trash
  after 30 days, a file cannot come back later).
* ``recovered``: trashed files that Zoom lists again (someone recovered them). Rule: such a file is not trashed again
  before the grace period has elapsed from the run that first saw it back, and never by that run.
* ``hashes``: the SHA-256 of copies the reclaim repaired (archived again from Zoom, hashed in flight); they take
  precedence over the ledger's archive-time hashes.
* ``totals``: files and bytes trashed since the reclaim was first enabled.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from zoom_archiver.ledger import dump_hashes, load_hashes

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

    def mark_trashed(self, file_id: str, meeting_uuid: str, size: int, at: datetime) -> None:
        self.trashed[file_id] = {"at": at.isoformat(), "meeting": meeting_uuid, "size": size}
        self.recovered.pop(file_id, None)
        self.totals["files"] = self.totals.get("files", 0) + 1
        self.totals["bytes"] = self.totals.get("bytes", 0) + size

    def note_listed(self, file_ids: Iterable[str], now: datetime) -> list[str]:
        """Files Zoom lists again although we trashed them: recovered now (first sight). Returns those new ones."""
        back = [file_id for file_id in file_ids if file_id in self.trashed and file_id not in self.recovered]
        for file_id in back:
            self.recovered[file_id] = now.isoformat()
            del self.trashed[file_id]
        return back

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
        horizon = (now - timedelta(days=KEEP_DAYS)).isoformat()
        self.trashed = {k: v for k, v in self.trashed.items() if str(v.get("at", "")) >= horizon}
        self.recovered = {k: v for k, v in self.recovered.items() if v >= horizon}

    def dumps(self) -> str:
        return json.dumps(
            {
                "version": RECORD_VERSION,
                "trashed": dict(sorted(self.trashed.items())),
                "recovered": dict(sorted(self.recovered.items())),
                "hashes": dump_hashes(self.hashes),
                "totals": self.totals,
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
    recovered = {str(k): str(v) for k, v in _mapping(data.get("recovered")).items()}
    hashes = load_hashes(data.get("hashes"))
    totals = _mapping(data.get("totals"))
    counts = {
        name: int(totals.get(name, 0)) if str(totals.get(name, 0)).isdigit() else 0 for name in ("files", "bytes")
    }
    return ReclaimRecord(trashed, recovered, hashes, counts)


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
