"""Listing an account's recordings over a run's windows, one user at a time: a user's failure is that user's.

A user deleted mid-run (404/1001), a missing scope for one user (400/4711), an error body in an HTTP 200, an expired
page token or a 5xx that outlasts the retries fails that user's listing only: the others are listed and planned,
and the failure is reported (the run ends failed naming the user; the windows stay owed). Errors that concern the
whole account (the OAuth app refused, the token rejected again after a re-mint, a daily rate limit) stop the run.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from zoom_archiver.errors import ZoomApiError, ZoomRateLimited, ZoomTokenRejected
from zoom_archiver.parallel import parallel_map
from zoom_archiver.zoom.participant_audio import DEFAULT_MODE, add_participant_audio
from zoom_archiver.zoom.records import clean_text

if TYPE_CHECKING:
    from zoom_archiver.dates import Window
    from zoom_archiver.discover.planning import Planner
    from zoom_archiver.model import PlannedFile
    from zoom_archiver.zoom.client import ZoomClient

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UserFailure:
    """One user whose listing failed, and why (safe to log: no token, no signed URL)."""

    user: str
    error: str


@dataclass
class Listing:
    """The planned files of a listing, each id once, and the users whose listing failed."""

    files: list[PlannedFile] = field(default_factory=list)
    failures: list[UserFailure] = field(default_factory=list)


def _is_users_own(error: ZoomApiError) -> bool:
    """Whether an API error concerns one user's listing (not the account: token, daily limit)."""
    if isinstance(error, ZoomTokenRejected):
        return False
    return not (isinstance(error, ZoomRateLimited) and error.daily)


def _user_name(user: dict[str, Any]) -> str:
    return clean_text(user.get("email") or user.get("id") or "?", 320)


def plan_listing(
    client: ZoomClient,
    users: Sequence[dict[str, Any]],
    windows: Sequence[Window],
    planner: Planner,
    *,
    workers: int,
    participant_audio: str = DEFAULT_MODE,
) -> Listing:
    """List every user's meetings in every window (users concurrently, under the client's shared rate cap) and plan
    them with ``planner``.

    :param participant_audio: when a meeting's detail is fetched for its participant audio files
        (:func:`~zoom_archiver.zoom.participant_audio.needs_detail`); a failed detail fails its user's listing.
    """

    def one_user(user: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]], UserFailure | None]:
        meetings: list[dict[str, Any]] = []
        try:
            for window in windows:
                meetings.extend(client.list_user_recordings(user["id"], window.start, window.end))
            meetings = add_participant_audio(client, meetings, participant_audio)
        except ZoomApiError as exc:
            if not _is_users_own(exc):
                raise
            failure = UserFailure(_user_name(user), clean_text(str(exc), 300))
            log.error("Listing the recordings of %s failed: %s; the other users go on", failure.user, failure.error)
            return user, [], failure
        return user, meetings, None

    listing = Listing()
    for user, meetings, failure in parallel_map(one_user, users, workers=workers, name="zoom-list"):
        for meeting in meetings:
            planner.add(meeting, user)
        if failure is not None:
            listing.failures.append(failure)
    listing.files = planner.files()
    return listing
