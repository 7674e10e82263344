"""The Zoom API client's listings: users page by page, recordings window by window."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest

from tests.unit.zoom.client_helpers import (
    RECORDINGS_URL,
    USERS_URL,
    api_calls,
    bounded,
    qs,
)
from zoom_archiver.errors import ZoomApiError
from zoom_archiver.zoom import client as zoom_api
from zoom_archiver.zoom.client import PAGE_SIZE


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
