"""The emulator's participant audio files: only a meeting's detail lists them, the listing counts them, and the CDN
serves their bytes."""

from __future__ import annotations

import hashlib
from urllib.parse import quote


def test_participant_files_are_listed_by_the_detail_only(client):
    added = client.control(
        "POST",
        "meetings",
        {
            "host_email": "tricia@example.com",
            "start_time": "2020-09-30T18:30:46Z",
            "recording_files": [{"file_type": "MP4", "file_size": 4000}],
            "participant_audio_files": [
                {"file_name": "Audio only - Sam Lee", "file_size": 1000},
                {"file_name": "Audio only - Sam Lee", "file_size": 1100, "id": "voice-2"},
            ],
        },
    )
    uuid = added["uuid"]
    assert [f["file_name"] for f in added["participant_audio_files"]] == ["Audio only - Sam Lee"] * 2
    listing = client.v2("/users/tricia@example.com/recordings", **{"from": "2020-09-30", "to": "2020-09-30"}).json()
    [meeting] = [m for m in listing["meetings"] if m["uuid"] == uuid]
    assert "participant_audio_files" not in meeting
    assert (meeting["recording_count"], meeting["total_size"]) == (3, 6100), "the listing counts them"
    assert len(meeting["recording_files"]) == 1
    detail = client.v2(f"/meetings/{quote(quote(uuid, safe=''), safe='')}/recordings").json()
    voices = detail["participant_audio_files"]
    assert [v["file_size"] for v in voices] == [1000, 1100]
    assert voices[1]["id"] == "voice-2"
    assert {v["file_type"] for v in voices} == {"M4A"}
    assert "recording_type" not in voices[0]
    entries = {f["file_id"]: f for f in client.files(meeting_uuid=uuid)}
    body = client.fetch(voices[1]["download_url"]).content
    assert len(body) == 1100
    assert hashlib.sha256(body).hexdigest() == entries["voice-2"]["sha256"]
    assert entries["voice-2"]["file_name"] == "Audio only - Sam Lee"
