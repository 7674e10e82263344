"""The archive page's app (zoom_archiver.page.app) behind Airflow's login (zoom_archiver.page.auth): an auth manager
stand-in answers who a token is and what they may do; the figures are built from a ledger made here."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from zoom_archiver.ledger import Ledger
from zoom_archiver.page import app as page_app
from zoom_archiver.page.summary import PageInputs, build_page
from zoom_archiver.reclaim.record import ReclaimRecord

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)
QUARANTINE = {"q1": {"since": "2026-03-08", "day": "2026-02-20", "key": "zoom/k", "reason": "permanent error: 404"}}


class User:
    def __init__(self, name: str) -> None:
        self.name = name

    def get_name(self) -> str:
        return self.name


class AuthManager:
    """Tokens ``reader`` (may read runs) and ``operator`` (may also trigger them); anything else is invalid."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, Any, str]] = []

    async def get_user_from_token(self, token: str) -> User:
        if token not in ("reader", "operator"):
            raise ValueError("invalid token")
        return User(token)

    def is_authorized_dag(self, *, method: str, user: User, access_entity: Any = None, details: Any = None) -> bool:
        self.asked.append((method, access_entity, details.id))
        return method == "GET" or user.name == "operator"

    def get_url_login(self, **kwargs: Any) -> str:
        return "/auth/login?next=" + kwargs["next_url"]


@pytest.fixture
def manager(monkeypatch: pytest.MonkeyPatch) -> AuthManager:
    import airflow.api_fastapi.app as airflow_app

    fake = AuthManager()
    monkeypatch.setattr(airflow_app, "get_auth_manager", lambda: fake)
    monkeypatch.setattr(page_app, "_settings", lambda: None)
    return fake


@pytest.fixture
def builds() -> list[int]:
    return []


@pytest.fixture
def client(manager: AuthManager, builds: list[int]) -> TestClient:
    def build() -> Any:
        builds.append(1)
        ledger = Ledger(archived={"a": date(2026, 3, 10), "b": date(2026, 3, 9)}, quarantine=dict(QUARANTINE))
        return build_page(PageInputs(ledger, ReclaimRecord(), [], [], None, None, NOW))

    root = FastAPI()
    root.mount("/zoom-archive", page_app.create_app(build, stamp=lambda: "unchanged"))
    return TestClient(root, base_url="http://airflow.test", follow_redirects=False)


def test_logged_out_is_sent_to_the_login_and_back(client: TestClient, builds: list[int]):
    answer = client.get("/zoom-archive/")
    assert answer.status_code == 307
    target = urlsplit(answer.headers["location"])
    assert target.path == "/auth/login"
    assert parse_qs(target.query)["next"] == ["http://airflow.test/zoom-archive/"]
    assert builds == [], "nothing read for a visitor who is not logged in"


def test_an_invalid_token_is_sent_to_the_login(client: TestClient):
    client.cookies.set("_token", "forged")
    assert client.get("/zoom-archive/").status_code == 307


def test_a_logged_in_reader_sees_the_page_from_cache(client: TestClient, manager: AuthManager, builds: list[int]):
    client.cookies.set("_token", "reader")
    first = client.get("/zoom-archive/")
    assert first.status_code == 200
    assert '<span data-figure="files">2</span>' in first.text
    assert 'data-release="q1"' in first.text
    assert client.get("/zoom-archive/").status_code == 200
    assert builds == [1], "the second visit within the cache's lifetime builds nothing"
    from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity

    assert manager.asked[0] == ("GET", DagAccessEntity.RUN, "zoom_recordings_to_s3")


def test_a_bearer_token_works_too(client: TestClient):
    answer = client.get("/zoom-archive/", headers={"Authorization": "Bearer reader"})
    assert answer.status_code == 200


def test_release_triggers_a_run_and_opens_it(client: TestClient, monkeypatch: pytest.MonkeyPatch, builds: list[int]):
    triggered: list[tuple[str, str]] = []

    def trigger(file_id: str, user: str) -> str:
        triggered.append((file_id, user))
        return "manual__release"

    monkeypatch.setattr(page_app, "_trigger_release", trigger)
    client.cookies.set("_token", "operator")
    client.get("/zoom-archive/")
    origin = {"Origin": "http://airflow.test"}
    answer = client.post("/zoom-archive/release", data={"file_id": "q1"}, headers=origin)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/dags/zoom_recordings_to_s3/runs/manual__release"
    assert triggered == [("q1", "operator")]
    client.get("/zoom-archive/")
    assert builds == [1, 1], "a release refreshes the figures"


def test_release_needs_the_right_to_trigger_and_the_pages_origin(client: TestClient, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(page_app, "_trigger_release", lambda *a: pytest.fail("must not trigger"))
    origin = {"Origin": "http://airflow.test"}
    assert client.post("/zoom-archive/release", data={"file_id": "q1"}, headers=origin).status_code == 401
    client.cookies.set("_token", "reader")
    assert client.post("/zoom-archive/release", data={"file_id": "q1"}, headers=origin).status_code == 403
    client.cookies.set("_token", "operator")
    evil = {"Origin": "http://evil.example"}
    assert client.post("/zoom-archive/release", data={"file_id": "q1"}, headers=evil).status_code == 403
    assert client.post("/zoom-archive/release", data={"file_id": "q1"}).status_code == 403  # no origin at all


def test_the_run_report_view_draws_its_tables(client: TestClient, monkeypatch: pytest.MonkeyPatch):
    from zoom_archiver.page.summary import RunInfo

    report = {"files_archived": 1, "bytes_archived": 5, "by_type": {"MP4": {"files": 1, "bytes": 5}},
              "by_host": {"<b>x</b>@example.com": {"files": 1, "bytes": 5}}, "skipped": {}, "failed": 0,
              "quarantined_now": [], "quarantined": 0, "backlog_files": 0, "owed": [], "user_failures": [],
              "api_calls": 3, "rate_limited_429": 0, "duration_seconds": 2.0}  # fmt: skip
    runs = {"r1": RunInfo("zoom_recordings_to_s3", "r1", "success", NOW, report)}
    monkeypatch.setattr(page_app, "_run_report", runs.get)
    client.cookies.set("_token", "reader")
    answer = client.get("/zoom-archive/runs/r1/report")
    assert answer.status_code == 200
    assert "<table>" in answer.text
    assert "<td>MP4</td>" in answer.text
    assert "<b>x</b>" not in answer.text, "HTML in a report is shown, never interpreted"
    assert 'href="/dags/zoom_recordings_to_s3/runs/r1"' in answer.text
    assert client.get("/zoom-archive/runs/nope/report").status_code == 404


class FakeS3:
    def __init__(self) -> None:
        self.read: list[tuple[str, str]] = []

    def get_object(self, Bucket: str, Key: str) -> dict[str, Any]:
        import io

        self.read.append((Bucket, Key))
        return {"Body": io.BytesIO(b'{"report_version": 1}')}


@pytest.mark.parametrize(
    ("report", "served"),
    [
        ("s3://b/zoom/_audit/2026-03-02T060000Z/report.json", True),
        ("s3://b/zoom/recordings/not-a-report.mp4", False),  # not under <prefix>/_audit/
        ("s3://other/zoom/_audit/2026-03-02T060000Z/report.json", False),  # another bucket
        (None, False),
    ],
)
def test_the_audit_report_is_read_from_the_archive_bucket_only(
    manager: AuthManager, monkeypatch: pytest.MonkeyPatch, report: str | None, served: bool
):
    from types import SimpleNamespace

    import zoom_archiver.s3.connect as connect
    from zoom_archiver.page.summary import RunInfo

    s3 = FakeS3()
    monkeypatch.setattr(connect, "archive_bucket", lambda bucket, conn: SimpleNamespace(client=s3))
    monkeypatch.setattr(page_app, "_settings", lambda: SimpleNamespace(bucket="b", prefix="zoom", aws_conn_id="aws"))
    summary = {"counts": {"intact": 1}, "problems": 0, "problem_files": [], "user_failures": [], "report_json": report}
    audit = RunInfo("zoom_recordings_audit", "a1", "success", NOW, summary)

    def build() -> Any:
        return build_page(PageInputs(Ledger(), ReclaimRecord(), [], [], audit, None, NOW))

    root = FastAPI()
    root.mount("/zoom-archive", page_app.create_app(build, stamp=lambda: 1))
    client = TestClient(root, base_url="http://airflow.test", follow_redirects=False)
    client.cookies.set("_token", "reader")
    answer = client.get("/zoom-archive/audit/report")
    if served:
        assert answer.status_code == 200
        assert answer.json() == {"report_version": 1}
        assert s3.read == [("b", "zoom/_audit/2026-03-02T060000Z/report.json")]
    else:
        assert answer.status_code == 404
        assert s3.read == []
