"""The emulator's trash: DELETE ?action=trash hides a file and keeps it, PUT .../status recovers it, every DELETE
call is readable through ``GET /_emulator/trash``."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
import requests


def segment(uuid: str) -> str:
    """Zoom's rule: a UUID starting with ``/`` or containing ``//`` is encoded twice."""
    once = quote(uuid, safe="")
    return quote(once, safe="") if uuid.startswith("/") or "//" in uuid else once


def call(client: Any, method: str, uuid: str, file_id: str, suffix: str = "", **kwargs: Any) -> requests.Response:
    url = f"{client.emu.api_url}/v2/meetings/{segment(uuid)}/recordings/{quote(file_id, safe='')}{suffix}"
    return client.http.request(method, url, headers=client.auth(), timeout=10, **kwargs)


def listed_ids(client: Any, uuid: str) -> set[str]:
    answer = client.v2(f"/meetings/{segment(uuid)}/recordings")
    return {f.get("id") for f in answer.json().get("recording_files", [])} if answer.status_code == 200 else set()


def test_trash_hides_a_file_recover_brings_it_back_and_calls_are_logged(client: Any) -> None:
    f = next(x for x in client.files(status="completed") if x["file_id"] and x["meeting_uuid"].startswith("/"))
    uuid, file_id = f["meeting_uuid"], f["file_id"]
    assert file_id in listed_ids(client, uuid)

    trashed = call(client, "DELETE", uuid, file_id, params={"action": "trash"})
    assert trashed.status_code == 204
    assert trashed.content == b""
    assert file_id not in listed_ids(client, uuid)
    assert call(client, "DELETE", uuid, file_id, params={"action": "trash"}).json()["code"] == 3301  # gone already

    snapshot = client.control("GET", "trash")
    assert [c["recording_id"] for c in snapshot["calls"]] == [file_id, file_id]
    assert {c["action"] for c in snapshot["calls"]} == {"trash"}
    assert snapshot["calls"][0]["meeting_uuid"] == uuid  # the double-encoded segment decoded
    assert [t["file_id"] for t in snapshot["trashed"]] == [file_id]

    recovered = call(client, "PUT", uuid, file_id, "/status", json={"action": "recover"})
    assert recovered.status_code == 204
    assert file_id in listed_ids(client, uuid)
    assert client.control("GET", "trash")["trashed"] == []
    assert call(client, "PUT", uuid, file_id, "/status", json={"action": "recover"}).status_code == 404


def test_processing_file_is_refused_and_delete_is_not_recoverable(client: Any) -> None:
    processing = client.files(status="processing")[0]
    refused = call(client, "DELETE", processing["meeting_uuid"], processing["file_id"], params={"action": "trash"})
    assert refused.status_code == 400
    assert refused.json()["code"] == 3303

    f = next(x for x in client.files(status="completed") if x["file_id"])
    assert call(client, "DELETE", f["meeting_uuid"], f["file_id"], params={"action": "delete"}).status_code == 204
    assert client.control("GET", "trash")["trashed"] == []
    assert (
        call(client, "PUT", f["meeting_uuid"], f["file_id"], "/status", json={"action": "recover"}).status_code == 404
    )


def test_trash_needs_a_token(client: Any) -> None:
    f = next(x for x in client.files(status="completed") if x["file_id"])
    url = f"{client.emu.api_url}/v2/meetings/{segment(f['meeting_uuid'])}/recordings/{f['file_id']}"
    assert requests.delete(url, params={"action": "trash"}, timeout=10).status_code == 401
    assert f["file_id"] in listed_ids(client, f["meeting_uuid"])


def test_control_recover_brings_a_trashed_file_back(client: Any) -> None:
    f = next(x for x in client.files(status="completed") if x["file_id"])
    assert call(client, "DELETE", f["meeting_uuid"], f["file_id"], params={"action": "trash"}).status_code == 204
    assert client.control("POST", "trash/recover", {"file_id": f["file_id"]}) == {"recovered": f["file_id"]}
    assert f["file_id"] in listed_ids(client, f["meeting_uuid"])
    with pytest.raises(requests.HTTPError):
        client.control("POST", "trash/recover", {"file_id": f["file_id"]})
