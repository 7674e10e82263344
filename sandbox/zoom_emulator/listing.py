"""Paging and time windows shared by the Phone, summaries, Clips and account-level listings.

Paging is Zoom's ``next_page_token`` scheme (opaque, 15 minutes, ``""`` on the last page), exactly as the meeting
listing does it (``v2``): a token remembers the query it continues, so later pages need only the token.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import TYPE_CHECKING, Any

from zoom_emulator.httpbase import Request, Response, json_response

if TYPE_CHECKING:
    from zoom_emulator.state import EmulatorState

BAD_TOKEN = {"code": 300, "message": "The next page token is invalid or expired."}


def invalid_field(name: str, message: str = "Invalid field.") -> Response:
    """Zoom's validation error (400, code 300) naming one field."""
    return json_response(
        400, {"code": 300, "message": "Validation Failed.", "errors": [{"field": name, "message": message}]}
    )


@dataclass
class Page:
    """One page to answer: the cursor (the query), the first index, the page size."""

    cursor: dict[str, Any]
    offset: int
    size: int

    def token(self, state: EmulatorState, total: int) -> str:
        """The ``next_page_token`` after this page (``""`` when it is the last)."""
        if self.offset + self.size >= total:
            return ""
        return state.pages.issue({**self.cursor, "offset": self.offset + self.size, "page_size": self.size})

    def count(self, total: int) -> int:
        """``page_count``."""
        return -(-total // self.size) if total else 0


def page(
    state: EmulatorState,
    request: Request,
    kind: str,
    new_cursor: Callable[[], dict[str, Any] | Response],
    *,
    bounds: tuple[int, int] = (1, 300),
    bad_token: dict[str, Any] | None = None,
) -> Page | Response:
    """This request's page: a new listing (``new_cursor()`` reads the query) or the one a token continues.
    ``page_size`` defaults to 30 and is clamped into ``bounds``."""
    text = request.query.get("page_size")
    size = 30
    if text not in (None, ""):
        try:
            size = int(text)
        except ValueError:
            return invalid_field("page_size")
    size = min(max(size, bounds[0]), bounds[1])
    token = request.query.get("next_page_token")
    if not token:
        cursor = new_cursor()
        return cursor if isinstance(cursor, Response) else Page({**cursor, "kind": kind}, 0, size)
    found = state.pages.resolve(token, state.config.page_token_ttl_seconds)
    if found is None or found.get("kind") != kind:
        return json_response(400, bad_token or BAD_TOKEN)
    offset = found.pop("offset")
    if "page_size" not in request.query:
        size = found["page_size"]
    return Page(found, offset, size)


def parse_moment(text: str, end_of_day: bool) -> datetime:
    """``yyyy-mm-dd`` (its first, or with ``end_of_day`` its last second) or ``yyyy-MM-ddTHH:mm:ssZ``;
    raises ``ValueError``."""
    if len(text) == 10:
        day = date.fromisoformat(text)
        moment = datetime.combine(day, time(23, 59, 59) if end_of_day else time(), tzinfo=timezone.utc)
        return moment
    if "T" not in text:
        raise ValueError(text)
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def minus_month(moment: datetime) -> datetime:
    """The same moment one calendar month earlier (clipped to the month's end)."""
    year, month = (moment.year, moment.month - 1) if moment.month > 1 else (moment.year - 1, 12)
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def window(
    request: Request,
    default: tuple[datetime, datetime],
    *,
    widest: Callable[[datetime], datetime] | None = minus_month,
    to_required: bool = False,
) -> tuple[datetime, datetime] | Response:
    """``from``/``to`` (dates or times) with defaults; ``from`` later than ``to`` is a 400; a window wider than
    ``widest(to)`` is silently narrowed (``from`` moved up), as Zoom's meeting listing does."""
    text_from, text_to = request.query.get("from"), request.query.get("to")
    if to_required and text_from and not text_to:
        return invalid_field("to", "The to field is required when from is given.")
    try:
        first = parse_moment(text_from, False) if text_from else default[0]
    except ValueError:
        return invalid_field("from")
    try:
        last = parse_moment(text_to, True) if text_to else default[1]
    except ValueError:
        return invalid_field("to")
    if first > last:
        return invalid_field("from", "The from date should be before the to date.")
    if widest is not None and widest(last) > first:
        first = _whole_days(widest(last), last)
    return first, last


def _whole_days(first: datetime, last: datetime) -> datetime:
    """A narrowed ``from`` for a window ending at the end of a day starts at the next midnight, so that the window
    is whole days and its echoed date is the first day it covers."""
    if last.time() == time(23, 59, 59) and first.time() != time():
        return datetime.combine(first.date() + timedelta(days=1), time(), tzinfo=first.tzinfo)
    return first


def thirty_days(moment: datetime) -> datetime:
    """The narrower of one calendar month and 30 days before ``moment`` (the Phone listings' window)."""
    return max(minus_month(moment), moment - timedelta(days=30))
