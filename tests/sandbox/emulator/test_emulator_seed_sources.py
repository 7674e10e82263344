"""The ``all_sources`` seed (zoom_emulator.seed_sources): a little of every source, as its docstring promises, and
the ``/_emulator/sources`` view that tells a test what bytes each download must give."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import pytest

from zoom_emulator.seed_sources import CASES
from zoom_emulator.seeds import build_seed


def test_the_seed_holds_a_little_of_everything() -> None:
    dataset = build_seed("all_sources", date(2026, 5, 1), "acc")
    extras = dataset.extras
    assert {tag for m in dataset.meetings.values() for tag in m.tags} == set(CASES)
    assert sorted(m.type for m in dataset.meetings.values() if m.type != 2) == [5, 6, 9]
    assert len(extras.rooms) == 1
    assert Counter(s.state for s in extras.summaries.values()) == {"active": 4, "trashed": 1}
    assert sum(s.edited is not None for s in extras.summaries.values()) == 1
    transcripts = Counter(r.transcript_status for r in extras.phone_recordings.values())
    assert transcripts == {"completed": 2, "none": 3, "processing": 1}
    assert Counter(r.owner_type for r in extras.phone_recordings.values()) == {"user": 5, "callQueue": 1}
    assert Counter(v.trashed_at is not None for v in extras.voicemails.values()) == {False: 2, True: 1}
    assert sum(v.transcription is not None for v in extras.voicemails.values()) == 1
    assert Counter(c.status for c in extras.clips.values()) == {"RECORD_SUCCESS": 2, "RECORD_END": 1}
    with pytest.raises(ValueError, match="phones"):
        build_seed("all_sources", date(2026, 5, 1), "acc", {"phones": 3})


def test_sources_view_and_cases(make_client: Any) -> None:
    client = make_client("all_sources", today="2026-05-01")
    sources = client.control("GET", "sources")["sources"]
    assert Counter(s["kind"] for s in sources) == {
        "phone_recording": 6,
        "phone_transcript": 3,
        "voicemail": 3,
        "clip": 3,
    }
    assert all(len(s["sha256"]) == 64 for s in sources)
    assert all(s["sha256"] is None for s in client.control("GET", "sources?sha256=0")["sources"])
    cases = client.control("GET", "cases")["cases"]
    assert cases["zoom_room"]["description"].startswith("hosted by a Zoom Room")
    assert len(cases["zoom_room"]["meeting_uuids"]) == 2
