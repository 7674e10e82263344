"""The Zoom API client (zoom_archiver.zoom.client): tokens, error answers, meeting paths, trashing."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlsplit

import pytest

from tests.unit.zoom.client_helpers import (
    API,
    RECORDINGS_URL,
    TOKEN_1,
    TOKEN_2,
    TOKEN_URL,
    USERS_URL,
    api_calls,
    qs,
    token_calls,
)
from zoom_archiver.errors import ZoomApiError, ZoomTokenRejected, ZoomTransientError
from zoom_archiver.zoom import client as zoom_api


class TestGet:
    def test_bearer_token_sent(self, requests_mock, client):
        requests_mock.get(USERS_URL, json={"users": []})
        client.get("users")
        [call] = api_calls(requests_mock)
        assert call.headers["Authorization"] == f"Bearer {TOKEN_1}"

    def test_reminted_once_on_401_code_124(self, requests_mock, client):
        requests_mock.get(
            USERS_URL,
            [
                {"status_code": 401, "json": {"code": 124, "message": "Access token is expired."}},
                {"json": {"users": [], "next_page_token": ""}},
            ],
        )
        assert client.get("users") == {"users": [], "next_page_token": ""}
        calls = api_calls(requests_mock)
        assert [c.headers["Authorization"] for c in calls] == [f"Bearer {TOKEN_1}", f"Bearer {TOKEN_2}"]
        assert len(token_calls(requests_mock)) == 2

    def test_code_124_with_http_200_is_a_token_rejection(self, requests_mock, client):
        requests_mock.get(
            USERS_URL,
            [{"json": {"code": 124, "message": "Invalid access token."}}, {"json": {"users": []}}],
        )
        assert client.get("users") == {"users": []}
        assert len(token_calls(requests_mock)) == 2

    def test_a_fresh_token_rejected_too_is_retried_then_given_up(self, requests_mock, client):
        # e.g. workers of the same app minting in turn, each invalidating the other's token
        minted = iter(range(100))
        requests_mock.post(TOKEN_URL, json=lambda request, context: {
            "access_token": f"eyJzdiI6IjAwMDAwMSIs-token-{next(minted):03d}", "expires_in": 3599})  # fmt: skip
        requests_mock.get(USERS_URL, status_code=401, json={"code": 124, "message": "Invalid access token."})
        with pytest.raises(ZoomTokenRejected) as info:
            client.get("users")
        calls = api_calls(requests_mock)
        assert len(calls) == 2 * client.attempts  # one re-mint inside each attempt
        assert len({c.headers["Authorization"] for c in calls}) == len(calls)  # every try with a fresh token
        for call in calls:
            assert call.headers["Authorization"].removeprefix("Bearer ") not in str(info.value)

    def test_a_race_of_two_rejections_recovers(self, requests_mock, client):
        rejected = {"status_code": 401, "json": {"code": 124, "message": "Invalid access token."}}
        requests_mock.get(USERS_URL, [rejected, rejected, {"json": {"users": [], "next_page_token": ""}}])
        assert client.get("users") == {"users": [], "next_page_token": ""}
        assert len(api_calls(requests_mock)) == 3

    @pytest.mark.parametrize(
        "body",
        [
            pytest.param({"code": 200, "message": "Must have a Pro or a higher plan."}, id="pro-plan"),
            pytest.param({"code": 200, "message": "You do not have the right permissions."}, id="permissions"),
            pytest.param({"code": 200, "message": "Download has been disabled by the administrator"}, id="disabled"),
        ],
    )
    def test_http_200_error_body_is_an_error(self, requests_mock, client, body):
        requests_mock.get(RECORDINGS_URL, json=body)
        with pytest.raises(ZoomApiError, match=re.escape(body["message"][:20])):
            list(client.list_user_recordings("me", date(2024, 11, 1), date(2024, 11, 2)))
        assert len(api_calls(requests_mock)) == 1  # not retried

    def test_real_listing_is_data(self, requests_mock, client, real_listing):
        real_listing["next_page_token"] = ""
        requests_mock.get(RECORDINGS_URL, json=real_listing)
        meetings = list(client.list_user_recordings("me", date(2024, 11, 8), date(2024, 12, 5)))
        assert [m["uuid"] for m in meetings] == ["paw4knJqSPOXq7ThIQWFMw==", "2jQ60QnYThiV9cm+fdIbZQ=="]

    @pytest.mark.parametrize(
        ("status", "body", "code"),
        [
            pytest.param(404, {"code": 1001, "message": "User does not exist: ghost@example.com."}, 1001, id="1001"),
            pytest.param(400, {"code": 4711, "message": "Invalid access token, does not contain scopes:[x]."}, 4711,
                         id="4711-scopes"),
            pytest.param(404, {"code": 3301, "message": "There is no recording for this meeting."}, 3301, id="3301"),
            pytest.param(403, "<html>forbidden</html>", None, id="html-403"),
            pytest.param(200, "not json", None, id="200-not-json"),
            pytest.param(200, ["a", "list"], None, id="200-json-list"),
        ],
    )  # fmt: skip
    def test_error_answers_raise_api_error(self, requests_mock, client, status, body, code):
        if isinstance(body, str):
            requests_mock.get(USERS_URL, status_code=status, text=body)
        else:
            requests_mock.get(USERS_URL, status_code=status, json=body)
        with pytest.raises(ZoomApiError) as info:
            client.get("users", {"status": "active"})
        assert not isinstance(info.value, ZoomTransientError)
        assert info.value.status == status
        assert info.value.code == code
        assert len(api_calls(requests_mock)) == 1
        assert TOKEN_1 not in str(info.value)


@pytest.mark.parametrize(
    ("uuid", "segment"),
    [
        pytest.param("4444AAAiAAAAAiAiAiiAii==", "4444AAAiAAAAAiAiAiiAii%3D%3D", id="plain: encoded once"),
        pytest.param("/ajXp112QmuoKj4854875==", "%252FajXp112QmuoKj4854875%253D%253D", id="leading slash: twice"),
        pytest.param("ab//cd+e==", "ab%252F%252Fcd%252Be%253D%253D", id="double slash: twice"),
    ],
)
def test_meeting_path_segment_follows_zooms_double_encoding_rule(uuid: str, segment: str) -> None:
    assert zoom_api.meeting_path_segment(uuid) == segment


def test_get_meeting_recordings_requests_the_encoded_uuid(requests_mock, client) -> None:
    url = f"{API}/meetings/%252FajXp112QmuoKj4854875%253D%253D/recordings"
    requests_mock.get(url, json={"uuid": "/ajXp112QmuoKj4854875==", "recording_files": []})
    assert client.get_meeting_recordings("/ajXp112QmuoKj4854875==")["uuid"] == "/ajXp112QmuoKj4854875=="
    assert api_calls(requests_mock)[-1].url == url


class TestTrashRecording:
    UUID = "/ajXp112QmuoKj4854875=="
    URL = re.compile(r"^https://api\.zoom\.us/v2/meetings/[^/]+/recordings/[^/?]+")

    def test_delete_with_action_trash_and_the_uuid_double_encoded(self, requests_mock, client):
        requests_mock.delete(self.URL, status_code=204)
        client.trash_recording(self.UUID, "file-1")
        [call] = [c for c in api_calls(requests_mock) if c.method == "DELETE"]
        assert urlsplit(call.url).path == "/v2/meetings/%252FajXp112QmuoKj4854875%253D%253D/recordings/file-1"
        assert qs(call) == {"action": "trash"}

    def test_a_refusal_raises_with_zoom_code(self, requests_mock, client):
        body = {"code": 3303, "message": "You can not delete an uncompleted meeting."}
        requests_mock.delete(self.URL, status_code=400, json=body)
        with pytest.raises(ZoomApiError) as error:
            client.trash_recording("plain==", "file-1")
        assert error.value.code == 3303

    def test_token_reminted_once(self, requests_mock, client):
        requests_mock.delete(
            self.URL, [{"status_code": 401, "json": {"code": 124, "message": "x"}}, {"status_code": 204}]
        )
        client.trash_recording("plain==", "file-1")
        assert len([c for c in api_calls(requests_mock) if c.method == "DELETE"]) == 2
