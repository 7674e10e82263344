"""Routes of the API host added for the non-meeting sources, recording settings and account-level listing.

Each route names its request kind (``/_emulator/stats``), Zoom's rate-limit category, and its family: ``main``
routes share the per-second windows of the meeting endpoints (Zoom's limits are per account and category),
``phone`` routes use Zoom Phone's own table (``phone_rate_limit_per_second``, ``phone_daily_limit`` for Heavy)
and answer 403/4711 first when the account has no Phone licence or scope (``phone_api.access_denied``).
Clips are documented without ``/v2`` (``clips``): both forms are routed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from zoom_emulator import clips, phone_api, rooms, settings_api, summaries
from zoom_emulator.httpbase import Request, Response
from zoom_emulator.state import EmulatorState

Handler = Callable[[EmulatorState, Request, tuple[str, ...]], Response]


@dataclass(frozen=True)
class Route:
    """One API route: its pattern, stats kind, rate category and family, and handler."""

    pattern: re.Pattern[str]
    kind: str
    category: str
    family: str
    is_list: bool
    handler: Handler
    scope: str = ""
    methods: tuple[str, ...] = ("GET", "HEAD")


def _settings(handler: Callable[[EmulatorState, Request, str], Response]) -> Handler:
    return lambda state, request, groups: handler(state, request, groups[0])


_C = "(?:/v2)?"  # Clips: documented at the API root, also answered under /v2
ROUTES: list[Route] = [
    Route(re.compile(r"/v2/phone/recordings/?"), "phone_recordings", "medium", "phone", True,
          phone_api.list_recordings, "phone:read:list_call_recordings:admin"),
    Route(re.compile(r"/v2/phone/users/([^/]+)/recordings/?"), "phone_recordings", "medium", "phone", True,
          phone_api.list_recordings, "phone:read:list_recordings:admin"),
    Route(re.compile(r"/v2/phone/recording/download/([^/]+)"), "phone_download", "medium", "phone", False,
          phone_api.download, "phone:read:call_recording:admin"),
    Route(re.compile(r"/v2/phone/recording_transcript/download/([^/]+)"), "phone_download", "light", "phone",
          False, phone_api.transcript, "phone:read:recording_transcript:admin"),
    Route(re.compile(r"/v2/phone/voice_mails/?"), "voice_mails", "heavy", "phone", True,
          phone_api.list_voicemails, "phone:read:list_voicemails:admin"),
    Route(re.compile(r"/v2/phone/users/([^/]+)/voice_mails/?"), "voice_mails", "medium", "phone", True,
          phone_api.list_voicemails, "phone:read:list_voicemails:admin"),
    Route(re.compile(r"/v2/phone/voice_mails/download/([^/]+)"), "phone_download", "medium", "phone", False,
          phone_api.download, "phone:read:voicemail:admin"),
    Route(re.compile(r"/v2/phone/voice_mails/([^/]+)"), "voice_mails", "light", "phone", False,
          phone_api.voicemail_detail, "phone:read:voicemail:admin"),
    Route(re.compile(r"/v2/meetings/meeting_summaries/?"), "summaries", "medium", "main", True,
          summaries.list_summaries),
    Route(re.compile(r"/v2/meetings/([^/]+)/meeting_summary/?"), "summaries", "light", "main", False,
          summaries.get_summary, methods=("GET", "HEAD", "DELETE")),
    Route(re.compile(rf"{_C}/clips/?"), "clips", "light", "main", True, clips.list_clips),
    Route(re.compile(rf"{_C}/accounts/([^/]+)/clips/?"), "clips", "light", "main", True, clips.list_clips),
    Route(re.compile(rf"{_C}/clips/([^/]+)/download"), "clips_download", "light", "main", False, clips.download),
    Route(re.compile(rf"{_C}/clips/([^/]+)"), "clips", "light", "main", False, clips.get_clip),
    Route(re.compile(r"/v2/accounts/([^/]+)/recordings/?"), "account_recordings", "medium", "main", True,
          rooms.account_recordings),
    Route(re.compile(r"/v2/rooms/?"), "rooms", "medium", "main", True, rooms.list_rooms),
    Route(re.compile(r"/v2/users/([^/]+)/settings/?"), "settings", "medium", "main", False,
          _settings(settings_api.user_settings)),
    Route(re.compile(r"/v2/accounts/([^/]+)/settings/?"), "settings", "medium", "main", False,
          _settings(settings_api.account_settings)),
]  # fmt: skip


def match(path: str) -> tuple[Route, tuple[str, ...]] | None:
    """The route of ``path`` and its captured segments, or ``None``."""
    for route in ROUTES:
        found = route.pattern.fullmatch(path)
        if found is not None:
            return route, found.groups()
    return None


def is_root(path: str) -> bool:
    """Whether ``path`` is one of the documented root (non-``/v2``) Clips paths."""
    return path == "/clips" or path.startswith(("/clips/", "/accounts/"))
