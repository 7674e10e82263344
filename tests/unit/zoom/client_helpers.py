"""What the zoom_api tests share: a :class:`ZoomClient` against requests-mock with a token endpoint that mints
two tokens in turn, the waits it would sleep, and helpers to read the requests it made.

The fixtures (``client``, ``token_endpoint``, ``waits``) reach the tests through ``tests/unit/conftest.py``.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from zoom_archiver.zoom.auth import S2SToken
from zoom_archiver.zoom.client import ZoomClient

API = "https://api.zoom.us/v2"
TOKEN_URL = "https://zoom.us/oauth/token"
CLIENT_SECRET = "zoom-client-secret-XYZ-987654321"
TOKEN_1 = "eyJzdiI6IjAwMDAwMSIs-access-token-one"
TOKEN_2 = "eyJzdiI6IjAwMDAwMSIs-access-token-two"
USERS_URL = re.compile(r"^https://api\.zoom\.us/v2/users(\?.*)?$")
RECORDINGS_URL = re.compile(r"^https://api\.zoom\.us/v2/users/[^/]+/recordings")


def qs(request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(request.url).query).items()}


def bounded(page: Callable[[Any], dict[str, Any]], calls: int = 50) -> Callable[[Any, Any], dict[str, Any]]:
    """A requests-mock ``json=`` callback that fails the test instead of answering for ever."""
    counter = itertools.count(1)

    def answer(request: Any, context: Any) -> dict[str, Any]:
        if next(counter) > calls:
            raise AssertionError(f"the listing did not stop after {calls} pages")
        return page(request)

    return answer


def api_calls(requests_mock) -> list:
    return [r for r in requests_mock.request_history if r.url.startswith(API)]


def token_calls(requests_mock) -> list:
    return [r for r in requests_mock.request_history if r.url.startswith(TOKEN_URL)]


@pytest.fixture
def waits() -> list[float]:
    return []


@pytest.fixture
def token_endpoint(requests_mock):
    return requests_mock.post(
        TOKEN_URL,
        [
            {"json": {"access_token": TOKEN_1, "token_type": "bearer", "expires_in": 3599}},
            {"json": {"access_token": TOKEN_2, "token_type": "bearer", "expires_in": 3599}},
        ],
    )


@pytest.fixture
def client(token_endpoint, waits, clock) -> ZoomClient:
    session = requests.Session()
    token = S2SToken(
        session, token_url=TOKEN_URL, client_id="client-id", client_secret=CLIENT_SECRET, account_id="acc", clock=clock
    )
    return ZoomClient(API, token, session=session, attempts=4, sleep=waits.append)
