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
    client = make_client(config={"rate_limit_per_second": {"medium": 20}, "background_share": 0.5})
    client.mint()
    time.sleep(1.5)  # the other integration has filled its half of the last second
    served = burst(client, 20)
    assert 1 <= served <= 14  # about 10 are left to us (timing on a busy machine may shift one or two)
    stats = client.control("GET", "stats")
    assert stats["background"]["served"] >= 10
    assert stats["rate_limited"]["medium"] == 20 - served


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
