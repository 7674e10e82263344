"""A simulated second integration takes its share of the account's Medium per-second limit (``background_share``)."""

from __future__ import annotations

import time
from typing import Any

import pytest


def burst(client: Any, calls: int) -> int:
    """``calls`` list-users calls back to back; how many were served (not 429)."""
    return sum(client.v2("/users").status_code == 200 for _ in range(calls))


def test_without_a_second_integration_the_whole_budget_is_ours(make_client) -> None:
    client = make_client(config={"rate_limit_per_second": {"medium": 20}})
    client.mint()
    assert burst(client, 20) == 20
    assert client.control("GET", "stats")["background"] == {"served": 0, "refused": 0}


def test_a_second_integration_takes_its_share(make_client) -> None:
    """The other integration asks for about its half and gets some, and the account as a whole never exceeds its
    limit: whatever the machine's speed (a slow machine makes fewer calls of ours, never more)."""
    client = make_client(config={"rate_limit_per_second": {"medium": 20}, "background_share": 0.5})
    client.mint()
    time.sleep(1.5)  # the other integration is running
    before = client.control("GET", "stats")
    started = time.monotonic()
    ours = [client.v2("/users").status_code for _ in range(60)]
    elapsed = time.monotonic() - started
    after = client.control("GET", "stats")
    theirs = after["background"]["served"] - before["background"]["served"]
    tried = theirs + after["background"]["refused"] - before["background"]["refused"]
    served = ours.count(200)
    assert theirs > 0
    assert tried >= 0.6 * 10 * elapsed  # the other integration asks for about half of the 20/s
    assert served + theirs <= 20 * (elapsed + 1) + 2  # the account's limit holds for both together
    refused = after["rate_limited"].get("medium", 0) - before["rate_limited"].get("medium", 0)
    assert refused == ours.count(429) == 60 - served


def test_the_share_is_set_at_run_time_and_validated(make_client) -> None:
    client = make_client(config={"rate_limit_per_second": {"medium": 20}})
    client.mint()
    assert client.control("POST", "config", {"background_share": 0.5})["background_share"] == 0.5
    time.sleep(1.2)
    assert client.control("GET", "stats")["background"]["served"] >= 5
    response = client.http.post(f"{client.emu.api_url}/_emulator/config", json={"background_share": 1.0}, timeout=10)
    assert response.status_code == 400


@pytest.mark.parametrize("value", [0, 30])
def test_max_window_days_is_validated(make_client, value) -> None:
    client = make_client()
    response = client.http.post(f"{client.emu.api_url}/_emulator/config", json={"max_window_days": value}, timeout=10)
    assert (response.status_code == 200) is (value == 30)
