"""Zoom's published rate-limit tables, as presets for the emulator's config (``rate_limit_plan``).

Source: https://developers.zoom.us/docs/api/rate-limits/ (page as of 2026-02), two tables:

* the main REST API (meetings, users, cloud recordings, summaries, Clips, Rooms): per second, per category,
  for Free / Pro / Business+ accounts; Free accounts also have a per-day cap per category, Pro and Business+
  share one daily cap between Heavy and Resource-intensive APIs (Pro 30,000, Business+ 60,000);
* the Zoom Phone API: its own table, Pro / Business+ only: Light 20/40, Medium 10/20, Heavy 5/10 per second,
  and a daily cap shared by Heavy and Resource-intensive Phone APIs (Pro 15,000, Business+ 30,000).

``POST /_emulator/config {"rate_limit_plan": "pro"}`` fills ``rate_limit_per_second`` (main API),
``phone_rate_limit_per_second`` and ``phone_daily_limit`` from the plan's row; keys given in the same request
win over the preset. The daily caps of the main API are not emulated (the archiver's calls are Light/Medium).
Zoom documents no Phone API limits for Free accounts (Phone needs a paid plan): the ``free`` preset leaves Phone
unlimited.
"""

from __future__ import annotations

from typing import Any

#: Main REST API, per second (Resource-intensive is per minute and not emulated).
MAIN_PER_SECOND: dict[str, dict[str, int]] = {
    "free": {"light": 4, "medium": 2, "heavy": 1},
    "pro": {"light": 30, "medium": 20, "heavy": 10},
    "business_plus": {"light": 80, "medium": 60, "heavy": 40},
}

#: Zoom Phone API, per second.
PHONE_PER_SECOND: dict[str, dict[str, int]] = {
    "pro": {"light": 20, "medium": 10, "heavy": 5},
    "business_plus": {"light": 40, "medium": 20, "heavy": 10},
}

#: Zoom Phone API, requests a day shared by Heavy (and Resource-intensive) Phone APIs.
PHONE_DAILY: dict[str, int] = {"pro": 15_000, "business_plus": 30_000}

PLANS = tuple(MAIN_PER_SECOND)

DAILY_MESSAGE = (
    "You have reached the maximum daily rate limit for this API. "
    "Refer to the response header for details on when you can make another request."
)


def preset(plan: str) -> dict[str, Any]:
    """The config keys a plan sets (raises ``ValueError`` for an unknown plan)."""
    if plan not in MAIN_PER_SECOND:
        raise ValueError(f"rate_limit_plan must be one of {list(PLANS)}")
    return {
        "rate_limit_per_second": dict(MAIN_PER_SECOND[plan]),
        "phone_rate_limit_per_second": dict(PHONE_PER_SECOND.get(plan, dict.fromkeys(("light", "medium", "heavy")))),
        "phone_daily_limit": PHONE_DAILY.get(plan),
    }
