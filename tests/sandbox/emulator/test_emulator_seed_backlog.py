"""The benchmark seeds (zoom_emulator.seed_backlog): ``backlog`` (1,000 hosts, 24 months, deadlines near, far and
none, small or dry files) and ``mix`` (a large MP4, an M4A and 3-4 small files per meeting): deterministic,
parametrised, rate-limited by the usual machinery."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

import pytest

from zoom_emulator.seeds import build_seed

TODAY = date(2026, 5, 1)


def _fingerprint(name: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    dataset = build_seed(name, TODAY, "acc", params)
    return [(m.uuid, m.host_id, m.start, m.auto_delete_date, [(f.key, f.size) for f in m.files or []])
            for m in dataset.meetings.values()]  # fmt: skip


def test_backlog_defaults_are_large_sparse_and_deterministic() -> None:
    dataset = build_seed("backlog", TODAY, "acc", {})
    assert len(dataset.users) == 1000
    assert len(dataset.meetings) == 12000
    starts = [m.start.date() for m in dataset.meetings.values()]
    assert TODAY - timedelta(days=740) < min(starts) < TODAY - timedelta(days=720)
    assert max(starts) < TODAY
    assert Counter(u.status for u in dataset.users) == {"active": 900, "inactive": 100}
    flags = Counter(m.auto_delete for m in dataset.meetings.values())
    assert flags[None] > flags[True] > flags[False] > 0  # no setting, a deadline, exempt
    deadlines = sorted(m.auto_delete_date for m in dataset.meetings.values() if m.auto_delete_date)
    assert deadlines[0] == TODAY + timedelta(days=1)
    assert deadlines[-1] <= TODAY + timedelta(days=120)
    with_setting = {m.host_id for m in dataset.meetings.values() if m.auto_delete is not None}
    assert with_setting == set(dataset.extras.user_settings)


def test_backlog_is_deterministic_and_parametrised() -> None:
    small = {"users": 30, "meetings": 300, "months": 6}
    assert _fingerprint("backlog", small) == _fingerprint("backlog", small)
    dry = build_seed("backlog", TODAY, "acc", {**small, "files": "dry"})
    sizes = [(f.file_type, f.size) for _, f in dry.iter_files()]
    assert {t for t, _ in sizes} == {"MP4", "M4A"}
    assert min(s for t, s in sizes if t == "MP4") >= 20 << 20
    for bad in ({"users": 0}, {"files": "wet"}, {"color": "red"}):
        with pytest.raises(ValueError, match="backlog"):
            build_seed("backlog", TODAY, "acc", bad)


def test_mix_has_the_realistic_set_per_meeting() -> None:
    dataset = build_seed("mix", TODAY, "acc", {"meetings": 10, "mp4_size": 1 << 20})
    counts = []
    for meeting in dataset.meetings.values():
        types = [f.file_type for f in meeting.files or []]
        assert types[:2] == ["MP4", "M4A"]
        assert (meeting.files or [])[0].size == 1 << 20
        counts.append(len(types) - 2)
    assert set(counts) == {3, 4}
    assert _fingerprint("mix", {"meetings": 10}) == _fingerprint("mix", {"meetings": 10})


def test_a_backlog_emulator_serves_its_deadlines_under_rate_limits(make_client: Any) -> None:
    params = {"users": 5, "meetings": 50, "months": 3, "deadline_share": 1.0}
    client = make_client("backlog", today=TODAY.isoformat(), seed_params=params)
    client.token  # noqa: B018 - mint before the burst
    client.control("POST", "config", {"rate_limit_plan": "free"})  # Medium: 2 a second
    window = {"from": str(TODAY - timedelta(days=30)), "to": str(TODAY)}
    answers = [client.v2("/users/backlog-user-00000@example.com/recordings", **window) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    listed = answers[0].json()["meetings"]
    assert listed
    assert all(m["auto_delete"] in (True, False) for m in listed)
    assert any("auto_delete_date" in m for m in listed)
    assert client.control("POST", "reset", {"seed": "backlog", "params": params})["meetings"] == 50
