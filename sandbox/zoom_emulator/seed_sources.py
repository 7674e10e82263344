"""The ``all_sources`` seed: a little of every recording source, for the "every Zoom recording" tests.

Users: ``olivia@example.com`` (owner; auto-delete on, 60 days), ``wes.webinar@example.com`` (webinar host),
``pia.phone@example.com`` (Zoom Phone user), ``ivan.inactive@example.com`` (inactive). A Zoom Room "Board Room".
Every meeting is tagged with its case (``/_emulator/cases``):

* ``deadline_near`` (deletion in 2 days), ``deadline_far`` (in 60 days), ``deadline_none`` (no auto-delete field),
  ``deadline_exempt`` (``auto_delete: false``), ``inactive_host``;
* ``webinar`` (type 5), ``webinar_recurring`` (type 6), ``webinar_recurring_fixed`` (type 9), with files;
* ``zoom_room``: two Board Room meetings (only the account-level listing shows them);
* summaries of ``deadline_near``, ``webinar`` and one ``zoom_room`` meeting, of ``deadline_none`` (edited by the
  host a day after it was created) and of ``deadline_far`` (in the trash since yesterday).

Phone (Pia's unless said): a call with a completed transcript, one without, one whose transcript is still
processing, one 40 days ago (outside the default 30-day window), a call-queue recording (account listing only) and
a call with ``auto_delete_policy``; voicemails: one with a transcription, one of the owner's, one in the trash.
Clips: the owner's (3 days old), Wes's created 40 days ago but edited yesterday (found by the default
``MODIFIED_DATE`` filter, not by ``CREATED_DATE``), and one still ``RECORD_END`` (not downloadable).

An account without Phone: ``POST /_emulator/config {"phone_access": "no_licence"}`` (every /phone call: 403).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from zoom_emulator.builder import DatasetBuilder
from zoom_emulator.dataset import Dataset
from zoom_emulator.model import Meeting, User
from zoom_emulator.sources_builder import SourcesBuilder
from zoom_emulator.sources_model import RecordingSettings

KIB = 1024
CASES = {
    "deadline_near": "auto_delete_date in 2 days",
    "deadline_far": "auto_delete_date in 60 days",
    "deadline_none": "no auto-delete setting (no auto_delete field)",
    "deadline_exempt": "auto_delete false (exempt), no date",
    "inactive_host": "host is inactive",
    "webinar": "webinar recording (type 5)",
    "webinar_recurring": "recurring webinar without fixed time (type 6)",
    "webinar_recurring_fixed": "recurring webinar with fixed time (type 9)",
    "zoom_room": "hosted by a Zoom Room (a pseudo-user absent from /users)",
}


def _files(b: DatasetBuilder, m: Meeting, *types: str) -> Meeting:
    for file_type in types:
        b.file(m, file_type, b.ids.number(2 * KIB, 48 * KIB))
    return m


def build_all_sources(today: date, account_id: str, given: dict[str, Any] | None = None) -> Dataset:
    """Build the ``all_sources`` seed (see the module docstring)."""
    if given:
        raise ValueError(f"unknown all_sources parameters: {', '.join(sorted(given))}")
    b = DatasetBuilder("all_sources", today, account_id)
    owner = b.user("Olivia", "Owner", "olivia@example.com", timezone="Europe/Paris")
    wes = b.user("Wes", "Webinar", "wes.webinar@example.com")
    pia = b.user("Pia", "Phone", "pia.phone@example.com")
    ivan = b.user("Ivan", "Inactive", "ivan.inactive@example.com", status="inactive")
    b.dataset.extras.user_settings[owner.id or ""] = RecordingSettings(True, 60)
    src = SourcesBuilder("all_sources", b.dataset)
    meetings = _meetings(b, src, owner, wes, ivan)
    _summaries(b, src, meetings, owner, wes)
    _phone(b, src, owner, pia)
    _clips(b, src, owner, wes)
    return b.dataset


def _meetings(b: DatasetBuilder, src: SourcesBuilder, owner: User, wes: User, ivan: User) -> dict[str, Meeting]:
    today = b.today
    found = {
        "deadline_near": _files(
            b, b.meeting(owner, "Budget review", b.at(3, 10), tags=["deadline_near"]), "MP4", "M4A"
        ),
        "deadline_far": _files(b, b.meeting(owner, "Hiring sync", b.at(5, 14), tags=["deadline_far"]), "MP4", "CHAT"),
        "deadline_none": _files(b, b.meeting(wes, "Roadmap", b.at(6, 9), tags=["deadline_none"]), "MP4", "TRANSCRIPT"),
        "deadline_exempt": _files(b, b.meeting(owner, "Board prep", b.at(7, 8), tags=["deadline_exempt"]), "M4A"),
        "inactive_host": _files(b, b.meeting(ivan, "Old team call", b.at(12, 15), tags=["inactive_host"]), "MP4"),
    }
    b.auto_delete(found["deadline_near"], today + timedelta(days=2))
    b.auto_delete(found["deadline_far"], today + timedelta(days=60))
    b.auto_delete(found["deadline_exempt"], None)
    for days, kind, tag, topic in (
        (4, 5, "webinar", "Product launch webinar"),
        (9, 6, "webinar_recurring", "Office hours webinar"),
        (11, 9, "webinar_recurring_fixed", "Monthly customer webinar"),
    ):
        meeting = b.meeting(wes, topic, b.at(days, 16), meeting_type=kind, duration=60, tags=[tag])
        found[tag] = _files(b, meeting, "MP4", "M4A", "CHAT")
    room = src.room("Board Room")
    for days, topic in ((2, "Board Room weekly"), (8, "Board Room all hands")):
        found[f"zoom_room_{days}"] = _files(b, b.meeting(room.host, topic, b.at(days, 11), tags=["zoom_room"]), "MP4")
    return found


def _summaries(b: DatasetBuilder, src: SourcesBuilder, meetings: dict[str, Meeting], owner: User, wes: User) -> None:
    hosts = {owner.id: owner, wes.id: wes}
    for key in ("deadline_near", "webinar", "zoom_room_2", "deadline_none", "deadline_far"):
        meeting = meetings[key]
        host = hosts.get(meeting.host_id) or src.extras.rooms[meeting.host_id].host
        summary = src.summary(meeting, host)
        if key == "deadline_none":
            src.edit(summary, summary.created + timedelta(days=1), wes)
        if key == "deadline_far":
            summary.state, summary.trashed_at = "trashed", b.at(1, 12)


def _phone(b: DatasetBuilder, src: SourcesBuilder, owner: User, pia: User) -> None:
    src.phone_recording(pia, b.at(2, 9, 30), 185, 180 * KIB, transcript="completed")
    src.phone_recording(pia, b.at(5, 16, 5), 62, 64 * KIB, direction="outbound")
    src.phone_recording(pia, b.at(1, 11, 45), 305, 300 * KIB, transcript="processing")
    src.phone_recording(pia, b.at(40, 10, 0), 95, 96 * KIB, transcript="completed")
    queue = User(id=src.ids.user_id(), email="sales-queue@example.com", first_name="Sales", last_name="Queue")
    src.phone_recording(queue, b.at(3, 13, 20), 140, 140 * KIB, owner_type="callQueue", recording_type="OnDemand")
    src.phone_recording(pia, b.at(6, 8, 10), 44, 48 * KIB, auto_delete_policy="1 year", disclaimer_status=1)
    src.voicemail(pia, b.at(2, 18, 2), 21, 24 * KIB, transcription="Hi Pia, please call me back about the contract.")
    src.voicemail(owner, b.at(10, 7, 40), 12, 16 * KIB)
    trashed = src.voicemail(pia, b.at(4, 12, 0), 9, 12 * KIB)
    trashed.trashed_at, trashed.audio.gone = b.at(1, 9), True


def _clips(b: DatasetBuilder, src: SourcesBuilder, owner: User, wes: User) -> None:
    src.clip(owner, b.at(3, 15, 10), 900 * KIB, 42, title="Release walkthrough")
    src.clip(wes, b.at(40, 10), 600 * KIB, 30, title="Onboarding tips", modified=b.at(1, 17, 30))
    src.clip(owner, b.at(0, 0, 30), 0, 0, title="Still rendering", status="RECORD_END")
