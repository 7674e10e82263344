"""Benchmark seeds: ``backlog`` (a large account with a long, sparse history and deletion deadlines) and ``mix``
(a realistic mix of files per meeting). Deterministic and built in seconds; pass parameters as ``seed_params``
(``ZoomEmulator(seed_params=...)``, ``POST /_emulator/reset {"params": ...}`` or ``--seed-params`` on the CLI).

``backlog`` (defaults in :data:`BACKLOG_DEFAULTS`): ``users`` hosts (the last ``inactive_fraction`` inactive),
``meetings`` meetings spread evenly over ``months`` months before today, round-robin over hosts, each with
``files``: ``small`` (one M4A of ``file_size`` bytes) or ``dry`` (an MP4 and an M4A listed at realistic sizes, tens
to hundreds of MiB; the bytes are generated on demand, so memory stays flat whatever the listed sizes). A
``deadline_share`` of the hosts have auto-delete on (``auto_delete_cmr``, ``auto_delete_days``): their meetings
carry ``auto_delete_date`` = recording date + ``auto_delete_days`` when that is still ahead, else a date spread
over the next ``auto_delete_days`` days (as when an admin turns the setting on for an old account: the emulator's
choice, Zoom documents no grace rule), and one meeting in ten of theirs is exempt (``auto_delete: false``). The
other hosts' meetings have no deadline field at all. Rate limits are the config's (``rate_limit_plan``).

``mix`` (:data:`MIX_DEFAULTS`): ``users`` hosts, ``meetings`` over ``days`` days; each meeting has an MP4 of
``mp4_size``, an M4A of ``m4a_size`` and ``small_files_min`` to ``small_files_max`` small files (TIMELINE,
TRANSCRIPT, CHAT, CC) of about ``small_size`` bytes.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

from zoom_emulator.builder import DatasetBuilder
from zoom_emulator.dataset import Dataset
from zoom_emulator.model import User
from zoom_emulator.sources_model import RecordingSettings

MIB = 1 << 20
BACKLOG_DEFAULTS: dict[str, Any] = {
    "users": 1000,
    "months": 24,
    "meetings": 12000,
    "inactive_fraction": 0.1,
    "files": "small",
    "file_size": 1024,
    "deadline_share": 0.3,
    "auto_delete_days": 120,
}
MIX_DEFAULTS: dict[str, Any] = {
    "users": 20,
    "meetings": 200,
    "days": 30,
    "mp4_size": 50 * MIB,
    "m4a_size": 5 * MIB,
    "small_size": 16 * 1024,
    "small_files_min": 3,
    "small_files_max": 4,
}
SMALL_TYPES = ("TIMELINE", "TRANSCRIPT", "CHAT", "CC")


def _params(defaults: dict[str, Any], given: dict[str, Any] | None, seed: str) -> dict[str, Any]:
    unknown = set(given or {}) - set(defaults)
    if unknown:
        raise ValueError(f"unknown {seed} parameters: {', '.join(sorted(unknown))}")
    return {**defaults, **{k: v for k, v in (given or {}).items() if v is not None}}


def _hosts(b: DatasetBuilder, count: int, inactive_fraction: float, label: str) -> list[User]:
    inactive_from = count - int(count * inactive_fraction)
    return [
        b.user(
            label.capitalize(),
            f"User {i:05d}",
            f"{label}-user-{i:05d}@example.com",
            status="inactive" if i >= inactive_from else "active",
        )
        for i in range(count)
    ]


def _spread(today: date, span: timedelta, count: int, index: int) -> datetime:
    end = datetime.combine(today, datetime.min.time(), tzinfo=timezone.utc)
    return (end - span + span * (index + 0.5) / count).replace(microsecond=0)


def build_backlog(today: date, account_id: str, given: dict[str, Any] | None = None) -> Dataset:
    """The ``backlog`` seed (see the module docstring)."""
    p = _params(BACKLOG_DEFAULTS, given, "backlog")
    users, meetings, months, days = int(p["users"]), int(p["meetings"]), int(p["months"]), int(p["auto_delete_days"])
    if users < 1 or meetings < 0 or months < 1 or days < 1 or p["files"] not in ("small", "dry"):
        raise ValueError("backlog needs users >= 1, meetings >= 0, months >= 1, auto_delete_days >= 1, files small|dry")
    b = DatasetBuilder("backlog", today, account_id)
    hosts = _hosts(b, users, float(p["inactive_fraction"]), "backlog")
    deadline_hosts = {h.id for i, h in enumerate(hosts) if (i * 37) % 100 < float(p["deadline_share"]) * 100}
    for host in hosts:
        if host.id in deadline_hosts:
            b.dataset.extras.user_settings[host.id or ""] = RecordingSettings(True, days)
    span = timedelta(days=round(months * 30.44))
    for i in range(meetings):
        host = hosts[i % users]
        m = b.meeting(host, f"Backlog meeting {i:06d}", _spread(today, span, meetings, i), duration=30)
        if p["files"] == "small":
            b.file(m, "M4A", int(p["file_size"]))
        else:
            mp4 = b.ids.number(20, 400) * MIB
            b.file(m, "MP4", mp4)
            b.file(m, "M4A", mp4 // 10)
        if host.id in deadline_hosts:
            natural = m.start.date() + timedelta(days=days)
            deadline = natural if natural > today else today + timedelta(days=1 + i % days)
            b.auto_delete(m, None if i % 10 == 9 else deadline)
    return b.dataset


def build_mix(today: date, account_id: str, given: dict[str, Any] | None = None) -> Dataset:
    """The ``mix`` seed (see the module docstring)."""
    p = _params(MIX_DEFAULTS, given, "mix")
    users, meetings, days = int(p["users"]), int(p["meetings"]), float(p["days"])
    low, high = int(p["small_files_min"]), int(p["small_files_max"])
    if users < 1 or meetings < 0 or days <= 0 or not 0 <= low <= high <= len(SMALL_TYPES):
        raise ValueError("mix needs users >= 1, meetings >= 0, days > 0, 0 <= small_files_min <= small_files_max <= 4")
    b = DatasetBuilder("mix", today, account_id)
    hosts = _hosts(b, users, 0.0, "mix")
    small = int(p["small_size"])
    for i in range(meetings):
        m = b.meeting(hosts[i % users], f"Mix meeting {i:05d}", _spread(today, timedelta(days=days), meetings, i))
        b.file(m, "MP4", int(p["mp4_size"]))
        b.file(m, "M4A", int(p["m4a_size"]))
        for file_type in SMALL_TYPES[: low + i % (high - low + 1)]:
            b.file(m, file_type, small + b.ids.number(0, max(0, small // 4)))
    return b.dataset
