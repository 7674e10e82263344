"""Server-to-Server OAuth: mint, cache and refresh the account access token."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import requests

from zoom_archiver.errors import ZoomAuthError, ZoomRateLimited, ZoomTransientError
from zoom_archiver.redaction import mask, safe_url
from zoom_archiver.zoom.throttling import parse_retry_after

log = logging.getLogger(__name__)

#: Refresh this long before Zoom's ``expires_in`` runs out (Zoom's own SDK uses 60 s).
REFRESH_MARGIN_SECONDS = 60.0


class S2SToken:
    """Caches one access token per process and refreshes it before it expires.

    Zoom has, at times, invalidated earlier tokens whenever a new one was minted, so a token is only re-minted
    when it is about to expire or when the API rejected it (:meth:`invalidate`).

    :param session: the HTTP session to use.
    :param token_url: Zoom's OAuth token endpoint.
    :param client_id: the app's client id.
    :param client_secret: the app's client secret (masked in logs).
    :param account_id: the Zoom account id.
    :param timeout: request timeout in seconds.
    """

    def __init__(
        self,
        session: requests.Session,
        *,
        token_url: str,
        client_id: str,
        client_secret: str,
        account_id: str,
        timeout: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._session = session
        self._token_url = token_url
        self._client_id = client_id
        self._client_secret = client_secret
        self._account_id = account_id
        self._timeout = timeout
        self._clock = clock
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = threading.Lock()
        self.minted = 0
        mask(client_secret)

    def get(self) -> str:
        """Return a valid access token, minting one if none is cached or it is about to expire."""
        with self._lock:
            if self._token is None or self._clock() >= self._expires_at:
                self._mint()
            assert self._token is not None
            return self._token

    def invalidate(self, token: str) -> None:
        """Forget ``token`` (the API answered 401/124 for it); the next :meth:`get` mints a new one."""
        with self._lock:
            if self._token == token:
                self._token = None

    def _mint(self) -> None:
        try:
            response = self._session.post(
                self._token_url,
                data={"grant_type": "account_credentials", "account_id": self._account_id},
                auth=(self._client_id, self._client_secret),
                timeout=self._timeout,
            )
        except requests.RequestException as exc:
            raise ZoomTransientError(
                f"Zoom OAuth endpoint {safe_url(self._token_url)} unreachable ({type(exc).__name__})"
            ) from None
        if response.status_code == 429:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            raise ZoomRateLimited("Zoom OAuth endpoint answered HTTP 429", retry_after=retry_after)
        if response.status_code >= 500:
            raise ZoomTransientError(f"Zoom OAuth endpoint answered HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            body = {}
        token = body.get("access_token") if isinstance(body, dict) else None
        if response.status_code != 200 or not isinstance(token, str) or not token:
            reason = body.get("reason") or body.get("error") if isinstance(body, dict) else None
            raise ZoomAuthError(
                f"Zoom refused the Server-to-Server OAuth credentials (HTTP {response.status_code}: "
                f"{reason or 'no reason given'}); check the zoom_default connection's client id, secret "
                "and account_id"
            )
        mask(token)
        expires_in = body.get("expires_in")
        lifetime = float(expires_in) if isinstance(expires_in, (int, float)) and expires_in > 0 else 3600.0
        # Never cache for less than a few seconds, even with a tiny lifetime.
        margin = min(REFRESH_MARGIN_SECONDS, lifetime / 2)
        self._token = token
        self._expires_at = self._clock() + lifetime - margin
        self.minted += 1
        log.info("Minted a Zoom access token (valid %ds)", int(lifetime))
