"""Server-to-Server OAuth: ``POST /oauth/token`` and bearer-token checks for ``/v2``."""

from __future__ import annotations

import base64
import binascii
import hmac
from urllib.parse import parse_qs

from zoom_emulator.httpbase import Request, Response, json_response
from zoom_emulator.state import EmulatorState
from zoom_emulator.tokens import EXPIRED, VALID

SCOPE = (
    "user:read:list_users:admin cloud_recording:read:list_user_recordings:admin "
    "cloud_recording:read:list_recording_files:admin"
)
INVALID_TOKEN = {"code": 124, "message": "Invalid access token."}
EXPIRED_TOKEN = {"code": 124, "message": "Access token is expired."}


def _oauth_error(reason: str, error: str) -> Response:
    return json_response(400, {"reason": reason, "error": error})


def _basic_credentials(header: str | None) -> tuple[str, str] | None:
    if not header or header[:6].lower() != "basic ":
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, secret = decoded.partition(":")
    return (client_id, secret) if sep else None


def token_endpoint(state: EmulatorState, request: Request) -> Response:
    """Mint an access token for ``grant_type=account_credentials`` (params in the body or the query)."""
    state.stats.request("oauth")
    if request.method != "POST":
        return json_response(405, {"code": 405, "message": "Method Not Allowed"})
    params = dict(request.query)
    if request.body:
        form = parse_qs(request.body.decode("utf-8", "replace"), keep_blank_values=True)
        params.update({k: v[0] for k, v in form.items()})
    config = state.config
    creds = _basic_credentials(request.header("Authorization"))
    if (
        creds is None
        or not hmac.compare_digest(creds[0].encode(), config.client_id.encode())
        or not hmac.compare_digest(creds[1].encode(), config.client_secret.encode())
    ):
        return _oauth_error("Invalid client_id or client_secret", "invalid_client")
    if params.get("grant_type") != "account_credentials":
        return _oauth_error("unsupported grant type", "unsupported_grant_type")
    if params.get("account_id") != config.account_id:
        return _oauth_error("Invalid account_id", "invalid_request")
    token = state.tokens.mint(config.token_ttl, config.invalidate_previous_tokens)
    state.stats.token_minted()
    return json_response(
        200,
        {
            "access_token": token.value,
            "token_type": "bearer",
            "expires_in": config.token_ttl,
            "scope": SCOPE,
            "api_url": state.api_base,
        },
        [("Cache-Control", "no-store"), ("Pragma", "no-cache")],
    )


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer`` header, if any."""
    header = request.header("Authorization") or ""
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip() or None


def check_api_auth(state: EmulatorState, request: Request) -> Response | None:
    """``None`` when the bearer token is valid for ``/v2``; else the 401 (code 124) response.

    Tokens passed as ``?access_token=`` are ignored on ``/v2`` (as since February 2023), so such calls
    get the same 401.
    """
    verdict = state.tokens.check(bearer_token(request))
    if verdict == VALID:
        return None
    return json_response(401, EXPIRED_TOKEN if verdict == EXPIRED else INVALID_TOKEN)
