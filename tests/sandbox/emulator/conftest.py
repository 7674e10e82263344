"""Fixtures for the Zoom emulator tests: started emulators and a small authenticated client.

``ZOOM_EMULATOR_TODAY=YYYY-MM-DD`` pins the 'today' of every emulator these fixtures start (a test's own
``today=`` wins); unset, the emulators use the real UTC date.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

SANDBOX = Path(__file__).resolve().parents[3] / "sandbox"
if str(SANDBOX) not in sys.path:
    sys.path.insert(0, str(SANDBOX))

from zoom_sandbox.services import pinned_emulator_today  # noqa: E402

from zoom_emulator import ZoomEmulator  # noqa: E402

CLIENT = ("sandbox-client-id", "sandbox-client-secret")
ACCOUNT = "sandbox-account"


class ZoomClient:
    """A ``requests`` session against one emulator, minting tokens the documented way."""

    def __init__(self, emu: ZoomEmulator) -> None:
        self.emu = emu
        self.http = requests.Session()
        self._token: str | None = None

    def mint(self) -> str:
        """Mint a fresh OAuth token (form-body style)."""
        response = self.http.post(
            f"{self.emu.api_url}/oauth/token",
            auth=CLIENT,
            data={"grant_type": "account_credentials", "account_id": ACCOUNT},
            timeout=10,
        )
        response.raise_for_status()
        self._token = response.json()["access_token"]
        return self._token

    @property
    def token(self) -> str:
        """The cached token (minted on first use)."""
        return self._token or self.mint()

    def auth(self) -> dict[str, str]:
        """The bearer header."""
        return {"Authorization": f"Bearer {self.token}"}

    def v2(self, path: str, **params: Any) -> requests.Response:
        """GET ``/v2{path}`` with the bearer token."""
        return self.http.get(f"{self.emu.api_url}/v2{path}", params=params, headers=self.auth(), timeout=10)

    def control(self, method: str, path: str, body: Any = None) -> Any:
        """Call ``/_emulator/{path}`` and return its JSON (raises on HTTP errors)."""
        response = self.http.request(method, f"{self.emu.api_url}/_emulator/{path}", json=body, timeout=30)
        response.raise_for_status()
        return response.json()

    def files(self, **filters: Any) -> list[dict[str, Any]]:
        """``/_emulator/files`` entries matching every ``key=value`` filter."""
        return [
            f
            for f in self.control("GET", "files")["files"]
            if all(f.get(k) == v or (k == "tag" and v in f["tags"]) for k, v in filters.items())
        ]

    def redirect(self, download_url: str, **kwargs: Any) -> requests.Response:
        """Hit a download URL with the bearer header, without following the redirect."""
        return self.http.get(download_url, headers=self.auth(), allow_redirects=False, timeout=10, **kwargs)

    def fetch(self, download_url: str, **headers: str) -> requests.Response:
        """302 on the API host, then GET the CDN URL without Authorization."""
        first = self.redirect(download_url)
        assert first.status_code == 302, first.text
        return requests.get(first.headers["Location"], headers=headers, timeout=10)


@pytest.fixture
def make_emulator() -> Iterator[Callable[..., ZoomEmulator]]:
    """Factory of started emulators, all stopped at teardown."""
    started: list[ZoomEmulator] = []

    def make(seed: str = "tricky", **kwargs: Any) -> ZoomEmulator:
        kwargs.setdefault("today", pinned_emulator_today())
        emu = ZoomEmulator(seed=seed, api_port=0, cdn_port=0, **kwargs).start()
        started.append(emu)
        return emu

    yield make
    for emu in started:
        emu.stop()


@pytest.fixture
def emu(make_emulator: Callable[..., ZoomEmulator]) -> ZoomEmulator:
    """A fresh emulator with the ``tricky`` seed."""
    return make_emulator("tricky")


@pytest.fixture
def client(emu: ZoomEmulator) -> ZoomClient:
    """A client of the ``emu`` fixture."""
    return ZoomClient(emu)


@pytest.fixture
def make_client(make_emulator: Callable[..., ZoomEmulator]) -> Callable[..., ZoomClient]:
    """Start an emulator with options and return a client for it."""

    def make(seed: str = "tricky", **kwargs: Any) -> ZoomClient:
        return ZoomClient(make_emulator(seed, **kwargs))

    return make
