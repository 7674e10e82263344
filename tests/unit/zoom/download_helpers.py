"""What the download tests share: a Zoom download URL redirecting to a signed CDN URL, an MP4 and Zoom's error
bodies, a fake token, a ``fetch`` that opens a download with it, and a check that a message leaks no secret.

The fixtures (``token``, ``fetch``) reach the tests through ``tests/unit/conftest.py``.
"""

from __future__ import annotations

import pytest
import requests

from zoom_archiver.zoom.download import open_download
from zoom_archiver.zoom.download_policy import DownloadPolicy

TOKEN = "eyJzdiI6IjAwMDAwMSIs-download-token"
API_URL = "https://us06web.zoom.us/rec/download/c4nrAbCdEf"
SIGNED_QUERY = (
    "response-content-type=video%2Fmp4&Expires=1733000000&Policy=eyJTdGF0ZW1lbnQi&Signature=SiGnAtUrE0123"
    "&Key-Pair-Id=K1"
)
CDN_URL = (
    "https://ssrweb.zoom.us/cmr/replay/2024/11/29/82205654575/GUID/GMT20241129-165128_Recording_1920x1080.mp4?"
    + SIGNED_QUERY
)
MP4_BYTES = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 40
ZOOM_TOKEN_ERROR = b'{"status":false,"errorCode":124,"errorMessage":"Forbidden"}'
API_TOKEN_ERROR = b'{"code":124,"message":"Invalid access token."}'
DOWNLOAD_DISABLED = b'{"code":200,"message":"Download has been disabled by the administrator"}'


class FakeToken:
    """Stands in for :class:`S2SToken`: hands out one token and records invalidations."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.invalidated: list[str] = []

    def get(self) -> str:
        return self.token

    def invalidate(self, token: str) -> None:
        self.invalidated.append(token)


@pytest.fixture
def token() -> FakeToken:
    return FakeToken()


@pytest.fixture
def fetch(token):
    def fetch(url: str = API_URL, policy: DownloadPolicy | None = None, **kwargs):
        return open_download(requests.Session(), url, token, policy or DownloadPolicy(), **kwargs)

    return fetch


def assert_no_secrets(message: str) -> None:
    assert TOKEN not in message
    assert "Signature" not in message
    assert "Policy=" not in message
    assert "Key-Pair-Id" not in message
    assert "?" not in message
