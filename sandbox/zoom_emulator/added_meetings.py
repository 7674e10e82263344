"""Meetings added over the control plane: the parser of ``POST /_emulator/meetings`` (Zoom's meeting shape)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

from zoom_emulator.builder import UNSET, DatasetBuilder
from zoom_emulator.dataset import Dataset
from zoom_emulator.model import Meeting, User, parse_time


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

    The host is ``host_id`` (a user's or a Zoom Room's) or ``host_email``. Optional: ``uuid``, ``id``, ``topic``,
    ``type``, ``start_time``, ``timezone``, ``duration``, ``password``. Without a ``recording_files`` key the meeting
    has none. Each file needs ``file_type`` (default MP4) and ``file_size``; ``id`` is generated unless
    given, and ``"id": null`` makes an old-shape (id-less) file. Also accepted per file: ``file_extension``,
    ``recording_type``, ``status`` (``completed``/``processing``), ``recording_start``, ``recording_end``,
    ``download_via_play``. ``participant_audio_files``: objects with ``file_name`` (``Audio only - <name>``),
    ``file_size`` and optionally ``id`` and ``status``. ``auto_delete_date`` (``yyyy-mm-dd``) gives the meeting a
    deletion deadline (``auto_delete`` true; ``"auto_delete": false`` alone marks it exempt).
    """
    if not isinstance(payload, dict):
        raise ValueError("the body must be a JSON object")
    dataset = builder.dataset
    host = _host(payload, dataset)
    start = _time(payload, "start_time", datetime.now(timezone.utc).replace(microsecond=0) - timedelta(hours=1))
    files = payload.get("recording_files")
    if files is not None and not isinstance(files, list):
        raise ValueError("recording_files must be a list")
    participants = _participant_specs(payload.get("participant_audio_files"), dataset)
    uuid = payload.get("uuid")
    if uuid is not None and (not isinstance(uuid, str) or uuid in dataset.meetings):
        raise ValueError("uuid must be a new string")
    specs = [_file_spec(spec, start, _int(payload, "duration", 30), dataset) for spec in files or []]
    deadline = _deadline(payload)
    meeting = _meeting(builder, payload, host, start, uuid, no_files=files is None)
    meeting.auto_delete, meeting.auto_delete_date = deadline
    for file_type, size, kwargs in specs:
        builder.file(meeting, file_type, size, **kwargs)
    for name, size, kwargs in participants:
        builder.participant_audio(meeting, name, size, **kwargs)
    return meeting


def _deadline(payload: dict[str, Any]) -> tuple[bool | None, date | None]:
    """``(auto_delete, auto_delete_date)`` from a POSTed meeting (``(None, None)``: no auto-delete setting)."""
    flag = payload.get("auto_delete")
    if flag is not None and not isinstance(flag, bool):
        raise ValueError("auto_delete must be true, false or absent")
    text = payload.get("auto_delete_date")
    if not text:
        return flag, None
    try:
        day = date.fromisoformat(str(text))
    except ValueError:
        raise ValueError("auto_delete_date must be yyyy-mm-dd") from None
    if flag is False:
        raise ValueError("an auto_delete_date needs auto_delete true")
    return True, day


def _host(payload: dict[str, Any], dataset: Dataset) -> User:
    """The existing user (or Zoom Room) ``host_id`` or ``host_email`` names."""
    host = None
    if payload.get("host_id"):
        room = dataset.extras.room_host(str(payload["host_id"]))
        host = room.host if room is not None else dataset.user_by_id(str(payload["host_id"]))
    elif payload.get("host_email"):
        host = dataset.user(str(payload["host_email"]))
    if host is None:
        raise ValueError("unknown host: give the host_id or host_email of an existing user")
    return host


def _meeting(
    builder: DatasetBuilder, payload: dict[str, Any], host: User, start: datetime, uuid: str | None, no_files: bool
) -> Meeting:
    """The meeting itself, tagged ``added``, from the payload's meeting fields."""
    return builder.meeting(
        host,
        str(payload.get("topic", "Added meeting")),
        start,
        uuid=uuid,
        number=_int(payload, "id", 0) or None,
        meeting_type=_int(payload, "type", 2),
        duration=_int(payload, "duration", 30),
        timezone=str(payload.get("timezone", "UTC")),
        no_files=no_files,
        password=payload.get("password"),
        tags=["added"],
    )


def _participant_specs(specs: Any, dataset: Dataset) -> list[tuple[str, int, dict[str, Any]]]:
    """Validate POSTed ``participant_audio_files`` into ``DatasetBuilder.participant_audio`` arguments."""
    if specs is None:
        return []
    if not isinstance(specs, list) or not all(isinstance(spec, dict) for spec in specs):
        raise ValueError("participant_audio_files must be a list of objects")
    out = []
    for spec in specs:
        file_name = str(spec.get("file_name") or "Audio only - Participant")
        file_id, status, size = _id_status_size(spec, dataset)
        kwargs = {"file_id": file_id, "status": status, "file_name": file_name}
        out.append((file_name.removeprefix("Audio only - "), size, kwargs))
    return out


def _id_status_size(spec: dict[str, Any], dataset: Dataset) -> tuple[str | None, str, int]:
    """A POSTed file's id (a new one, or none: made up), status and size, checked."""
    file_id = str(spec["id"]) if spec.get("id") else None
    if file_id is not None and dataset.file_by_key(file_id) is not None:
        raise ValueError(f"file id {file_id} already exists")
    status = str(spec.get("status", "completed"))
    if status not in ("completed", "processing"):
        raise ValueError("status must be completed or processing")
    size = _int(spec, "file_size", 1024)
    if size < 0:
        raise ValueError("file_size must be >= 0")
    return file_id, status, size


def _file_spec(spec: Any, start: datetime, duration: int, dataset: Dataset) -> tuple[str, int, dict[str, Any]]:
    """Validate one POSTed file object into ``DatasetBuilder.file`` arguments."""
    if not isinstance(spec, dict):
        raise ValueError("each recording file must be an object")
    file_type = str(spec.get("file_type") or "MP4")
    old_shape = "id" in spec and spec["id"] is None
    file_id, status, size = _id_status_size(spec, dataset)
    rec_start = _time(spec, "recording_start", start + timedelta(seconds=5))
    rec_end = _time(spec, "recording_end", rec_start + timedelta(seconds=max(60, duration * 60)))
    kwargs: dict[str, Any] = {
        "extension": spec.get("file_extension") or None,
        "recording_type": spec.get("recording_type", UNSET),
        "status": status,
        "old_shape": old_shape,
        "file_id": None if old_shape else (file_id or UNSET),
        "via_play": bool(spec.get("download_via_play", False)),
        "start": rec_start,
        "seconds": max(0, int((rec_end - rec_start).total_seconds())),
    }
    return file_type, size, kwargs
