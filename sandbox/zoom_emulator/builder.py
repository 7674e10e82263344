"""Building datasets: a small builder used by the seeds, and the parser for ``POST /_emulator/meetings``."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
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
    parse_time,
)

_UNSET: Any = object()


class DatasetBuilder:
    """Creates users, meetings and files with deterministic ids, relative to a 'today' (UTC)."""

    def __init__(self, name: str, today: date, account_id: str, dataset: Dataset | None = None) -> None:
        self.ids = IdFactory(name)
        self.today = today
        self.dataset = dataset if dataset is not None else Dataset(account_id, name)
        self.account_id = account_id

    def at(self, days_ago: float, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
        """A UTC moment ``days_ago`` days before today, at ``hour:minute:second``."""
        midnight = datetime.combine(self.today, time(), tzinfo=UTC)
        return midnight - timedelta(days=days_ago) + timedelta(hours=hour, minutes=minute, seconds=second)

    def user(
        self,
        first: str | None,
        last: str | None,
        email: str,
        *,
        status: str = "active",
        user_id: str | None = _UNSET,
        user_type: int = 2,
        timezone: str = "UTC",
    ) -> User:
        """Add a user; pending users get no id unless one is given."""
        if user_id is _UNSET:
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
        recording_type: str | None = _UNSET,
        status: str = "completed",
        old_shape: bool = False,
        file_id: str | None = _UNSET,
        token: str | None = None,
        via_play: bool = False,
        has_play_url: bool | None = None,
        start: datetime | None = None,
        seconds: int | None = None,
        meeting_id_label: str | None = None,
    ) -> RecordingFile:
        """Add a file to ``meeting``; defaults follow Zoom (extension and recording_type by type)."""
        if file_id is _UNSET:
            file_id = None if old_shape else self.ids.file_id()
        token = token or self.ids.token(40)
        recording_start = start or meeting.start + timedelta(seconds=5)
        length = seconds if seconds is not None else max(60, meeting.duration * 60 - 10)
        f = RecordingFile(
            key=file_id or f"noid-{token}",
            id=file_id,
            meeting_uuid=meeting.uuid,
            file_type=file_type,
            file_extension=extension or DEFAULT_EXTENSION.get(file_type, file_type),
            size=size,
            recording_type=(
                DEFAULT_RECORDING_TYPE.get(file_type, file_type.lower()) if recording_type is _UNSET else recording_type
            ),
            recording_start=recording_start,
            recording_end=recording_start + timedelta(seconds=length),
            token=token,
            guid=self.ids.guid(),
            status=status,
            old_shape=old_shape,
            has_play_url=file_type != "TIMELINE" if has_play_url is None else has_play_url,
            download_via_play=via_play,
            meeting_id_label=meeting_id_label,
        )
        return self.dataset.add_file(meeting, f)

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
        start = meeting.start + timedelta(seconds=5)
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
            recording_end=start + timedelta(seconds=max(60, meeting.duration * 60 - 10)),
            token=token,
            guid=self.ids.guid(),
            status=status,
            file_name=file_name if file_name is not None else f"Audio only - {name}",
        )
        return self.dataset.add_participant_file(meeting, f)


def _int(payload: dict[str, Any], key: str, default: int) -> int:
    value = payload.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"{key} must be an integer")
    return int(value)


def _time(payload: dict[str, Any], key: str, default: datetime) -> datetime:
    value = payload.get(key)
    return parse_time(value) if value else default


def add_meeting_from_json(builder: DatasetBuilder, payload: dict[str, Any]) -> Meeting:
    """Add a meeting given in Zoom's shape (``POST /_emulator/meetings``); raises ``ValueError``.

    The host is ``host_id`` or ``host_email``. Optional: ``uuid``, ``id``, ``topic``, ``type``,
    ``start_time``, ``timezone``, ``duration``, ``password``. Without a ``recording_files`` key the meeting
    has none. Each file needs ``file_type`` (default MP4) and ``file_size``; ``id`` is generated unless
    given, and ``"id": null`` makes an old-shape (id-less) file. Also accepted per file: ``file_extension``,
    ``recording_type``, ``status`` (``completed``/``processing``), ``recording_start``, ``recording_end``,
    ``download_via_play``. ``participant_audio_files``: objects with ``file_name`` (``Audio only - <name>``),
    ``file_size`` and optionally ``id`` and ``status``.
    """
    if not isinstance(payload, dict):
        raise ValueError("the body must be a JSON object")
    dataset = builder.dataset
    host = None
    if payload.get("host_id"):
        host = dataset.user_by_id(str(payload["host_id"]))
    elif payload.get("host_email"):
        host = dataset.user(str(payload["host_email"]))
    if host is None:
        raise ValueError("unknown host: give the host_id or host_email of an existing user")
    start = _time(payload, "start_time", datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1))
    files = payload.get("recording_files")
    if files is not None and not isinstance(files, list):
        raise ValueError("recording_files must be a list")
    participants = _participant_specs(payload.get("participant_audio_files"), dataset)
    uuid = payload.get("uuid")
    if uuid is not None and (not isinstance(uuid, str) or uuid in dataset.meetings):
        raise ValueError("uuid must be a new string")
    specs = [_file_spec(spec, start, _int(payload, "duration", 30), dataset) for spec in files or []]
    meeting = builder.meeting(
        host,
        str(payload.get("topic", "Added meeting")),
        start,
        uuid=uuid,
        number=_int(payload, "id", 0) or None,
        meeting_type=_int(payload, "type", 2),
        duration=_int(payload, "duration", 30),
        timezone=str(payload.get("timezone", "UTC")),
        no_files=files is None,
        password=payload.get("password"),
        tags=["added"],
    )
    for file_type, size, kwargs in specs:
        builder.file(meeting, file_type, size, **kwargs)
    for name, size, kwargs in participants:
        builder.participant_audio(meeting, name, size, **kwargs)
    return meeting


def _participant_specs(specs: Any, dataset: Dataset) -> list[tuple[str, int, dict[str, Any]]]:
    """Validate POSTed ``participant_audio_files`` into ``DatasetBuilder.participant_audio`` arguments."""
    if specs is None:
        return []
    if not isinstance(specs, list) or not all(isinstance(spec, dict) for spec in specs):
        raise ValueError("participant_audio_files must be a list of objects")
    out = []
    for spec in specs:
        file_name = str(spec.get("file_name") or "Audio only - Participant")
        file_id = str(spec["id"]) if spec.get("id") else None
        if file_id is not None and dataset.file_by_key(file_id) is not None:
            raise ValueError(f"file id {file_id} already exists")
        status = str(spec.get("status", "completed"))
        if status not in ("completed", "processing"):
            raise ValueError("status must be completed or processing")
        size = _int(spec, "file_size", 1024)
        if size < 0:
            raise ValueError("file_size must be >= 0")
        kwargs = {"file_id": file_id, "status": status, "file_name": file_name}
        out.append((file_name.removeprefix("Audio only - "), size, kwargs))
    return out


def _file_spec(spec: Any, start: datetime, duration: int, dataset: Dataset) -> tuple[str, int, dict[str, Any]]:
    """Validate one POSTed file object into ``DatasetBuilder.file`` arguments."""
    if not isinstance(spec, dict):
        raise ValueError("each recording file must be an object")
    file_type = str(spec.get("file_type") or "MP4")
    old_shape = "id" in spec and spec["id"] is None
    file_id = str(spec["id"]) if spec.get("id") else None
    if file_id is not None and dataset.file_by_key(file_id) is not None:
        raise ValueError(f"file id {file_id} already exists")
    rec_start = _time(spec, "recording_start", start + timedelta(seconds=5))
    rec_end = _time(spec, "recording_end", rec_start + timedelta(seconds=max(60, duration * 60)))
    status = str(spec.get("status", "completed"))
    if status not in ("completed", "processing"):
        raise ValueError("status must be completed or processing")
    size = _int(spec, "file_size", 1024)
    if size < 0:
        raise ValueError("file_size must be >= 0")
    kwargs: dict[str, Any] = {
        "extension": spec.get("file_extension") or None,
        "recording_type": spec.get("recording_type", _UNSET),
        "status": status,
        "old_shape": old_shape,
        "file_id": None if old_shape else (file_id or _UNSET),
        "via_play": bool(spec.get("download_via_play", False)),
        "start": rec_start,
        "seconds": max(0, int((rec_end - rec_start).total_seconds())),
    }
    return file_type, size, kwargs
