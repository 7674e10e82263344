"""Dates: inclusive UTC date ranges and their algebra, and which meeting dates a run lists (trigger dates
``from_date``/``to_date``, UTC, inclusive, or the look-back plus the owed work, or a backfill interval)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

from zoom_archiver.errors import ConfigurationError


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
