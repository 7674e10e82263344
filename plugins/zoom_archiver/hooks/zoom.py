"""Airflow hook for the ``zoom`` connection type (Zoom Server-to-Server OAuth app)."""

from __future__ import annotations

from functools import cached_property

import requests
from airflow.sdk import BaseHook

from zoom_archiver.redaction import mask
from zoom_archiver.retries import RETRIES
from zoom_archiver.zoom.auth import S2SToken
from zoom_archiver.zoom.client import ZoomClient
from zoom_archiver.zoom.connection import ZoomConnectionSettings, read_zoom_connection
from zoom_archiver.zoom.download import OpenedDownload, open_download
from zoom_archiver.zoom.download_policy import DownloadPolicy
from zoom_archiver.zoom.throttling import AdaptiveRateLimiter


class ZoomHook(BaseHook):
    """Talks to Zoom with the credentials of a ``zoom`` connection.

    Connection fields: *login* = client id, *password* = client secret, *host* = API base URL including
    ``/v2``; the extras (``account_id`` required) are declared with their defaults in
    :data:`zoom_archiver.zoom.connection.EXTRAS`.

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
    def settings(self) -> ZoomConnectionSettings:
        """The connection, read and validated (every extra of :data:`zoom_archiver.zoom.connection.EXTRAS`)."""
        settings = read_zoom_connection(self.get_connection(self.zoom_conn_id), self.zoom_conn_id)
        mask(settings.client_secret)
        return settings

    @cached_property
    def session(self) -> requests.Session:
        session = requests.Session()
        session.headers["User-Agent"] = "airflow-zoom-archiver"
        return session

    @cached_property
    def token(self) -> S2SToken:
        s = self.settings
        return S2SToken(
            self.session,
            token_url=s.oauth_token_url,
            client_id=s.client_id,
            client_secret=s.client_secret,
            account_id=s.account_id,
            timeout=s.timeout,
        )

    def get_conn(self) -> ZoomClient:
        """The API client (one access token cached per hook)."""
        return self.client

    @cached_property
    def client(self) -> ZoomClient:
        s = self.settings
        return ZoomClient(
            s.api_base,
            self.token,
            session=self.session,
            limiter=AdaptiveRateLimiter(s.pace),
            timeout=s.timeout,
            attempts=RETRIES.api_attempts,
        )

    @property
    def download_policy(self) -> DownloadPolicy:
        return DownloadPolicy(hosts=self.settings.download_hosts, allow_http=self.settings.allow_http_downloads)

    @property
    def list_workers(self) -> int:
        return self.settings.list_workers

    @property
    def participant_audio(self) -> str:
        """When a meeting's detail is fetched for its participant audio files (``auto``, ``always``, ``never``)."""
        return self.settings.participant_audio

    def open_download(self, url: str, *, range_start: int = 0) -> OpenedDownload:
        """Open a recording download (see :func:`zoom_archiver.zoom.download.open_download`)."""
        s = self.settings
        timeout = (min(s.timeout, 15.0), s.download_timeout)
        return open_download(
            self.session, url, self.token, self.download_policy, range_start=range_start, timeout=timeout
        )

    def test_connection(self) -> tuple[bool, str]:
        """Mint a token and read one page of users (used by the UI's *Test* button)."""
        try:
            self.client.get("users", {"page_size": 1})
        except Exception as exc:
            return False, str(exc)
        return True, "Connection successfully tested"
