"""Airflow hook for the ``zoom`` connection type (Zoom Server-to-Server OAuth app)."""

from __future__ import annotations

from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

import requests
from airflow.sdk import BaseHook

from zoom_archiver.download import DEFAULT_DOWNLOAD_HOSTS, DownloadPolicy, OpenedDownload, open_download
from zoom_archiver.errors import ConfigurationError
from zoom_archiver.redaction import mask
from zoom_archiver.throttling import DEFAULT_REQUESTS_PER_SECOND
from zoom_archiver.zoom_api import ZoomClient
from zoom_archiver.zoom_auth import DEFAULT_TOKEN_URL, S2SToken

DEFAULT_API_BASE = "https://api.zoom.us/v2"


class ZoomHook(BaseHook):
    """Talks to Zoom with the credentials of a ``zoom`` connection.

    Connection fields: *login* = client id, *password* = client secret, *host* = API base URL including
    ``/v2``; extra: ``account_id`` (required), ``oauth_token_url`` (default ``https://zoom.us/oauth/token``),
    ``download_hosts`` (default ``["zoom.us", "*.zoom.us"]``), ``allow_http_downloads`` (default false),
    ``max_requests_per_second`` (default 8), ``list_workers`` (default 4), ``timeout`` (seconds per API request,
    default 30), ``download_timeout`` (seconds a download may stall between two reads, default 120).

    :param zoom_conn_id: the connection id (``zoom_default``).
    """

    conn_name_attr = "zoom_conn_id"
    default_conn_name = "zoom_default"
    conn_type = "zoom"
    hook_name = "Zoom"

    def __init__(self, zoom_conn_id: str = default_conn_name) -> None:
        super().__init__()
        self.zoom_conn_id = zoom_conn_id

    @cached_property
    def _settings(self) -> dict[str, Any]:
        conn = self.get_connection(self.zoom_conn_id)
        extra = conn.extra_dejson or {}
        account_id = extra.get("account_id") or extra.get("extra__zoom__account_id")
        if not conn.login or not conn.password or not account_id:
            raise ConfigurationError(
                f"connection {self.zoom_conn_id!r} needs login (client id), password (client secret) and "
                "extra.account_id"
            )
        mask(conn.password)
        hosts = extra.get("download_hosts") or list(DEFAULT_DOWNLOAD_HOSTS)
        if isinstance(hosts, str):
            hosts = [h.strip() for h in hosts.split(",") if h.strip()]
        return {
            "api_base": _api_base(conn.host, conn.port, conn.schema),
            "client_id": conn.login,
            "client_secret": conn.password,
            "account_id": str(account_id),
            "token_url": extra.get("oauth_token_url") or DEFAULT_TOKEN_URL,
            "policy": DownloadPolicy(hosts=tuple(hosts), allow_http=_truthy(extra.get("allow_http_downloads"))),
            "rate": float(extra.get("max_requests_per_second", DEFAULT_REQUESTS_PER_SECOND) or 0) or None,
            "workers": int(extra.get("list_workers", 4)),
            "timeout": float(extra.get("timeout", 30)),
            "download_timeout": float(extra.get("download_timeout", 120)),
        }

    @cached_property
    def session(self) -> requests.Session:
        session = requests.Session()
        session.headers["User-Agent"] = "airflow-zoom-archiver"
        return session

    @cached_property
    def token(self) -> S2SToken:
        s = self._settings
        return S2SToken(
            self.session,
            token_url=s["token_url"],
            client_id=s["client_id"],
            client_secret=s["client_secret"],
            account_id=s["account_id"],
            timeout=s["timeout"],
        )

    def get_conn(self) -> ZoomClient:
        """The API client (one access token cached per hook)."""
        return self.client

    @cached_property
    def client(self) -> ZoomClient:
        s = self._settings
        return ZoomClient(
            s["api_base"],
            self.token,
            session=self.session,
            requests_per_second=s["rate"],
            timeout=s["timeout"],
        )

    @property
    def download_policy(self) -> DownloadPolicy:
        return self._settings["policy"]

    @property
    def list_workers(self) -> int:
        return self._settings["workers"]

    def open_download(self, url: str, *, range_start: int = 0) -> OpenedDownload:
        """Open a recording download (see :func:`zoom_archiver.download.open_download`)."""
        s = self._settings
        return open_download(self.session, url, self.token, self.download_policy, range_start=range_start,
                             timeout=(min(s["timeout"], 15.0), s["download_timeout"]))  # fmt: skip

    def test_connection(self) -> tuple[bool, str]:
        """Mint a token and read one page of users (used by the UI's *Test* button)."""
        try:
            self.client.get("users", {"page_size": 1})
        except Exception as exc:
            return False, str(exc)
        return True, "Connection successfully tested"


def _api_base(host: str | None, port: int | None, schema: str | None) -> str:
    if not host:
        return DEFAULT_API_BASE
    if "://" in host:
        parts = urlsplit(host)
        path = parts.path.rstrip("/") or "/v2"
        netloc = parts.netloc if parts.port or not port else f"{parts.netloc}:{port}"
        return f"{parts.scheme}://{netloc}{path}"
    path = (schema or "v2").strip("/")
    return f"https://{host}{':' + str(port) if port else ''}/{path}"


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)
