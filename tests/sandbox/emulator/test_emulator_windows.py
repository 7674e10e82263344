"""The recordings window over HTTP: the emulator clamps ``from`` like Zoom (one calendar month, or a stricter rule
set with ``max_window_days``), and the archiver's client loses no day against either, at the fewest calls."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
import requests

from zoom_archiver.zoom.auth import S2SToken
from zoom_archiver.zoom.client import ZoomClient
from zoom_archiver.zoom.windows import listing_windows

TODAY = date(2025, 3, 31)
EDGE_RANGES = [
    pytest.param("2024-01-31", "2024-03-31", id="31st-over-a-leap-february"),
    pytest.param("2023-01-31", "2023-03-31", id="31st-over-a-short-february"),
    pytest.param("2023-12-15", "2024-01-31", id="december-january"),
    pytest.param("2024-11-05", "2024-12-05", id="the-real-capture"),
    pytest.param("2024-02-29", "2024-03-29", id="from-february-29"),
    pytest.param("2023-02-28", "2023-03-31", id="32-days-served-whole"),
    pytest.param("2024-05-01", "2024-08-31", id="four-months"),
]


@pytest.fixture(scope="module")
def emulator() -> Any:
    """Two meetings on every day from 2023-01 to 2025-03 (one host), so a lost day is a missing meeting."""
    from zoom_emulator import ZoomEmulator

    days = (TODAY - date(2022, 12, 1)).days
    emu = ZoomEmulator(
        seed="bench", today=TODAY, seed_params={"users": 1, "meetings": 2 * days, "days": days, "inactive_fraction": 0}
    ).start()
    yield emu
    emu.stop()


@pytest.fixture
def listing(emulator: Any) -> Callable[[str, str, int | None], tuple[set[str], set[str], int]]:
    def run(first: str, last: str, max_window_days: int | None) -> tuple[set[str], set[str], int]:
        emulator.configure(max_window_days=max_window_days)
        session = requests.Session()
        token = S2SToken(session, token_url=f"{emulator.api_url}/oauth/token", client_id="sandbox-client-id",
                         client_secret="sandbox-client-secret", account_id="sandbox-account")  # fmt: skip
        client = ZoomClient(f"{emulator.api_url}/v2", token, session=session)
        [user] = client.list_users()
        start, end = date.fromisoformat(first), date.fromisoformat(last)
        emulator.state.stats.reset()
        listed = [m["uuid"] for m in client.list_user_recordings(user["id"], start, end)]
        assert len(listed) == len(set(listed)), "a meeting was listed twice"
        expected = {m.uuid for m in emulator.state.dataset.meetings_for_host(user["id"], start, end)}
        assert len(expected) >= 2 * ((end - start).days + 1)
        return set(listed), expected, emulator.stats()["requests"]["recordings"]

    return run


@pytest.mark.parametrize(("first", "last"), EDGE_RANGES)
def test_zooms_calendar_month_no_day_lost_fewest_calls(listing, first, last) -> None:
    listed, expected, calls = listing(first, last, None)
    assert listed == expected
    assert calls == len(listing_windows(date.fromisoformat(first), date.fromisoformat(last)))


@pytest.mark.parametrize(("first", "last"), EDGE_RANGES)
def test_a_stricter_rule_costs_a_call_never_a_day(listing, first, last) -> None:
    listed, expected, calls = listing(first, last, 30)
    assert listed == expected
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    assert calls <= len(listing_windows(start, end, 30)) + 1


def test_the_emulator_clamps_from_by_the_stricter_rule(emulator) -> None:
    emulator.configure(max_window_days=30)
    try:
        session = requests.Session()
        token = session.post(f"{emulator.api_url}/oauth/token", auth=("sandbox-client-id", "sandbox-client-secret"),
                             data={"grant_type": "account_credentials", "account_id": "sandbox-account"},
                             timeout=10).json()["access_token"]  # fmt: skip
        window = {"from": "2024-11-05", "to": "2024-12-05"}
        body = session.get(f"{emulator.api_url}/v2/users/me/recordings", params=window,
                           headers={"Authorization": f"Bearer {token}"}, timeout=10).json()  # fmt: skip
        assert (body["from"], body["to"]) == ((date(2024, 12, 5) - timedelta(days=29)).isoformat(), "2024-12-05")
    finally:
        emulator.configure(max_window_days=None)
