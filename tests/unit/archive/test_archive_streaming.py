"""Archiving a file by streaming it (zoom_archiver.archive.transfer through archive_file): byte-identical copies with
their
metadata and sha256 tag, multipart, unknown sizes, size mismatches, resumes, and failed uploads leaving nothing."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import re

import pytest
from botocore.exceptions import ClientError

from tests.unit.archive.support import (
    BUCKET,
    LARGE,
    MEDIUM,
    PART,
    SMALL,
    FakeDownload,
    FakeZoom,
    assert_nothing_left,
    aws_fixture,  # noqa: F401 - the fixture aws
    dropping,
    full,
    misplaced,
    no_tenacity_sleep_fixture,  # noqa: F401 - the fixture no_tenacity_sleep
    partial,
    run_fixture,  # noqa: F401 - the fixture run
    s3_fixture,  # noqa: F401 - the fixture s3
    settings_fixture,  # noqa: F401 - the fixture settings
    stored,
    tags,
)
from zoom_archiver.errors import ConfigurationError, VerificationError
from zoom_archiver.model import ArchiveResult
from zoom_archiver.settings import MIB


class TestArchiveFileStreaming:
    @pytest.mark.parametrize("data", [pytest.param(SMALL, id="small"), pytest.param(LARGE, id="multipart")])
    def test_archives_byte_identical_with_metadata_and_sha256_tag(self, s3, run, make_planned, data):
        planned = make_planned(file_size=len(data))
        zoom = FakeZoom(full(data))
        result = run(planned, zoom)
        sha = hashlib.sha256(data).hexdigest()
        assert result == ArchiveResult(planned.file_id, planned.key, "2024-11-29", "archived", len(data), sha, 0)
        assert stored(s3, planned.key) == data
        head = s3.head_object(Bucket=BUCKET, Key=planned.key)
        assert head["ContentType"] == "video/mp4"
        assert head["Metadata"]["zoom-file-id"] == planned.file_id
        assert head["Metadata"]["zoom-meeting-uuid"] == "2jQ60QnYThiV9cm+fdIbZQ=="
        assert head["Metadata"]["zoom-meeting-id"] == "82205654575"
        assert head["Metadata"]["zoom-recording-type"] == "shared_screen_with_speaker_view"
        assert tags(s3, planned.key) == {"sha256": sha}
        assert zoom.calls == [(planned.download_url, 0)]
        assert all(d.closed for d in zoom.opened)
        assert s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []

    def test_multipart_really_is_multipart(self, s3, run, make_planned):
        planned = make_planned(file_size=len(LARGE))
        run(planned, FakeZoom(full(LARGE)))
        etag = s3.head_object(Bucket=BUCKET, Key=planned.key)["ETag"]
        assert etag.strip('"').endswith("-3")

    def test_unknown_size_is_archived(self, s3, run, make_planned):
        planned = make_planned(file_size=None)
        result = run(planned, FakeZoom(full(SMALL)))
        assert result.size == len(SMALL)
        assert stored(s3, planned.key) == SMALL

    @pytest.mark.parametrize("headers", [{}, {"Content-Length": "0"}], ids=["no-length", "length-0"])
    def test_unknown_size_and_an_empty_body_is_refused(self, s3, run, make_planned, headers):
        planned = make_planned(file_size=None)
        empty = FakeDownload(io.BytesIO(b""), headers=headers)
        with pytest.raises(VerificationError, match="empty body"):
            run(planned, FakeZoom(lambda offset: empty))
        assert_nothing_left(s3, planned.key)

    def test_unknown_size_is_checked_against_the_content_length(self, s3, run, make_planned):
        planned = make_planned(file_size=None)
        truncated = FakeDownload(io.BytesIO(SMALL[:-100]), headers={"Content-Length": str(len(SMALL))})
        with pytest.raises(VerificationError, match=f"announced {len(SMALL)} bytes"):
            run(planned, FakeZoom(lambda offset: truncated))
        assert_nothing_left(s3, planned.key)

    def test_unknown_size_with_a_content_length_resumes_against_it(self, s3, run, make_planned):
        planned = make_planned(file_size=None)
        first = dropping(SMALL, 50_000, {"Content-Length": str(len(SMALL))})
        zoom = FakeZoom(first, partial(SMALL + b"a newer, longer version"), full(SMALL))
        result = run(planned, zoom)
        assert stored(s3, planned.key) == SMALL
        assert result.resumes == 0  # the 206 was of another file size: the transfer started over
        assert [offset for _, offset in zoom.calls] == [0, 50_000, 0]

    @pytest.mark.parametrize(
        ("data", "limit"),
        [pytest.param(SMALL, len(SMALL) - 1, id="small"), pytest.param(MEDIUM, PART + 10, id="multipart")],
    )
    def test_unknown_size_above_the_maximum_is_refused(self, s3, run, make_planned, settings, data, limit):
        planned = make_planned(file_size=None)
        transfer = dataclasses.replace(settings, max_unknown_size=limit)
        with pytest.raises(VerificationError, match="zoom_archive_max_unknown_size_mib"):
            run(planned, FakeZoom(full(data)), transfer=transfer)
        assert_nothing_left(s3, planned.key)

    def test_unknown_size_up_to_the_maximum_is_archived(self, s3, run, make_planned, settings):
        planned = make_planned(file_size=None)
        run(planned, FakeZoom(full(SMALL)), transfer=dataclasses.replace(settings, max_unknown_size=len(SMALL)))
        assert stored(s3, planned.key) == SMALL

    def test_non_ascii_metadata_is_stored(self, s3, run, make_planned):
        planned = make_planned(file_size=len(SMALL), recording_type="запись", meeting_uuid="é+/==")
        run(planned, FakeZoom(full(SMALL)))
        assert s3.head_object(Bucket=BUCKET, Key=planned.key)["Metadata"]["zoom-file-id"] == planned.file_id

    @pytest.mark.parametrize(
        ("data", "announced"),
        [
            pytest.param(SMALL, len(SMALL) + 1, id="small-shorter"),
            pytest.param(SMALL, len(SMALL) - 1, id="small-longer"),
            pytest.param(MEDIUM, len(MEDIUM) + 1, id="multipart-shorter"),
            pytest.param(MEDIUM, len(MEDIUM) - 1, id="multipart-longer"),
            pytest.param(MEDIUM, 5 * MIB + 100, id="multipart-longer-after-first-part"),
            pytest.param(LARGE[: 6 * MIB], len(LARGE), id="multipart-truncated"),
        ],
    )
    def test_size_mismatch_leaves_nothing_behind(self, s3, run, make_planned, data, announced):
        planned = make_planned(file_size=announced)
        zoom = FakeZoom(full(data))
        with pytest.raises(VerificationError):
            run(planned, zoom)
        assert_nothing_left(s3, planned.key)
        assert all(d.closed for d in zoom.opened)

    def test_zoom_error_json_is_not_archived(self, s3, run, make_planned):
        planned = make_planned(file_size=342924)
        with pytest.raises(VerificationError):
            run(planned, FakeZoom(full(b'{"status":false,"errorCode":124,"errorMessage":"Forbidden"}')))
        assert_nothing_left(s3, planned.key)

    @pytest.mark.parametrize(
        ("data", "drop_after"),
        [pytest.param(SMALL, 50_000, id="small"), pytest.param(MEDIUM, 5 * MIB + 3, id="multipart-second-part")],
    )
    def test_dropped_body_resumes_with_range(self, s3, run, make_planned, data, drop_after):
        planned = make_planned(file_size=len(data))
        zoom = FakeZoom(dropping(data, drop_after), partial(data))
        result = run(planned, zoom)
        assert result.outcome == "archived"
        assert result.resumes == 1
        assert result.sha256 == hashlib.sha256(data).hexdigest()
        assert stored(s3, planned.key) == data
        assert zoom.calls == [(planned.download_url, 0), (planned.download_url, drop_after)]
        assert tags(s3, planned.key) == {"sha256": hashlib.sha256(data).hexdigest()}
        assert all(d.closed for d in zoom.opened)

    @pytest.mark.parametrize(
        ("headers", "validator"),
        [
            pytest.param({"ETag": '"v1"', "Last-Modified": "Fri, 29 Nov 2024 16:51:35 GMT"}, '"v1"', id="etag"),
            pytest.param({"Last-Modified": "Fri, 29 Nov 2024 16:51:35 GMT"}, "Fri, 29 Nov 2024 16:51:35 GMT",
                         id="last-modified"),
            pytest.param({}, None, id="no-validator"),
        ],
    )  # fmt: skip
    def test_resume_sends_if_range_with_the_first_answers_validator(self, s3, run, make_planned, headers, validator):
        planned = make_planned(file_size=len(SMALL))
        zoom = FakeZoom(dropping(SMALL, 50_000, headers), partial(SMALL, headers))
        assert run(planned, zoom).resumes == 1
        assert zoom.if_ranges == [None, validator]
        assert stored(s3, planned.key) == SMALL

    @pytest.mark.parametrize(
        "changed",
        [
            pytest.param(partial(SMALL + b"longer now", {"ETag": '"v1"'}), id="another-total"),
            pytest.param(partial(SMALL[::-1], {"ETag": '"v2"'}), id="another-etag"),
            pytest.param(misplaced(SMALL), id="another-offset"),
        ],
    )
    def test_resume_of_a_changed_file_starts_over(self, s3, run, make_planned, no_tenacity_sleep, changed):
        planned = make_planned(file_size=len(SMALL))
        zoom = FakeZoom(dropping(SMALL, 50_000, {"ETag": '"v1"'}), changed, full(SMALL))
        result = run(planned, zoom)
        assert result.resumes == 0
        assert stored(s3, planned.key) == SMALL
        assert [offset for _, offset in zoom.calls] == [0, 50_000, 0]
        assert len(no_tenacity_sleep) == 1  # failed retryably, once

    def test_a_failed_transfer_leaves_another_runs_upload_alone(self, s3, run, make_planned, monkeypatch):
        from s3transfer.futures import TransferCoordinator

        planned = make_planned(file_size=len(MEDIUM) + 1)
        theirs = s3.create_multipart_upload(Bucket=BUCKET, Key=planned.key)["UploadId"]
        # The transfer manager's own abort fails (here: never happens): the transfer must abort its upload itself.
        monkeypatch.setattr(TransferCoordinator, "add_failure_cleanup", lambda self, function, *a, **kw: None)
        with pytest.raises(VerificationError):
            run(planned, FakeZoom(full(MEDIUM)))
        uploads = s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", [])
        assert [u["UploadId"] for u in uploads] == [theirs]
        s3.abort_multipart_upload(Bucket=BUCKET, Key=planned.key, UploadId=theirs)

    @pytest.mark.parametrize("code", ["AccessDenied", "NoSuchBucket", "KMS.NotFoundException"])
    def test_s3_refusing_the_upload_is_a_configuration_error(
        self, s3, run, make_planned, monkeypatch, no_tenacity_sleep, code
    ):
        from airflow.providers.amazon.aws.hooks.s3 import S3Hook

        def refuse(self, fileobj, **kwargs) -> None:
            fileobj.read(PART)
            raise ClientError({"Error": {"Code": code, "Message": "refused"}}, "PutObject")

        monkeypatch.setattr(S3Hook, "load_file_obj", refuse)
        planned = make_planned(file_size=len(SMALL))
        zoom = FakeZoom(full(SMALL))
        with pytest.raises(ConfigurationError, match=re.escape(code)):
            run(planned, zoom)
        assert len(zoom.calls) == 1  # not retried
        assert no_tenacity_sleep == []

    def test_reopen_without_range_support_retries_the_transfer(self, s3, run, make_planned, no_tenacity_sleep):
        planned = make_planned(file_size=len(SMALL))
        zoom = FakeZoom(dropping(SMALL, 50_000), full(SMALL), full(SMALL))  # the reopen answers 200
        result = run(planned, zoom)
        assert result.outcome == "archived"
        assert result.resumes == 0
        assert result.sha256 == hashlib.sha256(SMALL).hexdigest()
        assert stored(s3, planned.key) == SMALL
        assert zoom.calls == [(planned.download_url, 0), (planned.download_url, 50_000), (planned.download_url, 0)]
        assert len(no_tenacity_sleep) == 1
