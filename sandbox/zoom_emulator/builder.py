"""Building datasets: a small builder used by the seeds and by ``POST /_emulator/meetings`` (``added_meetings``)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from zoom_emulator.dataset import Dataset
from zoom_emulator.ids import IdFactory
from zoom_emulator.model import (
    DEFAULT_EXTENSION,
    DEFAULT_RECORDING_TYPE,
    Meeting,
    RecordingFile,
    User,
    format_time,
)

#: Default of the arguments whose ``None`` means something: the value Zoom would give.
UNSET: Any = object()


class DatasetBuilder:
    """Creates users, meetings and files with deterministic ids, relative to a 'today' (UTC)."""

    def __init__(self, name: str, today: date, account_id: str, dataset: Dataset | None = None) -> None:
        self.ids = IdFactory(name)
        self.today = today
        self.dataset = dataset if dataset is not None else Dataset(account_id, name)
        self.account_id = account_id

    def at(self, days_ago: float, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
        """A UTC moment ``days_ago`` days before today, at ``hour:minute:second``."""
        midnight = datetime.combine(self.today, time(), tzinfo=timezone.utc)
        return midnight - timedelta(days=days_ago) + timedelta(hours=hour, minutes=minute, seconds=second)

    def user(
        self,
        first: str | None,
        last: str | None,
        email: str,
        *,
        status: str = "active",
        user_id: str | None = UNSET,
        user_type: int = 2,
        timezone: str = "UTC",
    ) -> User:
        """Add a user; pending users get no id unless one is given."""
        if user_id is UNSET:
            user_id = None if status == "pending" else self.ids.user_id()
        created = self.at(400 + self.ids.number(0, 900))
        user = User(
            id=user_id,
            email=email,
            first_name=first,
            last_name=last,
            status=status,
            type=user_type,
            pmi=self.ids.number(2_000_000_000, 9_999_999_999),
            timezone=timezone,
            created_at=format_time(created),
            last_login_time=None if status == "pending" else format_time(self.at(self.ids.number(1, 20), 9)),
        )
        return self.dataset.add_user(user)

    def meeting(
        self,
        host: User,
        topic: str,
        start: datetime,
        *,
        uuid: str | None = None,
        number: int | None = None,
        meeting_type: int = 2,
        duration: int = 30,
        timezone: str = "UTC",
        no_files: bool = False,
        tags: tuple[str, ...] | list[str] = (),
        password: str | None = None,
    ) -> Meeting:
        """Add a meeting instance (``no_files`` renders it without a ``recording_files`` key)."""
        if not host.id:
            raise ValueError("a meeting host needs an id")
        meeting = Meeting(
            uuid=uuid or self.ids.meeting_uuid(),
            id=number or self.ids.meeting_number(),
            host_id=host.id,
            topic=topic,
            start=start,
            account_id=self.account_id,
            type=meeting_type,
            timezone=timezone,
            duration=duration,
            share_token=self.ids.token(48),
            password=password if password is not None else str(self.ids.number(100000, 999999)),
            recording_play_passcode=self.ids.passcode(),
            files=None if no_files else [],
            tags=list(tags),
        )
        return self.dataset.add_meeting(meeting)

    def file(
        self,
        meeting: Meeting,
        file_type: str,
        size: int,
        *,
        extension: str | None = None,
        recording_type: str | None = UNSET,
        status: str = "completed",
        old_shape: bool = False,
        file_id: str | None = UNSET,
        token: str | None = None,
        via_play: bool = False,
        has_play_url: bool | None = None,
        start: datetime | None = None,
        seconds: int | None = None,
        meeting_id_label: str | None = None,
    ) -> RecordingFile:
        """Add a file to ``meeting``; defaults follow Zoom (extension and recording_type by type)."""
        if file_id is UNSET:
            file_id = None if old_shape else self.ids.file_id()
        token = token or self.ids.token(40)
        recording_start, recording_end = _span(meeting, start, seconds)
        f = RecordingFile(
            key=file_id or f"noid-{token}",
            id=file_id,
            meeting_uuid=meeting.uuid,
            file_type=file_type,
            file_extension=extension or DEFAULT_EXTENSION.get(file_type, file_type),
            size=size,
            recording_type=_recording_type(file_type, recording_type),
            recording_start=recording_start,
            recording_end=recording_end,
            token=token,
            guid=self.ids.guid(),
            status=status,
            old_shape=old_shape,
            has_play_url=file_type != "TIMELINE" if has_play_url is None else has_play_url,
            download_via_play=via_play,
            meeting_id_label=meeting_id_label,
        )
        return self.dataset.add_file(meeting, f)

    def auto_delete(self, meeting: Meeting, deadline: date | None) -> Meeting:
        """Give ``meeting`` a deletion deadline (``auto_delete`` true and ``auto_delete_date``), or with ``None``
        mark it exempt from its host's auto-delete setting (``auto_delete`` false, no date)."""
        meeting.auto_delete = deadline is not None
        meeting.auto_delete_date = deadline
        return meeting

    def participant_audio(
        self,
        meeting: Meeting,
        name: str,
        size: int,
        *,
        file_id: str | None = None,
        status: str = "completed",
        file_name: str | None = None,
    ) -> RecordingFile:
        """Add one participant's separate audio file (M4A, ``file_name`` ``Audio only - <name>``)."""
        token = self.ids.token(40)
        start, end = _span(meeting)
        file_id = file_id or self.ids.file_id()
        f = RecordingFile(
            key=file_id,
            id=file_id,
            meeting_uuid=meeting.uuid,
            file_type="M4A",
            file_extension="M4A",
            size=size,
            recording_type=None,
            recording_start=start,
            recording_end=end,
            token=token,
            guid=self.ids.guid(),
            status=status,
            file_name=file_name if file_name is not None else f"Audio only - {name}",
        )
        return self.dataset.add_participant_file(meeting, f)


def _span(meeting: Meeting, start: datetime | None = None, seconds: int | None = None) -> tuple[datetime, datetime]:
    """A recording's start and end: unless given, 5 s into the meeting, lasting its duration less 10 s (>= 60 s)."""
    begin = start or meeting.start + timedelta(seconds=5)
    length = seconds if seconds is not None else max(60, meeting.duration * 60 - 10)
    return begin, begin + timedelta(seconds=length)


def _recording_type(file_type: str, recording_type: str | None) -> str | None:
    """Zoom's ``recording_type`` for ``file_type`` unless one was given (``None`` included)."""
    return DEFAULT_RECORDING_TYPE.get(file_type, file_type.lower()) if recording_type is UNSET else recording_type
