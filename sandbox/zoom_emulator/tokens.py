"""Access tokens (OAuth and ``download_access_token``) and opaque pagination tokens."""

from __future__ import annotations

import base64
import json
import threading
import time
from dataclasses import dataclass
from typing import Any

from zoom_emulator.ids import IdFactory

VALID = "valid"
INVALID = "invalid"
EXPIRED = "expired"

_MAX_KEPT = 20000


_MAX_JOURNAL = 100_000


@dataclass
class AccessToken:
    """One issued token; ``kind`` is ``oauth`` (usable everywhere) or ``download`` (downloads only)."""

    value: str
    kind: str
    expires_at: float
    revoked: bool = False


class TokenStore:
    """Issues and checks tokens. Expired tokens are remembered so they can be reported as *expired*."""

    def __init__(self, ids: IdFactory) -> None:
        self._ids = ids
        self._lock = threading.Lock()
        self._tokens: dict[str, AccessToken] = {}
        #: Every token value ever issued (bounded), for leak tests: ``GET /_emulator/secrets``.
        self.issued: list[str] = []

    def _new_value(self) -> str:
        header = {"sv": "000001", "alg": "HS512", "v": "2.0", "kid": self._ids.token(32)}
        encoded = base64.urlsafe_b64encode(json.dumps(header, separators=(",", ":")).encode()).rstrip(b"=")
        return f"{encoded.decode()}.{self._ids.urlsafe(180)}.{self._ids.urlsafe(64)}"

    def mint(self, ttl: float, invalidate_previous: bool) -> AccessToken:
        """Issue an OAuth token valid ``ttl`` seconds, optionally revoking all earlier OAuth tokens."""
        token = AccessToken(self._new_value(), "oauth", time.monotonic() + ttl)
        with self._lock:
            if invalidate_previous:
                for old in self._tokens.values():
                    if old.kind == "oauth":
                        old.revoked = True
            self._store(token)
        return token

    def mint_download(self, ttl: float) -> AccessToken:
        """Issue a ``download_access_token`` (accepted on download URLs only, never on /v2)."""
        token = AccessToken(self._new_value(), "download", time.monotonic() + ttl)
        with self._lock:
            self._store(token)
        return token

    def _store(self, token: AccessToken) -> None:
        if len(self.issued) < _MAX_JOURNAL:
            self.issued.append(token.value)
        if len(self._tokens) >= _MAX_KEPT:
            for value in list(self._tokens)[: _MAX_KEPT // 2]:
                del self._tokens[value]
        self._tokens[token.value] = token

    def check(self, value: str | None, *, downloads: bool = False) -> str:
        """Return ``VALID``, ``INVALID`` (unknown, revoked or wrong kind) or ``EXPIRED``."""
        if not value:
            return INVALID
        with self._lock:
            token = self._tokens.get(value)
        if token is None or token.revoked or (token.kind == "download" and not downloads):
            return INVALID
        if time.monotonic() >= token.expires_at:
            return EXPIRED
        return VALID

    def revoke_all(self) -> int:
        """Revoke every token (control plane); returns how many were live."""
        with self._lock:
            live = [t for t in self._tokens.values() if not t.revoked]
            for t in live:
                t.revoked = True
        return len(live)

    def expire_all(self) -> int:
        """Make every token expired right now (simulates a token running out mid-run)."""
        now = time.monotonic()
        with self._lock:
            live = [t for t in self._tokens.values() if not t.revoked and t.expires_at > now]
            for t in live:
                t.expires_at = now
        return len(live)


class PageTokens:
    """Opaque ``next_page_token`` values mapped to the cursor they stand for."""

    def __init__(self, ids: IdFactory) -> None:
        self._ids = ids
        self._lock = threading.Lock()
        self._cursors: dict[str, tuple[float, dict[str, Any]]] = {}

    def issue(self, cursor: dict[str, Any]) -> str:
        """Store ``cursor`` and return a fresh 35-character token for it."""
        token = self._ids.token(35)
        with self._lock:
            if len(self._cursors) >= _MAX_KEPT:
                for value in list(self._cursors)[: _MAX_KEPT // 2]:
                    del self._cursors[value]
            self._cursors[token] = (time.monotonic(), cursor)
        return token

    def resolve(self, token: str, ttl: float) -> dict[str, Any] | None:
        """The cursor for ``token``, or ``None`` when it is unknown or older than ``ttl`` seconds."""
        with self._lock:
            entry = self._cursors.get(token)
        if entry is None or time.monotonic() - entry[0] >= ttl:
            return None
        return dict(entry[1])

    def clear(self) -> None:
        """Forget every token (dataset reset)."""
        with self._lock:
            self._cursors.clear()
