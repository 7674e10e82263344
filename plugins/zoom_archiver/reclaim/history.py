"""The reclaim's walk back through history: besides the recent meetings (the ledger's retention up to the grace),
each run lists one slice of older meetings, just before the last one it walked, so a history archived in one go
(years of recordings, backfilled today) is reclaimed too, a slice a run, whatever its age.

The walk starts below the recent window and moves back :func:`slice_days` a run; it ends, and the next run starts a
new pass from the top, once :data:`EMPTY_DAYS_TO_END` days in a row listed no file (nothing older is left in Zoom:
what we trashed is not listed) or it reaches :data:`FLOOR` (before Zoom's cloud recordings). A slice whose listing
failed for a user is walked again by the next run. The proof and the trash are the recent meetings' (each meeting
proven now against its archive-time hash, read from the manifest when the ledger's retention dropped it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from zoom_archiver.dates import Window

#: No meeting is older than this (Zoom's cloud recording came later).
FLOOR = date(2011, 1, 1)
#: Days in a row without a file that end a pass.
EMPTY_DAYS_TO_END = 366


@dataclass(frozen=True)
class HistoryWalk:
    """Where the walk is: ``cursor`` the oldest meeting date walked in this pass (``None``: a pass starts below the
    recent window), ``empty_days`` walked in a row without a file, ``passes`` completed."""

    cursor: date | None = None
    empty_days: int = 0
    passes: int = 0

    def to_dict(self) -> dict[str, Any]:
        cursor = self.cursor.isoformat() if self.cursor else None
        return {"cursor": cursor, "empty_days": self.empty_days, "passes": self.passes}

    @classmethod
    def from_dict(cls, value: Any) -> HistoryWalk:
        """The stored walk; anything unreadable starts a new pass (it only decides what is listed)."""
        if not isinstance(value, dict):
            return cls()
        try:
            cursor = date.fromisoformat(value["cursor"]) if value.get("cursor") else None
            return cls(cursor, max(0, int(value.get("empty_days", 0))), max(0, int(value.get("passes", 0))))
        except (TypeError, ValueError):
            return cls()


def history_slice(walk: HistoryWalk, recent: Window, days: int) -> Window | None:
    """This run's slice of older meetings (``None``: the walk is off, ``days`` 0)."""
    if days <= 0:
        return None
    top = walk.cursor if walk.cursor is not None and walk.cursor <= recent.start else recent.start
    end = max(FLOOR, top - timedelta(days=1))
    return Window(max(FLOOR, end - timedelta(days=days - 1)), end, scheduled=False)


def advance(walk: HistoryWalk, walked: Window, files: int, *, complete: bool) -> HistoryWalk:
    """The walk after a run listed ``walked`` and found ``files`` in it; a listing that failed for a user
    (``complete`` false) walks the same slice again."""
    if not complete:
        return walk
    length = (walked.end - walked.start).days + 1
    empty = 0 if files else walk.empty_days + length
    if empty >= EMPTY_DAYS_TO_END or walked.start <= FLOOR:
        return HistoryWalk(None, 0, walk.passes + 1)
    return HistoryWalk(walked.start, empty, walk.passes)
