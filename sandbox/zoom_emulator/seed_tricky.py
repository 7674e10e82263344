"""The ``tricky`` seed: every real-world pitfall an archiver must survive, in one small account.

Used by the end-to-end tests. Everything lies within the last 45 days (UTC, relative to 'today'), all
files are 1-64 KiB (bulk files 1-4 KiB), about 360 files in total. Each meeting carries *tags* naming
its case; ``/_emulator/files`` repeats them per file and ``/_emulator/cases`` maps tag -> meeting uuids.

Users
    * ``tricia@example.com`` - active account owner (what ``me`` resolves to).
    * ``mononym@example.com`` - active, **no last_name** (``user_without_last_name``).
    * ``ina.inactive@example.com`` - **inactive** but owns 2 meetings (``inactive_user_with_recordings``).
    * ``penny.pending@example.com`` - **pending**, no ``id``, no recordings (``pending_user``).
    * ``bulk@example.com`` - **320 meetings over 40 days**, one small M4A each (``bulk_user``): 11 a day
      on days 1-28 before today (308, so a one-month window holds more than 300 and needs two pages of
      300), then one a day on days 29-40 (so more than one 30-day window is needed).

Meetings of the owner (uuids are fixed where the uuid itself is the case)
    * ``uuid_leading_slash`` ``/ajXp112QmuoKj4854875==`` (the spec's example; needs double encoding).
    * ``uuid_leading_double_slash`` ``//kZ7LmQTe2Fq9wYc+R3Bg==``.
    * ``uuid_double_slash`` ``Mq//8bXcRfe7Vq3aSxW+Pw==``.
    * ``uuid_slash_plus`` ``4Lw/9mX1R2eQk7sV+tHw6A==``.
    * ``uuid_plus_equals`` ``2jQ60QnYThiV9cm+fdIbZQ==`` (from a real capture).
    * ``same_recording_type_twice``: two MP4 ``shared_screen_with_speaker_view`` files and two
      ``audio_only`` M4A segments (pause/resume, different ``recording_start``), plus a TIMELINE.
    * ``topic_cyrillic`` / ``topic_cjk`` / ``topic_emoji`` / ``topic_slash`` / ``topic_dotdot`` /
      ``topic_reserved_chars`` (``: ? * " ' < > |``) / ``topic_control_chars`` (tab, newline, CR, NUL,
      ESC, DEL) / ``topic_300_chars`` (exactly 300 characters) / ``topic_empty`` (``""``).
      The Cyrillic one is hosted by the user without a last name.
    * ``recurring``: same numeric ``id`` and topic "Recurring standup", type 8, three uuids on days
      10, 17 and 24 before today (a numeric-id lookup returns the latest).
    * ``processing_file``: yesterday; one completed M4A and one MP4 still ``processing`` (empty
      ``file_type``/``file_extension``, ``file_size`` 0, ``recording_end`` ""); complete it with
      ``POST /_emulator/complete_processing``.
    * ``old_shape_files``: an MP4, an id-less TIMELINE and an id-less CC (no id, status, file_size,
      recording_type, play_url or file_extension).
    * ``transcript_via_play``: a TRANSCRIPT whose ``download_url`` is a ``/rec/play/`` URL (downloadable
      at ``/rec/download/`` with the same token).
    * ``file_types``: SUMMARY (JSON), CC (VTT), CSV, CHAT (TXT), TB (JPG) and the unknown future type
      ``HOLOGRAM`` with extension ``HOLO`` (served as application/octet-stream).
    * ``no_recording_files``: a meeting without a ``recording_files`` key (too short to record).
    * ``start_long_before_files``: recurring (type 8) ``start_time`` 20 days ago while its files'
      ``recording_start`` is 13 days later (listed by ``start_time``, not by file dates).
    * ``utc_day_edge``: meetings at 23:59:30Z and 00:00:05Z (tests that ``to`` covers the whole UTC day).
"""

from __future__ import annotations

from datetime import timedelta

from zoom_emulator.builder import DatasetBuilder
from zoom_emulator.dataset import Dataset
from zoom_emulator.model import Meeting, User

KIB = 1024

UUID_CASES = {
    "uuid_leading_slash": "/ajXp112QmuoKj4854875==",
    "uuid_leading_double_slash": "//kZ7LmQTe2Fq9wYc+R3Bg==",
    "uuid_double_slash": "Mq//8bXcRfe7Vq3aSxW+Pw==",
    "uuid_slash_plus": "4Lw/9mX1R2eQk7sV+tHw6A==",
    "uuid_plus_equals": "2jQ60QnYThiV9cm+fdIbZQ==",
}

_LONG = "Quarterly planning, very long title: " + "alpha beta gamma delta epsilon " * 12
TOPIC_CASES = {
    "topic_cyrillic": "Планёрка отдела продаж — итоги недели",
    "topic_cjk": "週次ミーティング 周会 주간 회의",
    "topic_emoji": "🎉 Launch party 🚀 (team 👩‍💻)",
    "topic_slash": "Q3/Q4 planning / budget",
    "topic_dotdot": "../../etc/passwd .. and ..\\windows",
    "topic_reserved_chars": "Budget: final? *draft* <v2> | \"quoted\" 'single'",
    "topic_control_chars": "Tab\there\nnew line\rreturn\x00nul\x1b[31mred\x7fdel",
    "topic_300_chars": _LONG[:300],
    "topic_empty": "",
}

#: Description per case tag (exposed at ``/_emulator/cases``).
CASES = {
    **{tag: f"meeting uuid {uuid!r}" for tag, uuid in UUID_CASES.items()},
    **{tag: f"topic {topic!r}" for tag, topic in TOPIC_CASES.items()},
    "same_recording_type_twice": "two MP4 of one recording_type and two audio_only M4A segments",
    "recurring": "same numeric id and topic, three uuids on different days",
    "processing_file": "one file still processing (complete via the control plane)",
    "old_shape_files": "id-less TIMELINE and CC without size/status/recording_type/extension",
    "transcript_via_play": "TRANSCRIPT whose download_url is a /rec/play/ URL",
    "file_types": "SUMMARY, CC, CSV, CHAT, TB and unknown HOLOGRAM/HOLO",
    "no_recording_files": "meeting without a recording_files key",
    "start_long_before_files": "start_time 13 days before the files' recording_start",
    "utc_day_edge": "meetings at 23:59:30Z and 00:00:05Z",
    "inactive_user_with_recordings": "host is inactive",
    "user_without_last_name": "host has no last_name",
    "bulk_user": "320 meetings over 40 days (308 in the last 28 days)",
}


def _size(b: DatasetBuilder, low_kib: int = 1, high_kib: int = 64) -> int:
    return b.ids.number(low_kib * KIB, high_kib * KIB)


def _basic(b: DatasetBuilder, m: Meeting) -> None:
    b.file(m, "MP4", _size(b))
    b.file(m, "M4A", _size(b))
    b.file(m, "TIMELINE", _size(b, 1, 4))


def build_tricky(b: DatasetBuilder) -> Dataset:
    """Build the tricky dataset (see the module docstring for every case)."""
    owner = b.user("Tricia", "Tricky", "tricia@example.com", timezone="Europe/Berlin")
    mononym = b.user("Mononym", None, "mononym@example.com")
    inactive = b.user("Ina", "Ctive", "ina.inactive@example.com", status="inactive")
    b.user("Penny", "Ding", "penny.pending@example.com", status="pending")
    bulk = b.user("Bulk", "Recorder", "bulk@example.com", user_type=1)
    _meeting_cases(b, owner, mononym)
    _file_cases(b, owner)
    _date_cases(b, owner)
    _other_hosts(b, inactive, bulk)
    return b.dataset


def _meeting_cases(b: DatasetBuilder, owner: User, mononym: User) -> None:
    """Tricky uuids, a recording paused and resumed twice, tricky topics, a recurring meeting."""
    for days, (tag, uuid) in enumerate(UUID_CASES.items(), start=3):
        _basic(b, b.meeting(owner, f"UUID case {tag}", b.at(days, 9, 30), uuid=uuid, tags=[tag]))

    m = b.meeting(owner, "Paused and resumed twice", b.at(8, 14, 0, 7), duration=50, tags=["same_recording_type_twice"])
    second = m.start + timedelta(minutes=25)
    b.file(m, "MP4", _size(b), seconds=1200)
    b.file(m, "MP4", _size(b), start=second, seconds=1200)
    b.file(m, "M4A", _size(b), seconds=1200)
    b.file(m, "M4A", _size(b), start=second, seconds=1200)
    b.file(m, "TIMELINE", _size(b, 1, 4))

    for days, (tag, topic) in enumerate(TOPIC_CASES.items(), start=9):
        host = mononym if tag == "topic_cyrillic" else owner
        tags = [tag, "user_without_last_name"] if host is mononym else [tag]
        _basic(b, b.meeting(host, topic, b.at(days, 11, 5, 30), tags=tags))

    number = b.ids.meeting_number()
    for days in (10, 17, 24):
        m = b.meeting(
            owner, "Recurring standup", b.at(days, 8, 0, 2), number=number, meeting_type=8, tags=["recurring"]
        )
        b.file(m, "MP4", _size(b))
        b.file(m, "TRANSCRIPT", _size(b, 1, 8))


def _file_cases(b: DatasetBuilder, owner: User) -> None:
    """A file still processing, old-shape files, a transcript behind a play URL, every file type, no files."""
    m = b.meeting(owner, "Town hall (processing)", b.at(1, 15, 0, 0), duration=60, tags=["processing_file"])
    b.file(m, "M4A", _size(b))
    b.file(m, "MP4", _size(b), status="processing")

    m = b.meeting(owner, "Legacy shapes", b.at(11, 16, 45), tags=["old_shape_files"])
    b.file(m, "MP4", _size(b))
    b.file(m, "TIMELINE", _size(b, 1, 4), old_shape=True)
    b.file(m, "CC", _size(b, 1, 8), old_shape=True)

    m = b.meeting(owner, "Transcript behind a play URL", b.at(12, 10, 0), tags=["transcript_via_play"])
    b.file(m, "M4A", _size(b))
    b.file(m, "TRANSCRIPT", _size(b, 1, 8), via_play=True)

    m = b.meeting(owner, "Every file type", b.at(13, 13, 13, 13), tags=["file_types"])
    b.file(m, "MP4", _size(b))
    b.file(m, "SUMMARY", _size(b, 1, 4))
    b.file(m, "CC", _size(b, 1, 8))
    b.file(m, "CSV", _size(b, 1, 4))
    b.file(m, "CHAT", _size(b, 1, 4))
    b.file(m, "TB", _size(b, 1, 16))
    b.file(m, "HOLOGRAM", _size(b), extension="HOLO", recording_type="hologram_3d_view")

    b.meeting(owner, "Too short to record", b.at(14, 9, 0), duration=0, no_files=True, tags=["no_recording_files"])


def _date_cases(b: DatasetBuilder, owner: User) -> None:
    """A series started long before its files, and meetings on both sides of a UTC midnight."""
    m = b.meeting(
        owner, "Weekly recurring (old series start)", b.at(20, 7, 0), meeting_type=8, tags=["start_long_before_files"]
    )
    late = b.at(7, 7, 0, 12)
    b.file(m, "MP4", _size(b), start=late)
    b.file(m, "M4A", _size(b), start=late)

    _basic(b, b.meeting(owner, "Late night", b.at(2, 23, 59, 30), duration=1, tags=["utc_day_edge"]))
    _basic(b, b.meeting(owner, "Early morning", b.at(2, 0, 0, 5), duration=1, tags=["utc_day_edge"]))


def _other_hosts(b: DatasetBuilder, inactive: User, bulk: User) -> None:
    """The inactive host's meetings and the bulk user's 320."""
    for days in (12, 30):
        m = b.meeting(
            inactive, f"Inactive host meeting ({days}d)", b.at(days, 10, 0), tags=["inactive_user_with_recordings"]
        )
        b.file(m, "MP4", _size(b))
        b.file(m, "M4A", _size(b))

    for days in range(1, 41):
        for hour in range(6, 17) if days <= 28 else (12,):
            m = b.meeting(
                bulk, f"Bulk recording d{days:02d} h{hour:02d}", b.at(days, hour, 1), duration=5, tags=["bulk_user"]
            )
            b.file(m, "M4A", _size(b, 1, 4))
