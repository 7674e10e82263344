"""The API listener: routes ``/oauth/token``, ``/v2/...``, ``/rec/...`` and ``/_emulator/...``.

Cross-cutting behaviour lives here: per-request slow-downs, bearer auth on ``/v2``, the account-wide
per-second rate limits per category (list users / list recordings are *medium*, get meeting recordings
*light*) and injected list errors. The routes of the other sources (Phone, summaries, Clips, Rooms, settings,
account-level listing) are in ``extra_routes``; Zoom Phone has its own limits and a daily cap for Heavy calls.
Before each API or download request, auto-delete deadlines reached by the emulated clock are acted on
(``deadlines.sweep``).
"""

from __future__ import annotations

import hashlib
import itertools
import re
import time

from zoom_emulator import control, deadlines, downloads, extra_routes, oauth, phone_api, trash, v2
from zoom_emulator.config import EmulatorConfig
from zoom_emulator.faults import daily_limit_reached, list_error, too_many_requests
from zoom_emulator.httpbase import Request, Response, json_response
from zoom_emulator.state import EmulatorState

_V2_ROUTES: list[tuple[re.Pattern[str], str, str, bool]] = [
    (re.compile(r"/v2/users/?"), "users", "medium", True),
    (re.compile(r"/v2/users/([^/]+)/recordings/?"), "recordings", "medium", True),
    (re.compile(r"/v2/meetings/([^/]+)/recordings/?"), "meeting_recordings", "light", False),
]
_DOWNLOAD = re.compile(r"/rec/download/([^/]+)")
_WEBHOOK_DOWNLOAD = re.compile(r"/rec/webhook_download/([^/]+)/([^/]+)")
_PLAY = re.compile(r"/rec/play/([^/]+)")
_SHARE = re.compile(r"/rec/share/([^/]+)")
NOT_FOUND = {"code": 404, "message": "The requested resource was not found."}


def _match_v2(path: str) -> tuple[str, str, bool, re.Match[str]] | None:
    """(kind, rate category, is a list call, match) for a ``/v2`` path, or ``None``."""
    for pattern, kind, category, is_list in _V2_ROUTES:
        match = pattern.fullmatch(path)
        if match is not None:
            return kind, category, is_list, match
    return None


class ApiApp:
    """The API host's request handler."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state
        self._request_ids = itertools.count(1)

    def __call__(self, request: Request) -> Response:
        """Route one request and count its response status."""
        response = self._route(request)
        rid = hashlib.sha1(f"rid{next(self._request_ids)}".encode(), usedforsecurity=False).hexdigest()
        response.headers.append(("x-zm-trackingid", f"v=2.0;clid=us06;rid=WEB_{rid}"))
        self.state.stats.response(response.status)
        return response

    def _route(self, request: Request) -> Response:
        path = request.raw_path
        if path == "/_emulator" or path.startswith("/_emulator/"):
            return control.handle(self.state, request)
        if path == "/oauth/token":
            return oauth.token_endpoint(self.state, request)
        if path.startswith(("/v2/", "/rec/")) or extra_routes.is_root(path):
            deadlines.sweep(self.state)
        if path.startswith("/v2/"):
            return self._v2(request)
        if path.startswith("/rec/"):
            return self._rec(request)
        extra = extra_routes.match(path) if extra_routes.is_root(path) else None
        if extra is not None:
            return self._extra(request, *extra)
        self.state.stats.request("other")
        return json_response(404, NOT_FOUND)

    def _maybe_slow(self) -> None:
        config = self.state.config
        if self.state.faults.roll(config.slow_response_rate):
            self.state.stats.fault("slow_response")
            time.sleep(config.slow_response_seconds)

    def _v2(self, request: Request) -> Response:
        state = self.state
        if trash.matches(request):  # DELETE a recording file (trash/delete), PUT its status (recover)
            state.stats.request("trash")
            denied = oauth.check_api_auth(state, request)
            return denied if denied is not None else trash.handle(state, request)
        extra = extra_routes.match(request.raw_path)
        if extra is not None:
            return self._extra(request, *extra)
        route = _match_v2(request.raw_path)
        if route is None:
            state.stats.request("other")
            return json_response(404, NOT_FOUND)
        kind, category, is_list, match = route
        state.stats.request(kind)
        self._maybe_slow()
        denied = oauth.check_api_auth(state, request)
        if denied is not None:
            return denied
        if request.method not in ("GET", "HEAD"):
            return json_response(405, {"code": 405, "message": "Method not allowed."})
        config = state.config
        limit = config.rate_limit_per_second.get(category)
        refused = self._refuse(config, category, limit, is_list)
        if refused is not None:
            return refused
        if kind == "users":
            response = v2.list_users(state, request)
        elif kind == "recordings":
            response = v2.list_recordings(state, request, match.group(1))
        else:
            response = v2.meeting_recordings(state, request, match.group(1))
        if limit is not None:
            response.headers += [
                ("X-RateLimit-Category", category.capitalize()),
                ("X-RateLimit-Limit", str(limit)),
                ("X-RateLimit-Remaining", str(state.limiter.remaining(category, limit))),
            ]
        return response

    def _extra(self, request: Request, route: extra_routes.Route, groups: tuple[str, ...]) -> Response:
        """A route of ``extra_routes``: auth, Phone access, rate limits (per second, Phone's daily cap), answer."""
        state = self.state
        state.stats.request(route.kind)
        self._maybe_slow()
        denied = oauth.check_api_auth(state, request)
        if denied is None and request.method not in route.methods:
            denied = json_response(405, {"code": 405, "message": "Method not allowed."})
        if denied is None and route.family == "phone":
            denied = phone_api.access_denied(state, route.scope)
        if denied is not None:
            return denied
        config = state.config
        phone = route.family == "phone"
        limits = config.phone_rate_limit_per_second if phone else config.rate_limit_per_second
        limit = limits.get(route.category)
        key = f"phone_{route.category}" if phone else route.category
        refused = self._refuse(config, route.category, limit, route.is_list, key)
        if refused is None and phone and route.category == "heavy":
            daily = config.phone_daily_limit
            if not state.daily.allow(key, state.today(), daily):
                state.stats.rate_limited(f"{key}_daily")
                refused = daily_limit_reached(route.category, daily or 0, state.today())
        if refused is not None:
            return refused
        response = route.handler(state, request, groups)
        if limit is not None:
            response.headers += [
                ("X-RateLimit-Category", route.category.capitalize()),
                ("X-RateLimit-Limit", str(limit)),
                ("X-RateLimit-Remaining", str(state.limiter.remaining(key, limit))),
            ]
        return response

    def _refuse(
        self, config: EmulatorConfig, category: str, limit: int | None, is_list: bool, key: str | None = None
    ) -> Response | None:
        """A 429 past the category's per-second ``limit`` (counted under ``key``, default the category), or an
        injected list error (``None``: answer)."""
        state = self.state
        if not state.limiter.allow(key or category, limit):
            state.stats.rate_limited(key or category)
            return too_many_requests(category, config.rate_limit_retry_after)
        cycle = config.list_error_order == "cycle"
        fire = state.faults.evenly if cycle else state.faults.roll
        if is_list and fire(config.list_error_rate):
            kinds = list(config.list_error_kinds)
            error_kind = state.faults.next_in_turn(kinds) if cycle else state.faults.pick(kinds)
            state.stats.fault(f"list_error_{error_kind}")
            return list_error(error_kind, category)
        return None

    def _rec(self, request: Request) -> Response:
        state = self.state
        path = request.raw_path
        token = downloads.request_token(request.query, oauth.bearer_token(request))
        match = _DOWNLOAD.fullmatch(path)
        if match is not None:
            self._maybe_slow()
            return downloads.download(state, token, match.group(1), None)
        match = _WEBHOOK_DOWNLOAD.fullmatch(path)
        if match is not None:
            self._maybe_slow()
            return downloads.download(state, token, match.group(1), match.group(2))
        match = _PLAY.fullmatch(path)
        if match is not None:
            return downloads.play(state, match.group(1))
        match = _SHARE.fullmatch(path)
        if match is not None:
            return downloads.share(state, match.group(1))
        state.stats.request("other")
        return downloads.host_only_page()
