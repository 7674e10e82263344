"""``list_error_order: cycle``: list errors evenly spaced at exactly ``list_error_rate``, taking every configured
kind in turn (a chaos run that must see each kind gets each one, whatever the timing)."""

from __future__ import annotations

from typing import Any

import pytest

from zoom_emulator.config import LIST_ERROR_KINDS, EmulatorConfig


def test_cycle_gives_every_kind_in_turn(make_client: Any) -> None:
    client = make_client("empty", config={"list_error_rate": 1.0, "list_error_order": "cycle"})
    statuses = [client.v2("/users").status_code for _ in range(2 * len(LIST_ERROR_KINDS))]
    assert statuses == [int(kind[:3]) for kind in LIST_ERROR_KINDS] * 2
    faults = client.control("GET", "stats")["faults"]
    assert faults == {f"list_error_{kind}": 2 for kind in LIST_ERROR_KINDS}


def test_cycle_respects_the_configured_kinds(make_client: Any) -> None:
    client = make_client("empty", config={"list_error_rate": 1.0, "list_error_order": "cycle",
                                          "list_error_kinds": ["503", "429_none"]})  # fmt: skip
    assert [client.v2("/users").status_code for _ in range(4)] == [503, 429, 503, 429]


def test_cycle_spaces_errors_evenly_at_the_rate(make_client: Any) -> None:
    client = make_client("empty", config={"list_error_rate": 0.25, "list_error_order": "cycle",
                                          "list_error_kinds": ["500"]})  # fmt: skip
    statuses = [client.v2("/users").status_code for _ in range(12)]
    assert statuses == [200, 200, 200, 500] * 3


def test_random_is_the_default_and_order_is_validated() -> None:
    assert EmulatorConfig().list_error_order == "random"
    with pytest.raises(ValueError, match="list_error_order"):
        EmulatorConfig().merge({"list_error_order": "sorted"})
