"""What the planning tests share: a plan made from listed meetings, and well-formed meetings and files to vary."""

from __future__ import annotations

from datetime import date
from typing import Any

from zoom_archiver.dates import Window
from zoom_archiver.discover.planning import Filters, Plan, Planner
from zoom_archiver.keys import DEFAULT_KEY_TEMPLATE

PREFIX = "zoom"
WINDOW_2024 = Window(date(2024, 11, 1), date(2024, 12, 5))
WINDOW_2019 = Window(date(2019, 7, 1), date(2019, 7, 31))


def plan_of(meetings: list[Any], host: dict[str, Any], *, window: Window = WINDOW_2024, filters=None) -> Plan:
    planner = Planner(window=window, filters=filters or Filters(), template=DEFAULT_KEY_TEMPLATE, prefix=PREFIX)
    for meeting in meetings:
        planner.add(meeting, host)
    return planner.plan


def completed_meeting(uuid: str = "2jQ60QnYThiV9cm+fdIbZQ==", **overrides: Any) -> dict[str, Any]:
    meeting = {
        "uuid": uuid,
        "id": 82205654575,
        "host_id": "MoRLcTuVS12AoJ72n6L11Q",
        "topic": "Weekly sync",
        "start_time": "2024-11-29T16:51:20Z",
        "recording_files": [
            mp4_file("file-mp4-1"),
        ],
    }
    meeting.update(overrides)
    return meeting


def mp4_file(file_id: str, **overrides: Any) -> dict[str, Any]:
    record = {
        "id": file_id,
        "recording_start": "2024-11-29T16:51:28Z",
        "recording_end": "2024-11-29T16:51:35Z",
        "file_type": "MP4",
        "file_extension": "MP4",
        "file_size": 1000,
        "download_url": f"https://us06web.zoom.us/rec/download/{file_id}",
        "status": "completed",
        "recording_type": "shared_screen_with_speaker_view",
    }
    record.update(overrides)
    return record
