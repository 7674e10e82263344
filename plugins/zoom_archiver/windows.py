"""Which meeting dates a run lists: trigger dates (``from_date``/``to_date``, UTC, inclusive) or the look-back."""

from __future__ import annotations

import calendar
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

from zoom_archiver.errors import ConfigurationError


def run_today(context: Mapping[str, Any]) -> date:
    """A run's 'today' in UTC: its data interval's end for scheduled runs, else now."""
    import pendulum

    moment = context.get("data_interval_end") or pendulum.now("UTC")
    return pendulum.instance(moment).in_timezone("UTC").date()


@dataclass(frozen=True)
class Window:
    """An inclusive range of UTC dates; ``scheduled`` when it came from the look-back, not from the trigger."""

    start: date
    end: date
    scheduled: bool = True

    def __str__(self) -> str:
        return f"{self.start.isoformat()}..{self.end.isoformat()}"

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end


def parse_date_param(value: Any, name: str) -> date | None:
    """A trigger date (``YYYY-MM-DD``, UTC) or ``None``; anything else is a clear configuration error."""
    if value in (None, ""):
        return None
    if isinstance(value, str):
        text = value.strip()
        try:
            if len(text) == 10:
                return date.fromisoformat(text)
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
            return (parsed.astimezone(timezone.utc) if parsed.tzinfo else parsed).date()
        except ValueError:
            pass
    raise ConfigurationError(f"{name} must be a UTC date like 2026-01-31, got {value!r}")


def resolve_window(from_date: Any, to_date: Any, *, today: date, lookback_days: int) -> Window:
    """The dates to list: the trigger's ``from_date``/``to_date`` (inclusive), else the look-back."""
    start = parse_date_param(from_date, "from_date")
    end = parse_date_param(to_date, "to_date")
    if start is None and end is None:
        return Window(today - timedelta(days=lookback_days), today, scheduled=True)
    if end is None:
        end = today
    if start is None:
        start = end - timedelta(days=lookback_days)
    if end < start:
        raise ConfigurationError(f"to_date {end} is before from_date {start}")
    return Window(start, end, scheduled=False)


def resolve_windows(
    from_date: Any, to_date: Any, *, today: date, lookback_days: int, owed: Iterable[DateRange] = ()
) -> list[Window]:
    """Every range a run lists, oldest first: the trigger's dates, or the look-back plus the work still owed
    (dates earlier runs could not finish: the cap's backlog, failed files, files still processing)."""
    window = resolve_window(from_date, to_date, today=today, lookback_days=lookback_days)
    if not window.scheduled:
        return [window]
    ranges = merge_ranges([(window.start, window.end), *owed])
    return [Window(start, end, scheduled=True) for start, end in ranges]


def backfill_window(interval_start: datetime, interval_end: datetime) -> Window | None:
    """The dates a backfill run lists: those whose midnight (UTC) falls in its data interval, so an hourly backfill
    lists each date once (in its 00:00 run) and every other run has nothing to list (``None``)."""
    first = interval_start.astimezone(timezone.utc).date()
    if datetime.combine(first, datetime.min.time(), timezone.utc) < interval_start.astimezone(timezone.utc):
        first += timedelta(days=1)
    last = (interval_end.astimezone(timezone.utc) - timedelta(microseconds=1)).date()
    return Window(first, last, scheduled=False) if first <= last else None


DateRange = tuple[date, date]


def merge_ranges(ranges: Iterable[DateRange]) -> list[DateRange]:
    """Inclusive date ranges, sorted, overlapping and adjacent ones joined."""
    merged: list[DateRange] = []
    for start, end in sorted(r for r in ranges if r[0] <= r[1]):
        if merged and start <= merged[-1][1] + timedelta(days=1):
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def subtract_ranges(ranges: Iterable[DateRange], remove: Iterable[DateRange]) -> list[DateRange]:
    """The dates of ``ranges`` that are in none of ``remove`` (inclusive ranges in, merged ranges out)."""
    left = merge_ranges(ranges)
    for cut_start, cut_end in merge_ranges(remove):
        kept: list[DateRange] = []
        for start, end in left:
            if end < cut_start or start > cut_end:
                kept.append((start, end))
                continue
            if start < cut_start:
                kept.append((start, cut_start - timedelta(days=1)))
            if end > cut_end:
                kept.append((cut_end + timedelta(days=1), end))
        left = kept
    return merge_ranges(left)


# -- Zoom's one-month rule for a recordings listing --------------------------------------------------------------
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
