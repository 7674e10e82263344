"""Seed datasets: ``demo``, ``tricky`` (see ``seed_tricky``), ``bench``, ``empty``, and ``backlog``, ``mix``
(see ``seed_backlog``) and ``all_sources`` (see ``seed_sources``).

All dates are relative to the emulator's 'today' (UTC), so a seed always looks recent. Every seed is
deterministic: the same name, parameters and 'today' give the same ids, tokens and bytes.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

from zoom_emulator.builder import DatasetBuilder
from zoom_emulator.dataset import Dataset
from zoom_emulator.model import Meeting, parse_time
from zoom_emulator.seed_backlog import build_backlog, build_mix
from zoom_emulator.seed_sources import build_all_sources
from zoom_emulator.seed_tricky import build_tricky

SEED_NAMES = ("demo", "tricky", "bench", "empty", "backlog", "mix", "all_sources")
_PARAMETRISED = {"backlog": build_backlog, "mix": build_mix, "all_sources": build_all_sources}

#: The blog post's ``recording.completed`` sample meeting (docs/seed-sample-event.json).
BLOG_UUID = "dj12vck6sdTn6yy7qdy3dQg=="
BLOG_HOST_ID = "uLobbbbbbbbbb_qQsQ"
BLOG_HOST_EMAIL = "somemeail@someemailservice.fjdjf"

BENCH_DEFAULTS: dict[str, Any] = {
    "users": 50,
    "inactive_fraction": 0.1,
    "meetings": 500,
    "days": 30,
    "file_size": 16384,
}

KIB = 1024


def build_seed(name: str, today: date, account_id: str, params: dict[str, Any] | None = None) -> Dataset:
    """Build the named seed dataset; raises ``ValueError`` for an unknown name or bad parameters."""
    if name == "demo":
        return build_demo(today, account_id)
    if name == "tricky":
        return build_tricky(DatasetBuilder("tricky", today, account_id))
    if name == "bench":
        return build_bench(today, account_id, params or {})
    if name in _PARAMETRISED:
        return _PARAMETRISED[name](today, account_id, params or {})
    if name == "empty":
        builder = DatasetBuilder("empty", today, account_id)
        builder.user("Owner", "Account", "owner@example.com")
        return builder.dataset
    raise ValueError(f"unknown seed {name!r}; choose one of {', '.join(SEED_NAMES)}")


def build_demo(today: date, account_id: str) -> Dataset:
    """Three hosts (one inactive), six meetings in the last week, the blog sample, one processing file."""
    b = DatasetBuilder("demo", today, account_id)
    ada = b.user("Ada", "Lovelace", "ada@example.com", timezone="Europe/London")
    blog_host = b.user("Sample", "Host", BLOG_HOST_EMAIL, user_id=BLOG_HOST_ID, timezone="America/Los_Angeles")
    grace = b.user("Grace", "Hopper", "grace@example.com", status="inactive", timezone="America/New_York")

    def full_set(meeting_host: Any, topic: str, start: datetime, mp4_kib: int, with_chat: bool) -> None:
        m = b.meeting(meeting_host, topic, start, duration=45)
        b.file(m, "MP4", mp4_kib * KIB + b.ids.number(0, 999))
        b.file(m, "M4A", (mp4_kib // 3 + 8) * KIB + b.ids.number(0, 999))
        b.file(m, "TIMELINE", 8 * KIB + b.ids.number(0, 999))
        b.file(m, "TRANSCRIPT", 12 * KIB + b.ids.number(0, 999))
        if with_chat:
            b.file(m, "CHAT", 8 * KIB + b.ids.number(0, 999))

    full_set(ada, "Weekly engineering sync", b.at(6, 9, 0, 12), 180, True)
    full_set(ada, "Design review: archive layout", b.at(5, 14, 30, 5), 120, False)
    full_set(blog_host, "Customer onboarding call", b.at(4, 17, 2, 44), 200, True)
    full_set(grace, "COBOL office hours", b.at(3, 13, 0, 3), 90, True)
    full_set(ada, "Incident retro", b.at(2, 10, 15, 0), 64, False)
    processing = b.meeting(ada, "All hands (still processing)", b.at(1, 16, 0, 9), duration=60)
    b.file(processing, "M4A", 40 * KIB + 123)
    b.file(processing, "MP4", 150 * KIB + 321, status="processing")
    _add_blog_sample(b, blog_host, b.at(2, 20, 0, 0))
    return b.dataset


def _add_blog_sample(b: DatasetBuilder, host: Any, start: datetime) -> None:
    """The sample meeting, verbatim except ``start_time`` (moved) and the URL hosts (the emulator's)."""
    m = _blog_meeting(b, host, start)
    rec_start = parse_time("2019-07-23T22:14:57Z")
    common: dict[str, Any] = {"start": rec_start, "seconds": 44, "meeting_id_label": "bpKUheqtRLifLBcIYVJLZw=="}
    b.file(
        m,
        "MP4",
        282825,
        file_id="8f88599d-19ca-4d2b-a965-1196e777cb3c",
        token="80ebRwsfjskf2H3vlSigX0gNlBBBBBBBBBBBBBB",
        **common,
    )
    b.file(
        m,
        "M4A",
        246560,
        file_id="a6b332f9-2246-49e5-913e-588adc7f0f5f",
        token="Oaevut8LSACCCCCCCCnnnnnnnnbbbb",
        **common,
    )
    b.file(m, "TIMELINE", 1180, old_shape=True, token="2dBBBBBccccDDDDeeee", **common)
    b.file(
        m,
        "TRANSCRIPT",
        373,
        file_id="97a4f7ca-e7e8-4e3b-b28a-27b42cd33c09",
        token="7h0BBBBBBBchfhfhffh_0AAAAbbbbbeeSFcf209m",
        via_play=True,
        **common,
    )


def _blog_meeting(b: DatasetBuilder, host: Any, start: datetime) -> Meeting:
    """The sample's meeting (without its files), with the sample's account id and share token."""
    m = b.meeting(
        host,
        "A test meeting",
        start,
        uuid=BLOG_UUID,
        number=150000008,
        meeting_type=2,
        duration=1,
        timezone="America/Los_Angeles",
        tags=["blog_sample"],
    )
    m.account_id = "lAAAAAAAAAAAAA"
    m.share_token = "aaaaaannnnnldglrkgmrmhh"
    return m


def build_bench(today: date, account_id: str, params: dict[str, Any]) -> Dataset:
    """``users`` hosts (the last ``inactive_fraction`` inactive), ``meetings`` spread evenly over
    ``days`` days before today, round-robin over hosts, one M4A of ``file_size`` bytes each."""
    unknown = set(params) - set(BENCH_DEFAULTS)
    if unknown:
        raise ValueError(f"unknown bench parameters: {', '.join(sorted(unknown))}")
    p = {**BENCH_DEFAULTS, **{k: v for k, v in params.items() if v is not None}}
    users, meetings, days, size = int(p["users"]), int(p["meetings"]), float(p["days"]), int(p["file_size"])
    if users < 1 or meetings < 0 or days <= 0 or size < 0:
        raise ValueError("bench needs users >= 1, meetings >= 0, days > 0, file_size >= 0")
    b = DatasetBuilder("bench", today, account_id)
    inactive_from = users - int(users * float(p["inactive_fraction"]))
    hosts = [
        b.user(
            "Bench",
            f"User {i:05d}",
            f"bench-user-{i:05d}@example.com",
            status="inactive" if i >= inactive_from else "active",
        )
        for i in range(users)
    ]
    end = datetime.combine(today, datetime.min.time(), tzinfo=timezone.utc)
    span = timedelta(days=days)
    for i in range(meetings):
        start = (end - span + span * (i + 0.5) / meetings).replace(microsecond=0)
        m = b.meeting(hosts[i % users], f"Bench meeting {i:06d}", start, duration=20)
        b.file(m, "M4A", size)
    return b.dataset
