"""``ZOOM_EMULATOR_TODAY`` pins the emulator's 'today' for a whole run (fixtures and ``start_emulator``)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import requests
from zoom_sandbox.services import (
    EMULATOR_TODAY_ENV,
    SANDBOX_ACCOUNT_ID,
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    pinned_emulator_today,
    start_emulator,
)


@pytest.mark.parametrize("value", ["", "  "])
def test_unset_or_empty_means_the_real_date(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(EMULATOR_TODAY_ENV, value)
    assert pinned_emulator_today() is None
    monkeypatch.delenv(EMULATOR_TODAY_ENV)
    assert pinned_emulator_today() is None


def test_a_bad_date_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(EMULATOR_TODAY_ENV, "2026-02-30")
    with pytest.raises(ValueError, match=EMULATOR_TODAY_ENV):
        pinned_emulator_today()


def test_fixtures_honour_the_pin_and_a_test_s_own_today_wins(
    monkeypatch: pytest.MonkeyPatch, make_emulator: Any
) -> None:
    monkeypatch.setenv(EMULATOR_TODAY_ENV, "2027-03-01")
    assert make_emulator("empty").state.today() == date(2027, 3, 1)
    assert make_emulator("empty", today="2026-05-01").state.today() == date(2026, 5, 1)


def test_start_emulator_honours_the_pin(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(EMULATOR_TODAY_ENV, "2026-12-31")
    service = start_emulator(tmp_path, seed="empty")
    try:
        token = requests.post(
            f"{service.url}/oauth/token",
            auth=(SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET),
            data={"grant_type": "account_credentials", "account_id": SANDBOX_ACCOUNT_ID},
            timeout=10,
        ).json()["access_token"]
        body = requests.get(
            f"{service.url}/v2/users/me/recordings", headers={"Authorization": f"Bearer {token}"}, timeout=10
        ).json()
    finally:
        service.stop()
    assert (body["from"], body["to"]) == ("2026-12-31", "2027-01-01")
