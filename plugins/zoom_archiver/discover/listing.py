"""Listing an account's recordings over a run's windows, one user at a time: a user's failure is that user's.

Participant audio files (one M4A per speaker, for accounts with *Record a separate audio file of each participant*)
are listed only in one meeting's detail (``GET /meetings/{uuid}/recordings``, ``participant_audio_files``), never in
the per-user listing; the listing shows a sign, though: its ``recording_count`` and ``total_size`` include them.
:func:`needs_detail` decides from that sign (or the ``participant_audio`` extra of the ``zoom`` connection) whether a
meeting's detail is fetched; :func:`with_participant_audio` fetches it (a *Light* API call, under the client's shared
rate cap) and adds the files to the meeting record, where the record reader finds them.

A user deleted mid-run (404/1001), a missing scope for one user (400/4711), an error body in an HTTP 200, an expired
page token or a 5xx that outlasts the retries fails that user's listing only: the others are listed and planned,
and the failure is reported (the run ends failed naming the user; the windows stay owed). Errors that concern the
whole account (the OAuth app refused, the token rejected again after a re-mint, a daily rate limit) stop the run.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from zoom_archiver.errors import ZoomApiError, ZoomRateLimited, ZoomTokenRejected
from zoom_archiver.parallel import parallel_map
from zoom_archiver.zoom.records import PARTICIPANT_FILES, clean_text

if TYPE_CHECKING:
    from zoom_archiver.dates import Window
    from zoom_archiver.discover.planning import Planner
    from zoom_archiver.model import PlannedFile
    from zoom_archiver.zoom.client import ZoomClient

log = logging.getLogger(__name__)

#: ``participant_audio`` extra (:data:`~zoom_archiver.zoom.connection.PARTICIPANT_AUDIO_MODES`): ``auto`` (fetch a
#: meeting's detail when its listing counts more files than it shows), ``always`` (every meeting), ``never``.
DEFAULT_MODE = "auto"


def _listed_files(meeting: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    files = meeting.get("recording_files")
    return [f for f in files if isinstance(f, Mapping)] if isinstance(files, list) else []


def needs_detail(meeting: Mapping[str, Any], mode: str = DEFAULT_MODE) -> bool:
    """Whether the meeting's detail may hold participant audio files the listing does not show.

    ``auto``: the listing's ``recording_count`` exceeds the completed files it shows, or its ``total_size`` exceeds
    their sizes (both include the participant files; files still processing count for neither).
    """
    if mode == "never" or not isinstance(meeting.get("uuid"), str):
        return False
    if mode == "always":
        return True
    done = [f for f in _listed_files(meeting) if f.get("status") in (None, "completed")]
    count, total = meeting.get("recording_count"), meeting.get("total_size")
    if isinstance(count, int) and not isinstance(count, bool) and count > len(done):
        return True
    sizes = sum(f["file_size"] for f in done if isinstance(f.get("file_size"), int))
    return isinstance(total, int) and not isinstance(total, bool) and total > sizes


def with_participant_audio(client: ZoomClient, meeting: dict[str, Any]) -> dict[str, Any]:
    """The meeting record with its detail's ``participant_audio_files`` (none when Zoom lists none, or when the
    recordings were deleted since the listing: 404/3301).

    :raises ZoomApiError: any other error (the caller counts it as its user's listing failure: the dates stay owed).
    """
    try:
        detail = client.get_meeting_recordings(str(meeting["uuid"]))
    except ZoomApiError as exc:
        if exc.recordings_gone:
            log.info("Meeting %s has no recordings any more (3301): no participant audio", meeting["uuid"])
            return meeting
        raise
    files = detail.get(PARTICIPANT_FILES)
    if not isinstance(files, list) or not files:
        return meeting
    return {**meeting, PARTICIPANT_FILES: files}


def add_participant_audio(client: ZoomClient, meetings: list[Any], mode: str = DEFAULT_MODE) -> list[Any]:
    """One user's listed meetings, those that need it with their participant audio files (one detail call per
    meeting, even when two windows list it)."""
    detailed: dict[str, dict[str, Any]] = {}
    out = []
    for meeting in meetings:
        if isinstance(meeting, dict) and needs_detail(meeting, mode):
            uuid = str(meeting["uuid"])
            if uuid not in detailed:
                detailed[uuid] = with_participant_audio(client, meeting)
            meeting = detailed[uuid]
        out.append(meeting)
    return out


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
        (:func:`needs_detail`); a failed detail fails its user's listing.
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
