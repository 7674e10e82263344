"""Zoom's webhook signature: ``x-zm-signature = "v0=" + hex(HMAC-SHA256(secret token, "v0:{timestamp}:{body}"))``.

The secret token authenticates every delivery (Airflow does not authenticate plugin routes): a delivery is accepted
only if its signature matches one of the configured tokens (compared in constant time, every token tried) and its
``x-zm-request-timestamp`` (seconds) is within :data:`MAX_SKEW_SECONDS` of now, so a captured delivery cannot be
replayed later. Zoom's URL validation answers ``encryptedToken = hex(HMAC-SHA256(secret token, plainToken))``.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Sequence

#: A delivery older (or newer) than this is refused: Zoom signs the timestamp, so a replay cannot renew it.
MAX_SKEW_SECONDS = 300
PREFIX = "v0="


class Refused(Exception):
    """A delivery that is not accepted: ``status`` is the HTTP answer, ``reason`` is safe to log (no secret)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def _hmac_hex(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The ``x-zm-signature`` Zoom sends for ``body`` at ``timestamp`` (seconds, as sent in the header)."""
    return PREFIX + _hmac_hex(secret, b"v0:" + timestamp.encode("ascii") + b":" + body)


def encrypted_token(secret: str, plain_token: str) -> str:
    """The ``encryptedToken`` of Zoom's URL validation (``endpoint.url_validation``)."""
    return _hmac_hex(secret, plain_token.encode("utf-8"))


def check_timestamp(timestamp: str | None, *, now: float | None = None, skew: int = MAX_SKEW_SECONDS) -> None:
    """Refuse a missing, malformed or stale ``x-zm-request-timestamp``."""
    if not timestamp:
        raise Refused(401, "missing x-zm-request-timestamp")
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        raise Refused(400, "malformed x-zm-request-timestamp")
    age = (time.time() if now is None else now) - int(timestamp)
    if abs(age) > skew:
        raise Refused(401, f"timestamp {age:+.0f} s away from now (more than {skew} s)")


def verify(
    secrets: Sequence[str], timestamp: str | None, signature: str | None, body: bytes, *, now: float | None = None
) -> str:
    """Check a delivery; return the secret that signed it (for the URL validation answer).

    Every configured secret is tried (rotation: the old and the new app's tokens), each compared in constant time.
    """
    if not secrets:
        raise Refused(401, "no webhook secret token configured (zoom_default extra webhook_secret_token)")
    check_timestamp(timestamp, now=now)
    if not signature or not timestamp:
        raise Refused(401, "missing x-zm-signature")
    matched = None
    for secret in secrets:
        if hmac.compare_digest(sign(secret, timestamp, body).encode(), signature.encode("utf-8", "replace")):
            matched = secret
    if matched is None:
        raise Refused(401, "signature mismatch")
    return matched
