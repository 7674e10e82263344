"""Faults planted on one file (``download_answer``) or one user (``user_gone``) through the control plane."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
import requests

from zoom_emulator.planted import PlantedAnswer, PlantedFaults, parse_answer

FORBIDDEN = b'{"status":false,"errorCode":124,"errorMessage":"Forbidden"}'
INVALID_TOKEN = '{"status":false,"errorCode":124,"errorMessage":"Invalid access token."}'


def _plant(client: Any, body: dict[str, Any]) -> requests.Response:
    return client.http.post(f"{client.emu.api_url}/_emulator/download_answer", json=body, timeout=10)


def test_default_answer_is_zooms_token_error_once(client: Any) -> None:
    f = client.files(file_type="MP4")[0]
    assert client.control("POST", "download_answer", {"file_id": f["file_id"]}) == {
        "file_key": f["file_key"],
        "host": "api",
        "times": 1,
    }
    first = client.redirect(f["download_url"])
    assert (first.status_code, first.content) == (200, FORBIDDEN)
    assert first.headers["Content-Type"].startswith("application/json")
    got = client.fetch(f["download_url"])
    assert hashlib.sha256(got.content).hexdigest() == f["sha256"]
    stats = client.control("GET", "stats")
    assert stats["faults"] == {"download_answer": 1}
    assert stats["downloads_by_file"][f["file_key"]]["api"] == 2


def test_custom_answer_for_an_id_less_file_counts_down(client: Any) -> None:
    f = next(x for x in client.files(file_type="TIMELINE") if x["file_id"] is None)
    body = {"file_id": f["file_key"], "body": INVALID_TOKEN, "content_type": "application/octet-stream", "times": 2}
    client.control("POST", "download_answer", body)
    assert client.control("GET", "planted")["download_answers"] == [
        {
            "host": "api",
            "file_key": f["file_key"],
            "status": 200,
            "content_type": "application/octet-stream",
            "times": 2,
        }
    ]
    for _ in range(2):
        answer = client.redirect(f["download_url"])
        assert (answer.status_code, answer.text) == (200, INVALID_TOKEN)
        assert answer.headers["Content-Type"] == "application/octet-stream"
    assert client.redirect(f["download_url"]).status_code == 302
    assert client.control("GET", "planted")["download_answers"] == []


def test_cdn_answer_defaults_to_no_such_key_every_time_until_cleared(client: Any) -> None:
    f = client.files(file_type="M4A")[0]
    client.control("POST", "download_answer", {"file_id": f["file_id"], "host": "cdn", "times": None})
    for _ in range(3):
        gone = client.fetch(f["download_url"])
        assert gone.status_code == 404
        assert gone.headers["Content-Type"] == "application/xml"
        assert b"<Code>NoSuchKey</Code>" in gone.content
    other = client.files(file_type="M4A")[1]
    assert client.fetch(other["download_url"]).status_code == 200
    client.control("POST", "download_answer", {"file_id": f["file_id"], "host": "cdn", "times": 0})
    assert hashlib.sha256(client.fetch(f["download_url"]).content).hexdigest() == f["sha256"]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({}, 400),
        ({"file_id": "no-such-file"}, 404),
        ({"host": "edge"}, 400),
        ({"status": 302}, 400),
        ({"status": "teapot"}, 400),
        ({"times": -1}, 400),
        ({"times": True}, 400),
        ({"body": 7}, 400),
    ],
)
def test_download_answer_is_validated(client: Any, body: dict[str, Any], status: int) -> None:
    f = client.files(file_type="MP4")[0]
    response = _plant(client, {"file_id": f["file_id"], **body} if body and "file_id" not in body else body)
    assert response.status_code == status
    assert "error" in response.json()
    assert client.control("GET", "planted")["download_answers"] == []


def test_user_gone_answers_1001_while_the_user_stays_listed(client: Any) -> None:
    email = "ina.inactive@example.com"
    answer = client.control("POST", "user_gone", {"user": email})
    assert answer["email"] == email
    assert answer["gone"] is True
    listed = client.v2("/users", status="inactive").json()["users"]
    assert [u["email"] for u in listed] == [email]
    for ref in (email, answer["user_id"]):
        gone = client.v2(f"/users/{ref}/recordings")
        assert gone.status_code == 404
        assert gone.json() == {"code": 1001, "message": f"User does not exist: {email}."}
    assert client.v2("/users/tricia@example.com/recordings").status_code == 200
    assert client.control("GET", "planted")["gone_users"] == [answer["user_id"]]
    client.control("POST", "user_gone", {"user": email, "gone": False})
    assert client.v2(f"/users/{email}/recordings").status_code == 200


def test_user_gone_is_validated(client: Any) -> None:
    url = f"{client.emu.api_url}/_emulator/user_gone"
    assert client.http.post(url, json={"user": "nobody@example.com"}, timeout=10).status_code == 404
    assert client.http.post(url, json={"user": "penny.pending@example.com"}, timeout=10).status_code == 404
    assert client.http.post(url, json={"user": "tricia@example.com", "gone": "yes"}, timeout=10).status_code == 400


def test_reset_forgets_planted_faults(client: Any) -> None:
    f = client.files(file_type="MP4")[0]
    client.control("POST", "download_answer", {"file_id": f["file_id"], "times": None})
    client.control("POST", "user_gone", {"user": "tricia@example.com"})
    client.control("POST", "reset", {"seed": "tricky"})
    assert client.control("GET", "planted") == {"download_answers": [], "gone_users": []}
    assert client.redirect(f["download_url"]).status_code == 302
    assert client.v2("/users/tricia@example.com/recordings").status_code == 200


def test_planted_faults_unit() -> None:
    faults = PlantedFaults()
    faults.plant("api", "k", PlantedAnswer(200, b"x", None, None))
    assert [faults.take("api", "k").status for _ in range(3)] == [200, 200, 200]
    assert faults.take("cdn", "k") is None
    faults.plant("api", "k", PlantedAnswer(200, b"x", None, 0))
    assert faults.take("api", "k") is None
    host, answer = parse_answer({"host": "cdn", "content_type": None})
    assert (host, answer.status, answer.content_type, answer.times) == ("cdn", 404, None, 1)
