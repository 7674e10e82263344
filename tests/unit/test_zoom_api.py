from __future__ import annotations

import email.utils
import itertools
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pendulum
import pytest
import requests

from zoom_archiver import zoom_api
from zoom_archiver.errors import ZoomApiError, ZoomRateLimited, ZoomTokenRejected, ZoomTransientError
from zoom_archiver.throttling import RateLimiter
from zoom_archiver.zoom_api import PAGE_SIZE, ZoomClient
from zoom_archiver.zoom_auth import S2SToken

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

    @pytest.mark.parametrize("kind", ["seconds", "http-date", "iso-date", "absent"])
    def test_429_then_success(self, requests_mock, client, waits, kind):
        soon = datetime.now(UTC) + timedelta(seconds=3)
        headers = {
            "seconds": {"Retry-After": "3"},
            "http-date": {"Retry-After": email.utils.format_datetime(soon, usegmt=True)},
            "iso-date": {"Retry-After": soon.strftime("%Y-%m-%dT%H:%M:%SZ")},
            "absent": {},
        }[kind]
        requests_mock.get(
            USERS_URL,
            [
                {
                    "status_code": 429,
                    "headers": headers,
                    "json": {"code": 429, "message": "You have reached the maximum per-second rate limit."},
                },
                {"json": {"users": [{"id": "u1"}]}},
            ],
        )
        assert client.get("users") == {"users": [{"id": "u1"}]}
        assert client.stats.rate_limited == 1
        assert client.stats.retries == 1
        assert len(waits) == 1
        if headers:
            assert 1.5 <= waits[0] <= 3.5
        else:
            assert 0 < waits[0] <= 30

    def test_429_holds_off_every_caller(self, requests_mock, client, clock):
        client.limiter = RateLimiter(100.0, clock=clock, sleep=clock.sleep)
        requests_mock.get(
            USERS_URL,
            [{"status_code": 429, "headers": {"Retry-After": "4"}, "json": {"code": 429}}, {"json": {"users": []}}],
        )
        client.get("users")
        assert clock.sleeps
        assert clock.sleeps[-1] == pytest.approx(4.0, abs=0.05)

    def test_daily_limit_is_not_waited_for(self, requests_mock, client, waits):
        requests_mock.get(
            USERS_URL,
            status_code=429,
            headers={
                "Retry-After": pendulum.now("UTC").add(hours=6).to_iso8601_string(),
                "X-RateLimit-Type": "Daily-limit",
            },
            json={"code": 429, "message": "You have reached the maximum daily rate limit for this API."},
        )
        with pytest.raises(ZoomRateLimited) as info:
            client.get("users")
        assert info.value.daily
        assert waits == []
        assert len(api_calls(requests_mock)) == 1

    def test_daily_limit_without_retry_after_is_not_retried(self, requests_mock, client, waits):
        requests_mock.get(
            USERS_URL,
            status_code=429,
            headers={"X-RateLimit-Type": "Daily-limit", "X-RateLimit-Category": "Medium"},
            json={"code": 429, "message": "You have reached the maximum daily rate limit for this API."},
        )
        with pytest.raises(ZoomRateLimited) as info:
            client.get("users")
        assert info.value.daily
        assert len(api_calls(requests_mock)) == 1
        assert waits == []

    @pytest.mark.parametrize(
        "failure",
        [
            pytest.param({"status_code": 500, "text": "oops"}, id="500"),
            pytest.param({"status_code": 502, "text": "bad gateway"}, id="502"),
            pytest.param({"status_code": 503, "json": {"code": 503, "message": "busy"}}, id="503"),
            pytest.param({"status_code": 504, "text": ""}, id="504"),
            pytest.param({"exc": requests.exceptions.ConnectionError("reset")}, id="connection-error"),
            pytest.param({"exc": requests.exceptions.ReadTimeout("slow")}, id="timeout"),
        ],
    )
    def test_transient_failures_retried(self, requests_mock, client, waits, failure):
        requests_mock.get(USERS_URL, [failure, failure, {"json": {"users": []}}])
        assert client.get("users") == {"users": []}
        assert len(api_calls(requests_mock)) == 3
        assert len(waits) == 2

    def test_token_endpoint_outage_is_retried(self, requests_mock, client, waits):
        requests_mock.post(
            TOKEN_URL,
            [{"status_code": 503, "text": "busy"}, {"json": {"access_token": TOKEN_1, "expires_in": 3599}}],
        )
        requests_mock.get(USERS_URL, json={"users": []})
        assert client.get("users") == {"users": []}
        assert len(token_calls(requests_mock)) == 2
        assert len(waits) == 1

    def test_transient_failures_give_up(self, requests_mock, client, waits):
        requests_mock.get(USERS_URL, status_code=503, text="busy")
        with pytest.raises(ZoomTransientError, match="503"):
            client.get("users")
        assert len(api_calls(requests_mock)) == 4  # attempts=4

    @pytest.mark.parametrize(
        "failure",
        [
            pytest.param({"status_code": 404, "json": {"code": 1001, "message": "User does not exist"}}, id="404"),
            pytest.param({"status_code": 500, "text": "oops"}, id="500"),
            pytest.param({"exc": requests.exceptions.ConnectionError(f"Bearer {TOKEN_1}")}, id="connection"),
            pytest.param({"status_code": 429, "json": {"code": 429},
                          "headers": {"Retry-After": "2030-01-01T00:00:00Z"}}, id="429"),
        ],
    )  # fmt: skip
    def test_errors_never_carry_the_token(self, requests_mock, client, failure):
        requests_mock.get(RECORDINGS_URL, **failure)
        with pytest.raises(ZoomApiError) as info:
            list(client.list_user_recordings("me", date(2024, 1, 1), date(2024, 1, 2)))
        assert TOKEN_1 not in str(info.value)
        assert TOKEN_2 not in str(info.value)
        assert "Bearer" not in str(info.value)
        assert CLIENT_SECRET not in str(info.value)


class TestListUsers:
    def test_active_and_inactive_users_without_pending(self, requests_mock, client):
        pages = {
            "active": {
                "users": [{"id": "u-active", "email": "a@example.com", "status": "active"}],
                "next_page_token": "",
            },
            "inactive": {
                "users": [
                    {"id": "u-inactive", "email": "gone@example.com", "status": "inactive"},
                    {"email": "pending@example.com", "status": "pending"},
                    {"id": "", "email": "blank@example.com"},
                ],
                "next_page_token": "",
            },
        }
        requests_mock.get(USERS_URL, json=lambda request, context: pages[qs(request)["status"]])
        users = client.list_users()
        assert [u["id"] for u in users] == ["u-active", "u-inactive"]
        statuses = [qs(c)["status"] for c in api_calls(requests_mock)]
        assert statuses == ["active", "inactive"]
        assert all(qs(c)["page_size"] == str(PAGE_SIZE) == "300" for c in api_calls(requests_mock))

    def test_user_in_both_listings_appears_once(self, requests_mock, client):
        requests_mock.get(USERS_URL, json={"users": [{"id": "u1", "email": "a@example.com"}], "next_page_token": ""})
        assert len(client.list_users()) == 1

    def test_three_pages(self, requests_mock, client):
        pages = {
            None: {"users": [{"id": "u1"}, {"id": "u2"}], "next_page_token": "tok-page-2"},
            "tok-page-2": {"users": [{"id": "u3"}], "next_page_token": "tok-page-3"},
            "tok-page-3": {"users": [{"id": "u4"}], "next_page_token": ""},
        }
        requests_mock.get(USERS_URL, json=lambda request, context: pages[qs(request).get("next_page_token")])
        users = client.list_users(statuses=("active",))
        assert [u["id"] for u in users] == ["u1", "u2", "u3", "u4"]
        calls = api_calls(requests_mock)
        assert [qs(c).get("next_page_token") for c in calls] == [None, "tok-page-2", "tok-page-3"]
        assert all(qs(c)["page_size"] == "300" and qs(c)["status"] == "active" for c in calls)

    def test_missing_next_page_token_ends_pagination(self, requests_mock, client):
        requests_mock.get(USERS_URL, json={"users": [{"id": "u1"}]})
        assert len(client.list_users(statuses=("active",))) == 1
        assert len(api_calls(requests_mock)) == 1

    def test_repeated_page_token_stops_the_listing(self, requests_mock, client):
        pages = {
            None: {"users": [{"id": "u1"}], "next_page_token": "tok-page-2"},
            "tok-page-2": {"users": [{"id": "u2"}], "next_page_token": "tok-page-3"},
            "tok-page-3": {"users": [{"id": "u3"}], "next_page_token": "tok-page-2"},  # Zoom repeats page 2
        }
        requests_mock.get(USERS_URL, json=bounded(lambda request: pages[qs(request).get("next_page_token")]))
        with pytest.raises(ZoomApiError, match="repeated a page token") as info:
            client.list_users(statuses=("active",))
        assert len(api_calls(requests_mock)) == 3
        assert "tok-page-2" not in str(info.value)

    def test_a_token_repeated_at_once_stops_too(self, requests_mock, client):
        requests_mock.get(USERS_URL, json=bounded(lambda request: {"users": [{"id": "u1"}], "next_page_token": "same"}))
        with pytest.raises(ZoomApiError, match="repeated a page token"):
            client.list_users(statuses=("active",))
        assert len(api_calls(requests_mock)) == 2

    def test_page_tokens_are_per_listing(self, requests_mock, client):
        """Two listings (active, inactive) may both use the same token values: only a repeat within one stops."""
        pages = {
            None: {"users": [{"id": "u1"}], "next_page_token": "tok-2"},
            "tok-2": {"users": [{"id": "u2"}], "next_page_token": ""},
        }
        requests_mock.get(USERS_URL, json=lambda request, context: pages[qs(request).get("next_page_token")])
        assert len(client.list_users()) == 2
        assert len(api_calls(requests_mock)) == 4

    def test_page_cap(self, requests_mock, client, monkeypatch):
        monkeypatch.setattr(zoom_api, "MAX_PAGES", 5)
        counter = itertools.count()
        requests_mock.get(
            USERS_URL, json=bounded(lambda request: {"users": [], "next_page_token": f"tok-{next(counter)}"})
        )
        with pytest.raises(ZoomApiError, match="more than 5 pages"):
            client.list_users(statuses=("active",))
        assert len(api_calls(requests_mock)) == 5

    def test_items_not_a_list_is_an_error(self, requests_mock, client):
        requests_mock.get(USERS_URL, json={"users": {"id": "u1"}, "page_size": 300, "total_records": 1, "x": 1})
        with pytest.raises(ZoomApiError, match="not a list"):
            client.list_users()


class TestListRecordings:
    def test_sixty_days_cost_two_calendar_month_windows(self, requests_mock, client):
        requests_mock.get(RECORDINGS_URL, json={"meetings": [], "next_page_token": ""})
        list(client.list_user_recordings("u1", date(2024, 1, 1), date(2024, 2, 29)))
        calls = api_calls(requests_mock)
        windows = sorted((qs(c)["from"], qs(c)["to"]) for c in calls)
        assert windows == [("2024-01-01", "2024-01-28"), ("2024-01-29", "2024-02-29")]
        assert all(qs(c)["page_size"] == "300" for c in calls)
        assert all(urlsplit(c.url).path == "/v2/users/u1/recordings" for c in calls)

    def test_a_thirty_one_day_month_is_one_call(self, requests_mock, client):
        requests_mock.get(RECORDINGS_URL, json={"from": "2024-11-05", "to": "2024-12-05", "meetings": []})
        list(client.list_user_recordings("u1", date(2024, 11, 5), date(2024, 12, 5)))
        assert [(qs(c)["from"], qs(c)["to"]) for c in api_calls(requests_mock)] == [("2024-11-05", "2024-12-05")]

    def test_days_zoom_left_out_are_listed_at_once(self, requests_mock, client):
        """A stricter rule on the real service (30 days) costs one more call, never a day of recordings."""

        def answer(request):
            first, last = date.fromisoformat(qs(request)["from"]), date.fromisoformat(qs(request)["to"])
            served = max(first, last - timedelta(days=29))
            return {"from": served.isoformat(), "to": last.isoformat(), "meetings": [{"uuid": f"m{served}"}]}

        requests_mock.get(RECORDINGS_URL, json=bounded(answer, 10))
        meetings = list(client.list_user_recordings("u1", date(2024, 11, 5), date(2024, 12, 5)))
        asked = [(qs(c)["from"], qs(c)["to"]) for c in api_calls(requests_mock)]
        assert asked == [("2024-11-05", "2024-12-05"), ("2024-11-05", "2024-11-05")]
        assert [m["uuid"] for m in meetings] == ["m2024-11-06", "m2024-11-05"]
        assert client.stats.shortened == 1

    def test_the_stricter_rule_is_kept_for_the_next_users(self, requests_mock, client):
        def answer(request):
            first, last = date.fromisoformat(qs(request)["from"]), date.fromisoformat(qs(request)["to"])
            return {"from": max(first, last - timedelta(days=29)).isoformat(), "to": last.isoformat(), "meetings": []}

        requests_mock.get(RECORDINGS_URL, json=bounded(answer, 10))
        list(client.list_user_recordings("u1", date(2024, 11, 5), date(2024, 12, 5)))
        list(client.list_user_recordings("u2", date(2024, 11, 5), date(2024, 12, 5)))
        asked = [(qs(c)["from"], qs(c)["to"]) for c in api_calls(requests_mock)[2:]]
        assert sorted(asked) == [("2024-11-05", "2024-11-05"), ("2024-11-06", "2024-12-05")]
        assert client.window_rule.max_days == 30

    def test_a_window_cut_at_its_end_is_listed_too(self, requests_mock, client):
        def answer(request):
            first, last = qs(request)["from"], qs(request)["to"]
            return {"from": first, "to": "2024-03-10" if first == "2024-03-01" else last, "meetings": []}

        requests_mock.get(RECORDINGS_URL, json=bounded(answer, 10))
        list(client.list_user_recordings("u1", date(2024, 3, 1), date(2024, 3, 12)))
        asked = [(qs(c)["from"], qs(c)["to"]) for c in api_calls(requests_mock)]
        assert asked == [("2024-03-01", "2024-03-12"), ("2024-03-11", "2024-03-12")]
        assert client.window_rule.max_days is None

    def test_an_answer_for_other_dates_fails_the_listing(self, requests_mock, client):
        requests_mock.get(RECORDINGS_URL, json={"from": "2020-01-01", "to": "2020-01-02", "meetings": []})
        with pytest.raises(ZoomApiError, match="answered for 2020-01-01..2020-01-02"):
            list(client.list_user_recordings("u1", date(2024, 3, 1), date(2024, 3, 12)))
        assert len(api_calls(requests_mock)) == 1

    def test_no_echo_means_served_whole(self, requests_mock, client):
        requests_mock.get(RECORDINGS_URL, json={"meetings": [], "from": "garbage"})
        list(client.list_user_recordings("u1", date(2024, 3, 1), date(2024, 3, 12)))
        assert len(api_calls(requests_mock)) == 1

    def test_a_user_without_recordings_costs_one_call(self, requests_mock, client):
        requests_mock.get(RECORDINGS_URL, json={"from": "2024-11-03", "to": "2024-12-02", "next_page_token": "",
                                                "page_count": 0, "total_records": 0, "meetings": []})  # fmt: skip
        assert list(client.list_user_recordings("u1", date(2024, 11, 3), date(2024, 12, 2))) == []
        assert len(api_calls(requests_mock)) == 1

    def test_pages_within_a_window(self, requests_mock, client):
        def answer(request, context):
            token = qs(request).get("next_page_token")
            if token is None:
                return {"meetings": [{"uuid": "m1"}], "next_page_token": "E8koIyUhYjnrxKefmrsFtO5RmBvUSihlE12"}
            assert qs(request)["from"] == "2024-11-05"
            assert qs(request)["to"] == "2024-12-02"
            return {"meetings": [{"uuid": "m2"}], "next_page_token": ""}

        requests_mock.get(RECORDINGS_URL, json=answer)
        meetings = list(client.list_user_recordings("u1", date(2024, 11, 5), date(2024, 12, 2)))
        assert [m["uuid"] for m in meetings] == ["m1", "m2"]

    def test_user_id_is_path_encoded(self, requests_mock, client):
        requests_mock.get(RECORDINGS_URL, json={"meetings": []})
        list(client.list_user_recordings("a+b/c@example.com", date(2024, 1, 1), date(2024, 1, 1)))
        [call] = api_calls(requests_mock)
        assert urlsplit(call.url).path == "/v2/users/a%2Bb%2Fc%40example.com/recordings"


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
