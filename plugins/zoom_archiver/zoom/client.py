"""Zoom REST API client: users and cloud-recording listings, with windows, pagination, retries and a rate cap."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote

import requests

from zoom_archiver.dates import DateRange, merge_ranges
from zoom_archiver.errors import ZoomApiError, ZoomRateLimited, ZoomTokenRejected, ZoomTransientError
from zoom_archiver.redaction import safe_url
from zoom_archiver.retries import RETRIES
from zoom_archiver.zoom.auth import S2SToken
from zoom_archiver.zoom.throttling import RateLimiter, api_retrying, parse_retry_after
from zoom_archiver.zoom.windows import WindowRule

log = logging.getLogger(__name__)

#: Zoom's largest page for users and recordings.
PAGE_SIZE = 300
#: Pages one listing may take at most (3 million items at 300 a page): more means Zoom is paging in a loop.
MAX_PAGES = 10_000
#: Users that can own cloud recordings (pending users have no id and no recordings).
USER_STATUSES = ("active", "inactive")


def meeting_path_segment(meeting_uuid: str) -> str:
    """A meeting UUID as a path segment: Zoom requires a UUID that starts with ``/`` or contains ``//`` to be
    double URL-encoded (``/ajXp==`` -> ``%252FajXp%253D%253D``); any other is encoded once."""
    once = quote(meeting_uuid, safe="")
    if meeting_uuid.startswith("/") or "//" in meeting_uuid:
        return quote(once, safe="")
    return once


@dataclass
class ApiStats:
    """What a listing cost: calls made, 429s received, retries."""

    calls: int = 0
    rate_limited: int = 0
    retries: int = 0
    shortened: int = 0  # listings whose window Zoom cut (the left-out days were listed again)


class ZoomClient:
    """A thread-safe client of the Zoom REST API for one Server-to-Server OAuth app.

    :param api_base: API base URL including ``/v2`` (``https://api.zoom.us/v2``).
    :param token: the token manager.
    :param session: HTTP session shared by all calls.
    :param requests_per_second: a fixed client-side cap over all threads (``None`` = no cap), unless ``limiter``.
    :param limiter: the pacing shared by all threads (the hook passes an
        :class:`~zoom_archiver.zoom.throttling.AdaptiveRateLimiter`).
    :param timeout: per-request timeout (connect, read) in seconds.
    :param attempts: attempts per call for 429/5xx/connection errors.
    """

    def __init__(
        self,
        api_base: str,
        token: S2SToken,
        *,
        session: requests.Session | None = None,
        requests_per_second: float | None = None,
        limiter: RateLimiter | None = None,
        timeout: float = 30.0,
        attempts: int = RETRIES.api_attempts,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.api_base = api_base.rstrip("/")
        self.token = token
        self.session = session or requests.Session()
        self.limiter = limiter or RateLimiter(requests_per_second)
        self.timeout = timeout
        self.attempts = attempts
        self._sleep = sleep
        self.stats = ApiStats()
        self.window_rule = WindowRule()

    # -- low level -------------------------------------------------------------------------------------
    def get(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """GET ``path`` (relative to the API base) and return its JSON object, retrying what can be retried."""
        retrying = api_retrying(attempts=self.attempts, sleep=self._sleep) if self._sleep else None
        for attempt in retrying or api_retrying(attempts=self.attempts):
            with attempt:
                if attempt.retry_state.attempt_number > 1:
                    self.stats.retries += 1
                return self._get_once(path, params)
        raise AssertionError("unreachable")  # pragma: no cover

    def _get_once(self, path: str, params: dict[str, Any] | None) -> dict[str, Any]:
        url = f"{self.api_base}/{path.lstrip('/')}"
        for refreshed in (False, True):
            token = self.token.get()
            self.limiter.acquire()
            self.stats.calls += 1
            try:
                response = self.session.get(
                    url, params=params, headers={"Authorization": f"Bearer {token}"}, timeout=self.timeout
                )
            except requests.RequestException as exc:
                raise ZoomTransientError(f"GET {safe_url(url)} failed: {type(exc).__name__}") from None
            try:
                return self._parse(response, url)
            except ZoomTokenRejected:
                self.token.invalidate(token)
                if refreshed:
                    raise
                log.info("Zoom rejected the access token (401/124); minting a new one and retrying once")
        raise AssertionError("unreachable")  # pragma: no cover

    def _parse(self, response: requests.Response, url: str) -> dict[str, Any]:
        where = f"GET {safe_url(url)}"
        try:
            body = response.json()
        except ValueError:
            body = None
        code = body.get("code") if isinstance(body, dict) else None
        message = str(body.get("message", ""))[:300] if isinstance(body, dict) else ""
        status = response.status_code
        if status == 429:
            self.stats.rate_limited += 1
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            daily = response.headers.get("X-RateLimit-Type", "").lower().startswith("daily")
            if not daily:
                self.limiter.throttled(retry_after)
            raise ZoomRateLimited(f"{where}: HTTP 429 {message}".strip(), retry_after=retry_after, daily=daily)
        if status >= 500:
            raise ZoomTransientError(f"{where}: HTTP {status}", status=status, code=code)
        if status == 401 or code == 124:
            raise ZoomTokenRejected(f"{where}: access token rejected ({message})", status=status, code=code)
        if status >= 400 or not isinstance(body, dict):
            raise ZoomApiError(
                f"{where}: HTTP {status} code={code} {message or 'non-JSON body'}", status=status, code=code
            )
        # Zoom sometimes answers HTTP 200 with an error body ({"code": 200, "message": "Must have a Pro ..."}).
        if code is not None and "message" in body and len(body) <= 3:
            raise ZoomApiError(f"{where}: Zoom error code={code} {message}", status=status, code=code)
        return body

    def _pages(self, path: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """Yield every page's body. Page tokens expire after 15 minutes, so pages are fetched back to back.

        A page token seen before in this listing (Zoom repeating a page) or more than :data:`MAX_PAGES` pages
        stop the listing with :class:`ZoomApiError` instead of looping for ever.
        """
        params = {**params, "page_size": PAGE_SIZE}
        seen: set[str] = set()
        for _page in range(MAX_PAGES):
            body = self.get(path, params)
            yield body
            next_token = body.get("next_page_token")
            if not next_token:
                return
            if next_token in seen:
                raise ZoomApiError(f"GET {path}: Zoom repeated a page token after {len(seen) + 1} pages; stopping")
            seen.add(next_token)
            params = {**params, "next_page_token": next_token}
        raise ZoomApiError(f"GET {path}: more than {MAX_PAGES} pages; stopping (is Zoom paging in a loop?)")

    @staticmethod
    def _items(path: str, body: dict[str, Any], items_key: str) -> list[Any]:
        items = body.get(items_key)
        if items is None:
            return []
        if not isinstance(items, list):
            raise ZoomApiError(f"GET {path}: '{items_key}' is not a list")
        return items

    def _paginate(self, path: str, params: dict[str, Any], items_key: str) -> Iterator[dict[str, Any]]:
        """Yield the items of every page (see :meth:`_pages`)."""
        for body in self._pages(path, params):
            yield from self._items(path, body, items_key)

    # -- endpoints -------------------------------------------------------------------------------------
    def list_users(self, statuses: tuple[str, ...] = USER_STATUSES) -> list[dict[str, Any]]:
        """Every user with one of ``statuses`` (active AND inactive users own recordings)."""
        users: dict[str, dict[str, Any]] = {}
        for status in statuses:
            for user in self._paginate("users", {"status": status}, "users"):
                if isinstance(user, dict) and isinstance(user.get("id"), str) and user["id"]:
                    users.setdefault(user["id"], user)
        return list(users.values())

    def list_user_recordings(self, user_id: str, start: date, end: date) -> Iterator[dict[str, Any]]:
        """Meetings with cloud recordings of one user whose start date (UTC) is in ``[start, end]``: one call per
        window Zoom serves whole (one calendar month, see :class:`~zoom_archiver.zoom.windows.WindowRule`) and page.
        Each answer's echoed ``from``/``to`` is checked: days Zoom left out are listed at once."""
        path = f"users/{quote(user_id, safe='')}/recordings"
        pending = self.window_rule.windows(start, end)
        while pending:
            asked = pending.pop()
            for page, body in enumerate(self._pages(path, {"from": asked[0].isoformat(), "to": asked[1].isoformat()})):
                if page == 0 and (missing := self._left_out(path, asked, body)):
                    # the left-out days, and the windows still to list, planned again to the rule known now
                    pending = [w for a, b in merge_ranges([*pending, *missing]) for w in self.window_rule.windows(a, b)]
                yield from self._items(path, body, "meetings")

    def _left_out(self, path: str, asked: DateRange, body: dict[str, Any]) -> list[DateRange]:
        """The days of ``asked`` Zoom left out of its answer (its echoed ``from``/``to``), to be listed now."""
        try:
            served = (date.fromisoformat(str(body["from"])), date.fromisoformat(str(body["to"])))
        except (KeyError, ValueError):
            return []  # no echo (or an unreadable one): nothing says the window was cut
        if served == asked:
            return []
        try:
            missing = self.window_rule.shortened(asked, served)
        except ValueError as exc:
            raise ZoomApiError(f"GET {path}: {exc}") from None
        if missing:
            self.stats.shortened += 1
            rule = self.window_rule.max_days
            log.warning(
                "Zoom served %s..%s of the window %s..%s; listing the %d left-out range(s) now%s",
                *served,
                *asked,
                len(missing),
                f" (windows of at most {rule} days from here on)" if rule else "",
            )
        return missing

    def get_meeting_recordings(self, meeting_uuid: str) -> dict[str, Any]:
        """One meeting instance's recordings (``GET /meetings/{uuid}/recordings``, a *Light* API, no paging):
        the meeting with ``host_email``, its ``recording_files`` and ``participant_audio_files``.

        :raises ZoomApiError: 404/3301 when the meeting has no (more) recordings.
        """
        return self.get(f"meetings/{meeting_path_segment(meeting_uuid)}/recordings")

    def trash_recording(self, meeting_uuid: str, recording_id: str) -> None:
        """Move one recording file to Zoom's trash (``DELETE /meetings/{uuid}/recordings/{id}?action=trash``, 204;
        recoverable for 30 days). Never ``action=delete``. Not retried (a 429/5xx raises; the next run tries again).

        :raises ZoomApiError: Zoom refused (e.g. 3303 uncompleted meeting, 3332, 3301 no recording).
        """
        path = f"meetings/{meeting_path_segment(meeting_uuid)}/recordings/{quote(recording_id, safe='')}"
        url = f"{self.api_base}/{path}"
        for refreshed in (False, True):
            token = self.token.get()
            self.limiter.acquire()
            self.stats.calls += 1
            try:
                response = self.session.delete(
                    url, params={"action": "trash"}, headers={"Authorization": f"Bearer {token}"}, timeout=self.timeout
                )
            except requests.RequestException as exc:
                raise ZoomTransientError(f"DELETE {safe_url(url)} failed: {type(exc).__name__}") from None
            if response.status_code in (200, 204) and not response.content.strip():
                return
            try:
                self._parse(response, url)
                return
            except ZoomTokenRejected:
                self.token.invalidate(token)
                if refreshed:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover
