"""The emulated clock's bookkeeping: pending auto-delete deadlines and per-day request counters.

The clock itself is ``EmulatorState.now()`` (the real UTC time, on the ``--today`` date when one is pinned, plus
``clock_offset``, which ``POST /_emulator/clock`` moves forward). ``deadlines`` acts on what is due.
"""

from __future__ import annotations

import heapq
import threading
from datetime import date


class DeadlineQueue:
    """Meetings with an ``auto_delete_date``, earliest first. Built lazily from the dataset, refreshed when a
    deadline is set through the control plane; ``pop_due`` hands out each meeting uuid once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._heap: list[tuple[date, str]] | None = None

    def loaded(self) -> bool:
        """Whether the queue was built from the dataset already."""
        return self._heap is not None

    def load(self, entries: list[tuple[date, str]]) -> None:
        """Replace the queue with ``(deadline, meeting uuid)`` entries."""
        with self._lock:
            self._heap = list(entries)
            heapq.heapify(self._heap)

    def push(self, deadline: date, uuid: str) -> None:
        """Add one deadline (a stale entry for the same meeting is ignored when popped)."""
        with self._lock:
            if self._heap is None:
                return  # loaded from the dataset on first use, which already holds this deadline
            heapq.heappush(self._heap, (deadline, uuid))

    def pop_due(self, today: date) -> list[tuple[date, str]]:
        """Every entry whose deadline is ``today`` or earlier (removed from the queue)."""
        with self._lock:
            due: list[tuple[date, str]] = []
            while self._heap and self._heap[0][0] <= today:
                due.append(heapq.heappop(self._heap))
            return due

    def pending(self) -> list[tuple[date, str]]:
        """The remaining entries, earliest first (a copy)."""
        with self._lock:
            return sorted(self._heap or [])


class DailyCounter:
    """Calls per category and emulated UTC day (for Zoom's daily limits)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._day: date | None = None
        self._counts: dict[str, int] = {}

    def allow(self, category: str, day: date, limit: int | None) -> bool:
        """Count one call on ``day``; False (not counted) when ``limit`` calls were already made that day."""
        if limit is None:
            return True
        with self._lock:
            if day != self._day:
                self._day, self._counts = day, {}
            used = self._counts.get(category, 0)
            if used >= limit:
                return False
            self._counts[category] = used + 1
            return True

    def used(self, category: str) -> int:
        """Calls counted today in ``category``."""
        with self._lock:
            return self._counts.get(category, 0)
