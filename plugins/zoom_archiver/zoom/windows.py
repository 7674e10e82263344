"""Zoom's window rule for a recordings listing: at most one calendar month per call (``from`` >= ``to`` - 1 month),
made stricter at run time when Zoom is seen serving less (:class:`WindowRule`)."""

from __future__ import annotations

import calendar
import threading
from datetime import date, timedelta

from zoom_archiver.dates import DateRange, subtract_ranges


def month_before(day: date) -> date:
    """The same day one calendar month earlier, clipped to that month's end (Mar 31 -> Feb 28, or 29 in a leap
    year; Jan 15 -> Dec 15 of the year before)."""
    year, month = (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def served_whole(start: date, end: date, max_days: int | None = None) -> bool:
    """Whether Zoom serves the inclusive range ``[start, end]`` in one listing: ``start`` is at most one calendar
    month before ``end`` (``from=2024-11-05&to=2024-12-05`` was served whole), and at most ``max_days`` long when a
    stricter rule was seen."""
    fits_month = start >= month_before(end)
    return fits_month and (max_days is None or (end - start).days + 1 <= max_days)


def listing_windows(start: date, end: date, max_days: int | None = None) -> list[DateRange]:
    """The fewest windows Zoom serves whole that cover ``[start, end]`` exactly, oldest first: each one reaches
    back from its ``to`` as far as the rule allows (greedy, so no cover has fewer windows)."""
    if end < start:
        raise ValueError(f"window end {end} is before its start {start}")
    windows: list[DateRange] = []
    cursor = end
    while cursor >= start:
        first = max(start, month_before(cursor))
        if max_days is not None:
            first = max(first, cursor - timedelta(days=max_days - 1))
        windows.append((first, cursor))
        cursor = first - timedelta(days=1)
    windows.reverse()
    return windows


class WindowRule:
    """Zoom's window rule as this run knows it, shared by every listing thread: the calendar month, made stricter
    (a number of days) the first time Zoom is seen serving less than a window the month rule allows, so a stricter
    rule on the real service costs one more call, never a day, and later windows are planned to fit it."""

    def __init__(self, max_days: int | None = None) -> None:
        self._lock = threading.Lock()
        self.max_days = max_days

    def windows(self, start: date, end: date) -> list[DateRange]:
        """The windows that cover ``[start, end]`` under the rule known now."""
        return listing_windows(start, end, self.max_days)

    def shortened(self, asked: DateRange, served: DateRange) -> list[DateRange]:
        """The days of ``asked`` Zoom did not serve (``served`` is what it echoed), to be listed again; learns the
        stricter rule from a window cut at its ``from``. Raises ``ValueError`` when the two share no day (Zoom
        answered for other dates: listing them again could loop)."""
        if served[1] < served[0] or served[1] < asked[0] or served[0] > asked[1]:
            raise ValueError(f"Zoom answered for {served[0]}..{served[1]} when asked for {asked[0]}..{asked[1]}")
        missing = subtract_ranges([asked], [served])
        if served[0] > asked[0] and served[1] >= asked[1]:
            days = (served[1] - served[0]).days + 1
            with self._lock:
                self.max_days = days if self.max_days is None else min(self.max_days, days)
        return missing
