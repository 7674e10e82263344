"""Zoom Clips (zoom_emulator.clips): the list at the documented root path and under /v2, its date filter (modified
date by default), paging bounds, the detail, the download (302, not-ready and unknown clips), soft deletion."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
import requests

ITEM = {
    "title", "description", "duration", "status", "clip_id", "owner_id", "file_size", "share_link",
    "share_link_settings", "thumbnail_link", "created_date", "modified_date",
}  # fmt: skip
APRIL = {"from": "2026-04-05T00:00:00Z", "to": "2026-05-01T23:59:59Z"}


@pytest.fixture
def clips(make_client: Any) -> Any:
    return make_client("all_sources", today="2026-05-01")


def _get(client: Any, path: str, **params: Any) -> requests.Response:
    return client.http.get(f"{client.emu.api_url}{path}", params=params, headers=client.auth(), timeout=10)


def _titles(client: Any, path: str = "/clips", **params: Any) -> list[str]:
    response = _get(client, path, **params)
    assert response.status_code == 200, response.text
    return [c["title"] for c in response.json()["data"]]


def test_list_shape_and_paths(clips: Any) -> None:
    body = _get(clips, "/clips", **APRIL).json()
    assert list(body) == ["data", "next_page_token", "page_size", "total_records"]
    assert body["page_size"] == 30
    for item in body["data"]:
        assert set(item) == ITEM
        assert isinstance(item["file_size"], int)
        assert item["created_date"].endswith("+00:00")
    assert _titles(clips, "/v2/clips", **APRIL) == [c["title"] for c in body["data"]]
    assert _titles(clips, "/accounts/me/clips", **APRIL) == [c["title"] for c in body["data"]]
    assert _get(clips, "/accounts/another/clips").status_code == 404
    assert _get(clips, "/clips").status_code == 200
    assert _get(clips, "/clips", page_size=5).json()["page_size"] == 30  # the spec's minimum
    assert _get(clips, "/clips", page_size=1000).json()["page_size"] == 300


def test_default_filter_is_the_modified_date(clips: Any) -> None:
    assert "Onboarding tips" in _titles(clips, **APRIL)  # created 40 days ago, edited yesterday
    assert "Onboarding tips" not in _titles(clips, date_filter_type="CREATED_DATE", **APRIL)
    old = {"from": "2026-03-20T00:00:00Z", "to": "2026-03-25T00:00:00Z"}
    assert _titles(clips, date_filter_type="CREATED_DATE", **old) == ["Onboarding tips"]
    assert _get(clips, "/clips", date_filter_type="TODAY").status_code == 400
    assert _titles(clips) == ["Still rendering"]  # without from/to: today and tomorrow


def test_owner_status_and_search_filters(clips: Any) -> None:
    assert _titles(clips, user_id="wes.webinar@example.com", **APRIL) == ["Onboarding tips"]
    assert _titles(clips, user_id="me", status="RECORD_SUCCESS", **APRIL) == ["Release walkthrough"]
    assert _titles(clips, search_key="walk", **APRIL) == ["Release walkthrough"]
    assert _get(clips, "/clips", user_id="nobody@example.com").status_code == 404


def test_detail_and_download(clips: Any) -> None:
    data = _get(clips, "/clips", **APRIL).json()["data"]
    ready = next(c for c in data if c["status"] == "RECORD_SUCCESS")
    assert _get(clips, f"/clips/{ready['clip_id']}").json() == ready
    first = clips.redirect(f"{clips.emu.api_url}/clips/{ready['clip_id']}/download")
    assert first.status_code == 302
    got = requests.get(first.headers["Location"], timeout=10)
    assert (got.headers["Content-Type"], len(got.content)) == ("video/mp4", ready["file_size"])
    source = next(
        s for s in clips.control("GET", "sources")["sources"] if s["kind"] == "clip" and s["size"] == ready["file_size"]
    )
    assert hashlib.sha256(got.content).hexdigest() == source["sha256"]
    rendering = next(c for c in data if c["status"] == "RECORD_END")
    assert _get(clips, f"/clips/{rendering['clip_id']}/download").json()["code"] == 50002
    assert _get(clips, "/clips/unknown/download").json()["code"] == 10002
    assert _get(clips, "/clips/unknown").json()["code"] == 2000


def test_edit_and_soft_delete(clips: Any) -> None:
    data = _get(clips, "/clips", **APRIL).json()["data"]
    rendering = next(c for c in data if c["status"] == "RECORD_END")
    done = clips.control("POST", "clips/edit", {"clip_id": rendering["clip_id"], "status": "RECORD_SUCCESS"})
    assert done["modified_date"] > rendering["modified_date"]
    assert clips.redirect(f"{clips.emu.api_url}/clips/{rendering['clip_id']}/download").status_code == 302
    clips.control("POST", "clips/delete", {"clip_id": rendering["clip_id"]})
    assert rendering["title"] not in _titles(clips, **APRIL)
    assert _titles(clips, status="RECORD_DELETE", **APRIL) == [rendering["title"]]
    assert _get(clips, f"/clips/{rendering['clip_id']}/download").status_code == 404
    added = clips.control("POST", "clips", {"user": "pia.phone@example.com", "title": "New one", "file_size": 1234})
    assert (added["file_size"], added["status"]) == (1234, "RECORD_SUCCESS")
    assert "New one" in _titles(clips, user_id="pia.phone@example.com")
