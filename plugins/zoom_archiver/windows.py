"""Which meeting dates a run lists: trigger dates (``from_date``/``to_date``, UTC, inclusive) or the look-back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
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
            return (parsed.astimezone(UTC) if parsed.tzinfo else parsed).date()
        except ValueError:
            pass
    raise ConfigurationError(f"{name} must be a UTC date like 2026-01-31, got {value!r}")


def resolve_window(
    from_date: Any, to_date: Any, *, today: date, lookback_days: int, backlog_from: date | None = None
) -> Window:
    """The dates to list: the trigger's ``from_date``/``to_date`` (inclusive), else the look-back.

    A scheduled run also reaches back to ``backlog_from`` when earlier runs left files behind.
    """
    start = parse_date_param(from_date, "from_date")
    end = parse_date_param(to_date, "to_date")
    if start is None and end is None:
        start = today - timedelta(days=lookback_days)
        if backlog_from is not None and backlog_from < start:
            start = backlog_from
        return Window(start, today, scheduled=True)
    if end is None:
        end = today
    if start is None:
        start = end - timedelta(days=lookback_days)
    if end < start:
        raise ConfigurationError(f"to_date {end} is before from_date {start}")
    return Window(start, end, scheduled=False)
