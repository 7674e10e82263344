"""Behaviour and fault-injection settings, changeable at start (``--config``) and at run time.

Every key, its default and meaning:

==============================  ==========================  =================================================
key                             default                     meaning
==============================  ==========================  =================================================
client_id / client_secret       sandbox-client-id / -secret S2S OAuth credentials (Basic auth)
account_id                      sandbox-account             expected ``account_id`` grant parameter
token_ttl                       3599                        access-token lifetime (``expires_in``), seconds
invalidate_previous_tokens      true                        minting a token invalidates all earlier ones
page_token_ttl_seconds          900                         lifetime of ``next_page_token`` values
list_error_rate                 0.0                         fraction of /v2 list calls answered with an error
list_error_kinds                all of LIST_ERROR_KINDS     which errors ``list_error_rate`` picks from
list_error_order                "random"                    random: seeded draws; cycle: evenly spaced, kinds in turn
download_drop_rate              0.0                         fraction of files whose first CDN download breaks
download_drop_fraction          0.5                         part of the body sent before the connection drops
download_html_once_rate         0.0                         fraction of files whose first API download is HTML
slow_response_rate              0.0                         fraction of API-host requests delayed ...
slow_response_seconds           2.0                         ... by this many seconds
rate_limit_per_second           light/medium/heavy: null    per-second limit per category (null = none)
rate_limit_retry_after          "seconds"                   Retry-After on 429: seconds|date|http_date|none
background_share                0.0                         share of the Medium per-second limit a simulated second
                                                            integration of the account takes (0 to 0.9)
max_window_days                 null                        a recordings window stricter than Zoom's calendar month:
                                                            ``from`` is clamped to at most this many days before ``to``
cdn_throttle_bytes_per_second   null                        CDN bandwidth cap per response
cdn_supports_range              true                        honour ``Range`` (206) on the CDN
cdn_url_ttl_seconds             3600                        validity of the pre-signed CDN URLs
redirect_host_override          null                        host (or host:port) put in the 302 Location
fault_seed                      0                           seed for every fault decision
rate_limit_plan                 null                        free|pro|business_plus: fills the three limits below
                                                            and ``rate_limit_per_second`` (``rate_plans``)
phone_rate_limit_per_second     light/medium/heavy: null    Zoom Phone API per-second limits (its own table)
phone_daily_limit               null                        Phone Heavy calls a (emulated UTC) day
phone_access                    "licensed"                  licensed | no_licence (every /phone call: 403) |
                                                            no_scope (every /phone call: 400/4711)
api_trash_events                false                       /v2 DELETE and PUT .../status also send webhooks
==============================  ==========================  =================================================
"""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from zoom_emulator.rate_plans import preset

LIST_ERROR_KINDS = ("429_seconds", "429_date", "429_http_date", "429_none", "500", "502", "503")
LIST_ERROR_ORDERS = ("random", "cycle")
RETRY_AFTER_STYLES = ("seconds", "date", "http_date", "none")
RATE_CATEGORIES = ("light", "medium", "heavy")
PHONE_ACCESS = ("licensed", "no_licence", "no_scope")


def _default_limits() -> dict[str, int | None]:
    return dict.fromkeys(RATE_CATEGORIES)


@dataclass
class EmulatorConfig:
    """Mutable settings; see the module docstring for each key."""

    client_id: str = "sandbox-client-id"
    client_secret: str = "sandbox-client-secret"
    account_id: str = "sandbox-account"
    token_ttl: int = 3599
    invalidate_previous_tokens: bool = True
    page_token_ttl_seconds: float = 900.0
    list_error_rate: float = 0.0
    list_error_kinds: list[str] = field(default_factory=lambda: list(LIST_ERROR_KINDS))
    list_error_order: str = "random"
    download_drop_rate: float = 0.0
    download_drop_fraction: float = 0.5
    download_html_once_rate: float = 0.0
    slow_response_rate: float = 0.0
    slow_response_seconds: float = 2.0
    rate_limit_per_second: dict[str, int | None] = field(default_factory=_default_limits)
    rate_limit_retry_after: str = "seconds"
    background_share: float = 0.0
    max_window_days: int | None = None
    cdn_throttle_bytes_per_second: int | None = None
    cdn_supports_range: bool = True
    cdn_url_ttl_seconds: int = 3600
    redirect_host_override: str | None = None
    fault_seed: int | str = 0
    rate_limit_plan: str | None = None
    phone_rate_limit_per_second: dict[str, int | None] = field(default_factory=_default_limits)
    phone_daily_limit: int | None = None
    phone_access: str = "licensed"
    api_trash_events: bool = False

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready copy of the settings."""
        return copy.deepcopy(asdict(self))

    def public_dict(self) -> dict[str, Any]:
        """``to_dict`` with the client secret masked (what the control plane shows)."""
        return {**self.to_dict(), "client_secret": "********"}

    def merge(self, changes: dict[str, Any]) -> None:
        """Validate and apply a partial update; raises ``ValueError`` and changes nothing on error."""
        candidate = copy.deepcopy(self)
        known = {f.name for f in fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise ValueError(f"unknown config keys: {', '.join(unknown)}")
        if changes.get("rate_limit_plan") is not None:
            changes = {**preset(str(changes["rate_limit_plan"])), **changes}
        for key, value in changes.items():
            if key in ("rate_limit_per_second", "phone_rate_limit_per_second"):
                value = _merge_limits(getattr(candidate, key), value)
            setattr(candidate, key, _coerce(key, value))
        candidate._validate()
        for f in fields(self):
            setattr(self, f.name, getattr(candidate, f.name))

    def _validate(self) -> None:
        for name in ("list_error_rate", "download_drop_rate", "download_html_once_rate", "slow_response_rate"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")
        if not 0.0 <= self.download_drop_fraction < 1.0:
            raise ValueError("download_drop_fraction must be in [0, 1)")
        bad = [k for k in self.list_error_kinds if k not in LIST_ERROR_KINDS]
        if bad or not self.list_error_kinds:
            raise ValueError(f"list_error_kinds must be a non-empty subset of {list(LIST_ERROR_KINDS)}")
        if self.list_error_order not in LIST_ERROR_ORDERS:
            raise ValueError(f"list_error_order must be one of {list(LIST_ERROR_ORDERS)}")
        if self.rate_limit_retry_after not in RETRY_AFTER_STYLES:
            raise ValueError(f"rate_limit_retry_after must be one of {list(RETRY_AFTER_STYLES)}")
        if not 0.0 <= self.background_share <= 0.9:
            raise ValueError("background_share must be between 0 and 0.9")
        if self.max_window_days is not None and self.max_window_days < 1:
            raise ValueError("max_window_days must be at least 1 or null")
        if self.cdn_throttle_bytes_per_second is not None and self.cdn_throttle_bytes_per_second <= 0:
            raise ValueError("cdn_throttle_bytes_per_second must be positive or null")
        if self.phone_access not in PHONE_ACCESS:
            raise ValueError(f"phone_access must be one of {list(PHONE_ACCESS)}")
        if self.phone_daily_limit is not None and self.phone_daily_limit < 1:
            raise ValueError("phone_daily_limit must be at least 1 or null")


_BOOL_KEYS = {"invalidate_previous_tokens", "cdn_supports_range", "api_trash_events"}
_INT_KEYS = {"token_ttl", "cdn_url_ttl_seconds"}
_FLOAT_KEYS = {
    "page_token_ttl_seconds",
    "list_error_rate",
    "download_drop_rate",
    "download_drop_fraction",
    "download_html_once_rate",
    "slow_response_rate",
    "slow_response_seconds",
    "background_share",
}
_STR_KEYS = {"client_id", "client_secret", "account_id", "rate_limit_retry_after", "list_error_order", "phone_access"}


def _coerce(key: str, value: Any) -> Any:
    """Type-check one value (JSON numbers may arrive as int or float)."""
    try:
        if key in _BOOL_KEYS:
            if not isinstance(value, bool):
                raise TypeError
            return value
        if key in _INT_KEYS:
            return int(value)
        if key in _FLOAT_KEYS:
            return float(value)
        if key in _STR_KEYS:
            if not isinstance(value, str):
                raise TypeError
            return value
        if key == "list_error_kinds":
            return [str(v) for v in value]
        if key == "rate_limit_plan":
            return None if value is None else str(value)
        if key in ("cdn_throttle_bytes_per_second", "max_window_days", "phone_daily_limit"):
            return None if value is None else int(value)
        if key == "redirect_host_override":
            return None if value in (None, "") else str(value)
        if key == "fault_seed":
            return value if isinstance(value, int | str) else str(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"bad value for {key}: {value!r}") from exc
    return value


def _merge_limits(current: dict[str, int | None], update: Any) -> dict[str, int | None]:
    if not isinstance(update, dict):
        raise ValueError("rate_limit_per_second must be an object of category -> limit or null")
    merged = dict(current)
    for category, limit in update.items():
        name = str(category).lower()
        if name not in RATE_CATEGORIES:
            raise ValueError(f"unknown rate-limit category {category!r}")
        if limit is not None and (not isinstance(limit, int | float) or limit <= 0):
            raise ValueError(f"rate limit for {name} must be a positive number or null")
        merged[name] = None if limit is None else int(limit)
    return merged
