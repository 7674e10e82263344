"""The ``zoom`` connection: every extra it reads, declared once.

The same declarations feed the connection form (``conn-fields`` of the provider info: label, type, default and
description of each extra) and :func:`read_zoom_connection`, which turns a connection into typed, validated
:class:`ZoomConnectionSettings` (a bad value is a :class:`~zoom_archiver.errors.ConfigurationError` naming the
extra and the value).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any
from urllib.parse import SplitResult, urlsplit

from zoom_archiver.errors import ConfigurationError
from zoom_archiver.zoom.throttling import DEFAULT_PLAN, PLAN_MEDIUM_LIMITS, listing_pace

DEFAULT_API_BASE = "https://api.zoom.us/v2"
DEFAULT_TOKEN_URL = "https://zoom.us/oauth/token"  # noqa: S105 - a URL, not a password
DEFAULT_DOWNLOAD_HOSTS = ("zoom.us", "*.zoom.us")


@dataclass(frozen=True)
class Extra:
    """One connection extra: how the form shows it and how its value is read."""

    name: str
    label: str
    kind: str  # JSON schema type: string, boolean, number, integer, array
    default: Any
    description: str
    parse: Callable[[Any, str], Any]
    required: bool = False
    #: Airflow masks the values of fields whose names look secret ("token"): such a default would be shown, and
    #: saved, as "***", so it is named in the description only.
    form_default: bool = True
    #: a secret: a password field in the form (Airflow also masks extras whose names say "secret" or "token")
    sensitive: bool = False

    def form_field(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": self.kind if self.required else [self.kind, "null"]}
        if self.default is not None and self.form_default:
            schema["default"] = list(self.default) if isinstance(self.default, tuple) else self.default
        if self.kind == "array":
            schema["items"] = {"type": "string"}
        if self.sensitive:
            schema["format"] = "password"
        return {"label": self.label, "schema": schema, "description": self.description}


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str | int) or isinstance(value, bool) or not str(value).strip():
        raise ConfigurationError(f"connection extra {name} must be a non-empty string, got {value!r}")
    return str(value).strip()


def _flag(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise ConfigurationError(f"connection extra {name} must be true or false, got {value!r}")


def _number(low: float, high: float, *, integer: bool = False) -> Callable[[Any, str], Any]:
    def parse(value: Any, name: str) -> float | int:
        try:
            number = int(str(value).strip()) if integer else float(str(value).strip())
        except ValueError:
            raise ConfigurationError(f"connection extra {name} must be a number, got {value!r}") from None
        if isinstance(value, bool) or not low <= number <= high:
            raise ConfigurationError(f"connection extra {name} must be between {low:g} and {high:g}, got {value!r}")
        return number

    return parse


def _plan(value: Any, name: str) -> str:
    plan = str(value).strip().lower().replace(" ", "_")
    if plan not in PLAN_MEDIUM_LIMITS:
        plans = ", ".join(PLAN_MEDIUM_LIMITS)
        raise ConfigurationError(f"connection extra {name} must be one of {plans}, got {value!r}")
    return plan


def _hosts(value: Any, name: str) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(isinstance(h, str) for h in items):
        raise ConfigurationError(f"connection extra {name} must be a list of host names, got {value!r}")
    hosts = tuple(h.strip().lower() for h in items if h.strip())
    if not hosts:
        raise ConfigurationError(f"connection extra {name} lists no host")
    return hosts


def _participant_audio(value: Any, name: str) -> str:
    text = str(value).strip().lower()
    if text not in PARTICIPANT_AUDIO_MODES:
        raise ConfigurationError(
            f"connection extra {name} must be one of {list(PARTICIPANT_AUDIO_MODES)}, got {value!r}"
        )
    return text


#: ``participant_audio``: when a meeting's detail is fetched for its participant audio files (see
#: :mod:`zoom_archiver.discover.listing`).
PARTICIPANT_AUDIO_MODES = ("auto", "always", "never")


def _url(value: Any, name: str) -> str:
    url = _text(value, name)
    _split_url(url, f"connection extra {name}")
    return url


def _secrets(value: Any, name: str) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(isinstance(t, str) for t in items):
        raise ConfigurationError(f"connection extra {name} must be a list of secret tokens (value not shown)")
    return tuple(t.strip() for t in items if t.strip())


EXTRAS: tuple[Extra, ...] = (
    Extra("account_id", "Account ID", "string", None, "The Server-to-Server OAuth app's account id.", _text, True),
    Extra(
        "oauth_token_url",
        "OAuth token URL",
        "string",
        DEFAULT_TOKEN_URL,
        f"Where access tokens are minted; empty: {DEFAULT_TOKEN_URL}.",
        _url,
        form_default=False,
    ),
    Extra(
        "download_hosts",
        "Download hosts",
        "array",
        DEFAULT_DOWNLOAD_HOSTS,
        "Hosts downloads and their redirects may go to (*.example.com = any subdomain).",
        _hosts,
    ),
    Extra(
        "allow_http_downloads",
        "Allow plain-HTTP downloads",
        "boolean",
        False,
        "Only the local emulator needs it; https only otherwise.",
        _flag,
    ),
    Extra(
        "zoom_plan",
        "Zoom plan",
        "string",
        DEFAULT_PLAN,
        "The account's plan, for its per-second API limit: free (2/s), pro (20/s) or business (Business and higher, "
        "60/s). Listing starts just under it and slows down on 429s.",
        _plan,
    ),
    Extra(
        "max_requests_per_second",
        "Max API requests per second",
        "number",
        None,
        "Hard cap over all listing threads, under the plan's limit (leave room for other integrations); empty or "
        "0 = the plan's limit.",
        _number(0, 1000),
    ),
    Extra("list_workers", "Listing workers", "integer", 4, "Users listed concurrently.", _number(1, 64, integer=True)),
    Extra("timeout", "API timeout (s)", "number", 30.0, "Seconds per API request.", _number(1, 600)),
    Extra(
        "download_timeout",
        "Download stall timeout (s)",
        "number",
        120.0,
        "Seconds a download may stall between two reads before it is resumed or retried.",
        _number(1, 3600),
    ),
    Extra(
        "participant_audio",
        "Participant audio files",
        "string",
        "auto",
        "Fetch a meeting's detail for its separate participant audio files: auto (when the listing counts more files "
        "than it shows), always, never.",
        _participant_audio,
    ),
    Extra(
        "webhook_secret_token",
        "Webhook secret token",
        "string",
        None,
        "The Zoom app's event-subscription Secret Token: signs the deliveries to /zoom/webhook (masked).",
        lambda value, name: _secrets(value, name)[:1],
        form_default=False,
        sensitive=True,
    ),
    Extra(
        "webhook_secret_tokens",
        "More webhook secret tokens",
        "array",
        None,
        "Secret tokens of other apps (or the old token while rotating); a delivery signed by any of them is accepted.",
        _secrets,
        form_default=False,
    ),
)


def conn_fields() -> dict[str, dict[str, Any]]:
    """The ``conn-fields`` of the provider info: one form field per extra."""
    return {extra.name: extra.form_field() for extra in EXTRAS}


@dataclass(frozen=True)
class ZoomConnectionSettings:
    """A ``zoom`` connection, read and validated."""

    api_base: str
    client_id: str
    client_secret: str
    account_id: str
    oauth_token_url: str = DEFAULT_TOKEN_URL
    download_hosts: tuple[str, ...] = DEFAULT_DOWNLOAD_HOSTS
    allow_http_downloads: bool = False
    zoom_plan: str = DEFAULT_PLAN
    max_requests_per_second: float = 0.0
    list_workers: int = 4
    timeout: float = 30.0
    download_timeout: float = 120.0
    participant_audio: str = "auto"
    webhook_secret_token: tuple[str, ...] = dataclass_field(default=(), repr=False)
    webhook_secret_tokens: tuple[str, ...] = dataclass_field(default=(), repr=False)

    @property
    def rate(self) -> float | None:
        """The hard cap (``None``: none beyond the plan's limit)."""
        return self.max_requests_per_second or None

    @property
    def pace(self) -> float:
        """The rate listing starts at and never exceeds (see :func:`zoom_archiver.zoom.throttling.listing_pace`)."""
        return listing_pace(self.zoom_plan, self.rate)


def read_zoom_connection(conn: Any, conn_id: str) -> ZoomConnectionSettings:
    """Typed settings of a ``zoom`` connection (login, password, host and every extra of :data:`EXTRAS`)."""
    extra: Mapping[str, Any] = conn.extra_dejson or {}
    values: dict[str, Any] = {}
    for field in EXTRAS:
        # the form stores fields as ``extra__zoom__<name>`` in older UIs, plain ``<name>`` in Airflow 3
        raw = extra.get(field.name, extra.get(f"extra__zoom__{field.name}"))
        if raw is None or raw == "":
            continue
        values[field.name] = field.parse(raw, field.name)
    if not conn.login or not conn.password or "account_id" not in values:
        raise ConfigurationError(
            f"connection {conn_id!r} needs login (client id), password (client secret) and extra.account_id"
        )
    return ZoomConnectionSettings(
        api_base=api_base(conn.host, conn.port, conn.schema, conn_id),
        client_id=conn.login,
        client_secret=conn.password,
        **values,
    )


def read_webhook_secrets(conn: Any) -> tuple[str, ...]:
    """The webhook secret tokens of a ``zoom`` connection (``webhook_secret_token`` first, then the rotation list);
    only these extras are read, so the receiver works with a connection whatever its other fields."""
    extra: Mapping[str, Any] = conn.extra_dejson or {}
    tokens: list[str] = []
    for field_ in EXTRAS:
        if field_.name in ("webhook_secret_token", "webhook_secret_tokens"):
            raw = extra.get(field_.name, extra.get(f"extra__zoom__{field_.name}"))
            if raw not in (None, ""):
                tokens.extend(t for t in field_.parse(raw, field_.name) if t not in tokens)
    return tuple(tokens)


def api_base(host: str | None, port: int | None, schema: str | None, conn_id: str = "zoom_default") -> str:
    """The API base URL from the connection's host (a URL, or a bare host name with port and path).

    A port out of 1-65535 or not a number, in the host or the port field, is a :class:`ConfigurationError`
    naming the field (never the host's text: a URL may carry credentials)."""
    if port and not 0 < port <= 65535:
        raise ConfigurationError(f"connection {conn_id!r} port must be a number from 1 to 65535, got {port!r}")
    if not host:
        return DEFAULT_API_BASE
    field = f"connection {conn_id!r} host"
    if "://" in host:
        parts = _split_url(host, field)
        path = parts.path.rstrip("/") or "/v2"
        netloc = parts.netloc if parts.port or not port else f"{parts.netloc}:{port}"
        return f"{parts.scheme}://{netloc}{path}"
    path = (schema or "v2").strip("/")
    url = f"https://{host}{':' + str(port) if port else ''}/{path}"
    _split_url(url, field)
    return url


def _split_url(url: str, field: str) -> SplitResult:
    """``url`` split, its port checked (``urlsplit`` checks it only when ``.port`` is read, with a bare ValueError)."""
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        raise ConfigurationError(f"{field} is not a valid URL (value not shown)") from None
    try:
        port = parts.port
    except ValueError:  # out of 0-65535, or not a number
        port = 0
    if port == 0:
        raise ConfigurationError(f"{field} has a bad port: it must be a number from 1 to 65535 (value not shown)")
    return parts
