"""S2S OAuth: body and query forms, errors, expiry, invalidation, and token placement on /v2."""

from __future__ import annotations

import time
from typing import Any

import requests

CLIENT = ("sandbox-client-id", "sandbox-client-secret")


def _token(emu: Any, *, auth: Any = CLIENT, data: Any = None, params: Any = None) -> requests.Response:
    return requests.post(f"{emu.api_url}/oauth/token", auth=auth, data=data, params=params, timeout=10)


def test_token_from_form_body(emu: Any) -> None:
    response = _token(emu, data={"grant_type": "account_credentials", "account_id": "sandbox-account"})
    assert response.status_code == 200
    body = response.json()
    assert body["access_token"].startswith("eyJ")
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3599
    assert isinstance(body["scope"], str)
    assert body["scope"]
    assert body["api_url"] == emu.api_url


def test_token_from_query_string(emu: Any) -> None:
    response = _token(emu, params={"grant_type": "account_credentials", "account_id": "sandbox-account"})
    assert response.status_code == 200
    assert response.json()["access_token"].startswith("eyJ")


def test_token_errors(emu: Any) -> None:
    good = {"grant_type": "account_credentials", "account_id": "sandbox-account"}
    bad_client = _token(emu, auth=("sandbox-client-id", "nope"), data=good)
    assert (bad_client.status_code, bad_client.json()) == (
        400,
        {"reason": "Invalid client_id or client_secret", "error": "invalid_client"},
    )
    assert _token(emu, auth=None, data=good).json()["error"] == "invalid_client"
    bad_grant = _token(emu, data={**good, "grant_type": "client_credentials"})
    assert (bad_grant.status_code, bad_grant.json()) == (
        400,
        {"reason": "unsupported grant type", "error": "unsupported_grant_type"},
    )
    bad_account = _token(emu, data={**good, "account_id": "other"})
    assert (bad_account.status_code, bad_account.json()) == (
        400,
        {"reason": "Invalid account_id", "error": "invalid_request"},
    )


def test_custom_credentials(make_emulator: Any) -> None:
    emu = make_emulator("empty", config={"client_id": "a", "client_secret": "b", "account_id": "c"})
    assert _token(emu, auth=("a", "b"), data={"grant_type": "account_credentials", "account_id": "c"}).ok


def test_v2_needs_a_bearer_header(client: Any) -> None:
    url = f"{client.emu.api_url}/v2/users"
    invalid = {"code": 124, "message": "Invalid access token."}
    missing = requests.get(url, timeout=10)
    assert (missing.status_code, missing.json()) == (401, invalid)
    garbage = requests.get(url, headers={"Authorization": "Bearer nope"}, timeout=10)
    assert (garbage.status_code, garbage.json()) == (401, invalid)
    in_query = requests.get(url, params={"access_token": client.token}, timeout=10)
    assert (in_query.status_code, in_query.json()) == (401, invalid)
    assert client.v2("/users").status_code == 200


def test_tokens_expire(make_client: Any) -> None:
    client = make_client("empty", config={"token_ttl": 1})
    assert client.v2("/users").status_code == 200
    time.sleep(1.1)
    expired = client.v2("/users")
    assert (expired.status_code, expired.json()) == (401, {"code": 124, "message": "Access token is expired."})


def test_new_token_invalidates_the_previous_one(client: Any) -> None:
    first = client.mint()
    second = client.mint()
    url = f"{client.emu.api_url}/v2/users"
    old = requests.get(url, headers={"Authorization": f"Bearer {first}"}, timeout=10)
    assert (old.status_code, old.json()["code"]) == (401, 124)
    assert requests.get(url, headers={"Authorization": f"Bearer {second}"}, timeout=10).ok
    assert client.control("GET", "stats")["tokens_minted"] == 2


def test_previous_tokens_stay_valid_when_switched_off(make_client: Any) -> None:
    client = make_client("empty", config={"invalidate_previous_tokens": False})
    first = client.mint()
    client.mint()
    old = requests.get(f"{client.emu.api_url}/v2/users", headers={"Authorization": f"Bearer {first}"}, timeout=10)
    assert old.status_code == 200
