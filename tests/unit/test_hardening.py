"""Robustness fixes found by the chaos work (issue 3): lost S3 acknowledgements, leftover multipart uploads,
header-safe metadata, unambiguous download URLs, a fresh token on a rejected download, masked signatures,
hostile listing values, and the ledger rebuilt from S3."""

from __future__ import annotations

import hashlib
import io
import json
import types
from datetime import date
from typing import Any

import boto3
import pytest
import requests
import tenacity
from moto import mock_aws

from zoom_archiver import ledger as ledger_mod
from zoom_archiver.archive.archive import archive_file, existing_copy, file_metadata
from zoom_archiver.dates import Window
from zoom_archiver.discover.discovery import find_in_s3
from zoom_archiver.discover.planning import Filters, Planner
from zoom_archiver.errors import DownloadRejected, DownloadTokenRejected, InvalidRecord
from zoom_archiver.keys import DEFAULT_KEY_TEMPLATE
from zoom_archiver.redaction import redact
from zoom_archiver.s3.bucket import ArchiveBucket
from zoom_archiver.s3.metadata import metadata_value
from zoom_archiver.settings import TransferSettings
from zoom_archiver.zoom.download import open_download
from zoom_archiver.zoom.download_policy import DownloadPolicy
from zoom_archiver.zoom.records import parse_zoom_time

BUCKET = "zoom-hardening"
DATA = hashlib.sha256(b"x").digest() * 2048  # 64 KiB


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    monkeypatch.setattr(tenacity.nap, "time", types.SimpleNamespace(sleep=lambda _: None))


@pytest.fixture
def s3():
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        client.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        yield client


class Download:
    def __init__(self, data: bytes) -> None:
        self.stream = io.BytesIO(data)
        self.response = types.SimpleNamespace(status_code=200, headers={})

    def close(self) -> None:
        pass


class Zoom:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.calls = 0

    def open_download(self, url: str, *, range_start: int = 0) -> Download:
        self.calls += 1
        return Download(self.data[range_start:])


class FlakyHook:
    """An S3Hook whose ``load_file_obj`` does the upload and then fails as a lost answer would, or leaves an
    incomplete multipart upload behind and fails (an abort that did not go through)."""

    def __init__(self, s3, planned, mode: str) -> None:
        self.s3, self.planned, self.mode, self.uploads = s3, planned, mode, 0

    def get_conn(self):
        return self.s3

    def load_file_obj(self, fileobj, *, key: str, bucket_name: str, replace: bool) -> None:
        body = fileobj.read()
        self.uploads += 1
        if self.mode == "lost_ack":
            self.s3.put_object(Bucket=bucket_name, Key=key, Body=body, Metadata=file_metadata(self.planned))
            raise ConnectionResetError("Connection reset by peer (the answer was lost)")
        if self.mode == "left_upload" and self.uploads == 1:
            self.s3.create_multipart_upload(Bucket=bucket_name, Key=key)
            raise ConnectionResetError("upload part failed and so did the abort")
        self.s3.put_object(Bucket=bucket_name, Key=key, Body=body, Metadata=file_metadata(self.planned))


class TestArchiveRecovery:
    def test_upload_applied_but_answer_lost_is_not_uploaded_again(self, s3, make_planned):
        planned = make_planned(file_size=len(DATA))
        hook = FlakyHook(s3, planned, "lost_ack")
        result = archive_file(planned, zoom=Zoom(DATA), s3_hook=hook, bucket=BUCKET, settings=TransferSettings())
        assert result.outcome == "archived"
        assert result.sha256 == hashlib.sha256(DATA).hexdigest()
        assert hook.uploads == 1, "verified from the stored bytes, not uploaded again"
        versions = s3.list_object_versions(Bucket=BUCKET)["Versions"]
        assert len(versions) == 1
        tags = s3.get_object_tagging(Bucket=BUCKET, Key=planned.key)["TagSet"]
        assert tags == [{"Key": "sha256", "Value": hashlib.sha256(DATA).hexdigest()}]

    def test_lost_answer_with_other_bytes_stored_is_uploaded_again(self, s3, make_planned):
        planned = make_planned(file_size=len(DATA))
        s3.put_object(Bucket=BUCKET, Key=planned.key, Body=b"\0" * len(DATA), Metadata=file_metadata(planned),
                      Tagging="sha256=stale")  # fmt: skip

        class Hook(FlakyHook):
            def load_file_obj(self, fileobj, **kwargs) -> None:
                self.uploads += 1
                fileobj.read()
                if self.uploads == 1:
                    raise ConnectionResetError("dropped before S3 stored anything")
                self.s3.put_object(Bucket=BUCKET, Key=planned.key, Body=DATA, Metadata=file_metadata(planned))

        hook = Hook(s3, planned, "")
        result = archive_file(planned, zoom=Zoom(DATA), s3_hook=hook, bucket=BUCKET, settings=TransferSettings(),
                              force=True)  # fmt: skip
        assert hook.uploads == 2
        assert result.sha256 == hashlib.sha256(DATA).hexdigest()
        assert s3.get_object(Bucket=BUCKET, Key=planned.key)["Body"].read() == DATA

    def test_a_multipart_upload_left_by_a_failed_transfer_is_aborted(self, s3, make_planned):
        planned = make_planned(file_size=len(DATA))
        hook = FlakyHook(s3, planned, "left_upload")
        archive_file(planned, zoom=Zoom(DATA), s3_hook=hook, bucket=BUCKET, settings=TransferSettings())
        assert hook.uploads == 2
        assert s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []

    def test_abort_uploads_of_key_touches_only_that_key(self, s3):
        mine = s3.create_multipart_upload(Bucket=BUCKET, Key="zoom/a/file.mp4")["UploadId"]
        s3.create_multipart_upload(Bucket=BUCKET, Key="zoom/a/file.mp4.other")
        s3.create_multipart_upload(Bucket=BUCKET, Key="zoom/b/file.mp4")
        assert ArchiveBucket(s3, BUCKET).abort_uploads_of_key("zoom/a/file.mp4", [mine]) == 1
        left = {u["Key"] for u in s3.list_multipart_uploads(Bucket=BUCKET)["Uploads"]}
        assert left == {"zoom/a/file.mp4.other", "zoom/b/file.mp4"}
        assert mine not in {u["UploadId"] for u in s3.list_multipart_uploads(Bucket=BUCKET)["Uploads"]}

    def test_abort_uploads_of_key_never_raises(self):
        class Broken:
            def get_paginator(self, name):
                from botocore.exceptions import EndpointConnectionError

                raise EndpointConnectionError(endpoint_url="http://s3")

        assert ArchiveBucket(Broken(), BUCKET).abort_uploads_of_key("k", ["id"]) == 0


class TestMetadata:
    def test_values_are_printable_ascii_and_bounded(self, make_planned):
        planned = make_planned(host_id="a\r\nX-Injected: 1", meeting_uuid="é/" + "x" * 1000)
        meta = file_metadata(planned)
        assert meta["zoom-host-id"] == "a??X-Injected: 1"
        assert len(meta["zoom-meeting-uuid"]) == 256
        assert all(v.isascii() and v.isprintable() for v in meta.values())

    def test_existing_copy_compares_the_stored_form_of_the_file_id(self, s3, make_planned):
        planned = make_planned(file_id="id-with-ü", file_size=len(DATA))
        meta = file_metadata(planned)
        s3.put_object(Bucket=BUCKET, Key=planned.key, Body=DATA, Metadata=meta, Tagging="sha256=abc")
        assert metadata_value(planned.file_id) == "id-with-?"
        assert existing_copy(ArchiveBucket(s3, BUCKET), planned).outcome == "already_archived"


class TestDownloadHardening:
    @pytest.mark.parametrize(
        "url",
        [
            pytest.param("https://evil.example\\@zoom.us/rec/download/x", id="backslash-userinfo"),
            pytest.param("https://zoom.us\\.evil.example/x", id="backslash-host"),
            pytest.param("https://evil.example%2F@zoom.us/x", id="encoded-slash-userinfo"),
            pytest.param("https://zoom.us@evil.example/x", id="userinfo"),
            pytest.param("https://us06web.zoom.us /x", id="space"),
            pytest.param("https://us06web.zoom.us/x\r\nHost: evil", id="crlf"),
            pytest.param("https://[zoom.us/x", id="unparseable"),
        ],
    )
    def test_urls_parsers_disagree_on_are_refused(self, url):
        with pytest.raises(DownloadRejected):
            DownloadPolicy().check(url)

    def test_ordinary_urls_still_pass(self):
        DownloadPolicy().check("https://us06web.zoom.us/rec/download/abc?fid=1&x=%2F")
        DownloadPolicy(hosts=("localhost",), allow_http=True).check("http://localhost:8080/cmr/replay/a?b=c")

    class Tokens:
        def __init__(self, *values: str) -> None:
            self.values, self.invalidated = list(values), []

        def get(self) -> str:
            return self.values[0]

        def invalidate(self, token: str) -> None:
            self.invalidated.append(token)
            if self.values[0] == token and len(self.values) > 1:
                self.values.pop(0)

    URL = "https://us06web.zoom.us/rec/download/abc"

    def test_rejected_token_is_replaced_once_at_once(self, requests_mock):
        rejected = b'{"status":false,"errorCode":124,"errorMessage":"Forbidden"}'
        requests_mock.get(self.URL, [
            {"content": rejected, "headers": {"Content-Type": "application/json;charset=UTF-8"}},
            {"content": b"\x00\x00\x00\x18ftypmp42" * 100, "headers": {"Content-Type": "video/mp4"}},
        ])  # fmt: skip
        tokens = self.Tokens("old-token-0000000001", "new-token-0000000002")
        with open_download(requests.Session(), self.URL, tokens, DownloadPolicy()) as download:
            assert download.stream.read(4) == b"\x00\x00\x00\x18"
        assert tokens.invalidated == ["old-token-0000000001"]
        assert [r.headers["Authorization"] for r in requests_mock.request_history] == [
            "Bearer old-token-0000000001", "Bearer new-token-0000000002",
        ]  # fmt: skip

    def test_a_second_rejection_is_reported_retryable(self, requests_mock):
        requests_mock.get(self.URL, status_code=401, json={"code": 124})
        tokens = self.Tokens("t-000000000000001", "t-000000000000002")
        with pytest.raises(DownloadTokenRejected) as info:
            open_download(requests.Session(), self.URL, tokens, DownloadPolicy())
        assert info.value.retryable
        assert len(requests_mock.request_history) == 2

    def test_signed_url_secrets_are_masked_one_by_one(self, requests_mock):
        signature = "SiGnAtUrE-abcdefghijklmnop0123456789_"
        policy_value = "eyJTdGF0ZW1lbnQiOlt7IlJlc291cmNlIjoi"
        cdn = f"https://ssrweb.zoom.us/cmr/replay/a.mp4?Expires=1733000000&Policy={policy_value}&Signature={signature}"
        requests_mock.get(self.URL, status_code=302, headers={"Location": cdn})
        requests_mock.get(cdn, content=b"\x00" * 10, headers={"Content-Type": "video/mp4"})
        open_download(requests.Session(), self.URL, self.Tokens("token-000000000000001"), DownloadPolicy()).close()
        assert signature not in redact(f"the signature is {signature}")
        assert policy_value not in redact(f"policy {policy_value}")
        assert "1733000000" in redact("Expires=1733000000")  # short, not secret: left readable


class TestHostileListings:
    WINDOW = Window(date(2024, 11, 1), date(2024, 12, 5))

    def plan(self, meeting: Any, host: Any = None) -> Any:
        planner = Planner(window=self.WINDOW, filters=Filters(), template=DEFAULT_KEY_TEMPLATE, prefix="zoom")
        planner.add(meeting, host if host is not None else {"email": "h@example.com"})
        return planner.plan

    @staticmethod
    def meeting(**overrides: Any) -> dict[str, Any]:
        record = {"uuid": "2jQ60QnYThiV9cm+fdIbZQ==", "id": 82205654575, "host_id": "MoRLcTuVS12AoJ72n6L11Q",
                  "topic": "Weekly", "start_time": "2024-11-29T16:51:20Z",
                  "recording_files": [{"id": "f-1", "file_type": "MP4", "file_size": 10, "status": "completed",
                                       "download_url": "https://us06web.zoom.us/rec/download/a"}]}  # fmt: skip
        record.update(overrides)
        return record

    def test_offsets_are_converted_to_utc(self):
        assert parse_zoom_time("2024-11-30T01:30:00+02:00").isoformat() == "2024-11-29T23:30:00+00:00"
        with pytest.raises(InvalidRecord, match="out of range"):
            parse_zoom_time("0001-01-01T00:00:00+05:00")

    def test_control_characters_never_reach_a_key(self):
        [planned] = self.plan(self.meeting(), {"email": "eve\r\n@example.com\x00"}).files
        assert not any(ord(ch) < 0x20 for ch in planned.key)
        assert planned.key.startswith("zoom/")

    def test_lone_surrogates_are_replaced(self):
        [planned] = self.plan(self.meeting(topic="bad \ud800 topic")).files
        json.dumps(planned.to_dict(), ensure_ascii=False).encode("utf-8")
        assert "\ud800" not in planned.topic

    @pytest.mark.parametrize(
        ("file_id", "reason"),
        [("f\x00-1", "printable ASCII"), ("fichier-é", "printable ASCII"), ("x" * 300, "printable ASCII")],
    )
    def test_file_ids_that_are_no_zoom_ids_are_rejected(self, file_id, reason):
        meeting = self.meeting()
        meeting["recording_files"][0]["id"] = file_id
        plan = self.plan(meeting)
        assert plan.files == []
        assert reason in plan.rejected[0].reason
        assert len(plan.rejected[0].where) <= 300

    def test_a_record_that_breaks_an_unexpected_way_is_rejected_not_raised(self):
        meeting = self.meeting()
        meeting["recording_files"].append({"id": "f-2", "file_type": "MP4", "file_size": 1,
                                           "download_url": "https://[broken/x"})  # fmt: skip
        plan = self.plan(meeting)
        assert [f.file_id for f in plan.files] == ["f-1"]
        assert "download_url" in plan.rejected[0].reason

    def test_status_of_the_wrong_type_is_reported(self):
        meeting = self.meeting()
        meeting["recording_files"][0]["status"] = {"state": "completed"}
        plan = self.plan(meeting)
        assert plan.not_ready == 0
        assert "status" in plan.rejected[0].reason


class TestLedgerRebuild:
    def test_finds_what_s3_holds_and_keeps_going_on_errors(self):
        def find(item: str):
            if item == "broken":
                raise RuntimeError("S3 said 503")
            return {"key": item} if item.startswith("in-s3") else None

        found, unchecked = find_in_s3(["in-s3-1", "absent", "broken", "in-s3-2"], find, workers=2)
        assert found == ["in-s3-1", "in-s3-2"]
        assert unchecked == 1

    def test_missing_or_invalid_ledger_is_reported(self):
        assert "missing" in ledger_mod.loads(None, today=date(2026, 3, 1))[1]
        assert "invalid JSON" in ledger_mod.loads('{"files": {"truncated', today=date(2026, 3, 1))[1]


class TestTls:
    def test_verification_is_never_switched_off(self, zoom_connection):
        from pathlib import Path

        from zoom_archiver.hooks.zoom import ZoomHook

        package = Path(__import__("zoom_archiver").__file__).parent
        for source in package.rglob("*.py"):
            text = source.read_text()
            assert "verify=False" not in text.replace(" ", ""), source
            assert "InsecureRequestWarning" not in text, source
        assert ZoomHook().session.verify is True
