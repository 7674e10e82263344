from __future__ import annotations

import dataclasses
import functools
import hashlib
import io
import json
import re
import types
from collections.abc import Callable
from typing import Any

import boto3
import pytest
import tenacity
from botocore.exceptions import ClientError
from moto import mock_aws
from urllib3.exceptions import ProtocolError

from zoom_archiver.archive import ArchiveResult, archive_file
from zoom_archiver.errors import ConfigurationError, DownloadError, KeyConflict, VerificationError
from zoom_archiver.planning import PlannedFile
from zoom_archiver.s3.metadata import object_metadata
from zoom_archiver.settings import MIB, TransferSettings

BUCKET = "zoom-archive-test"
SMALL = hashlib.sha256(b"seed").digest() * 4096  # 128 KiB
LARGE = (hashlib.sha256(b"large").digest() * (11 * MIB // 32 + 1))[: 11 * MIB + 12345]  # ~11 MiB, 3 parts
MEDIUM = LARGE[: 6 * MIB + 777]  # two parts: enough to exercise multipart failure paths cheaply
PART = 5 * MIB


class FakeDownload:
    """What :meth:`ZoomHook.open_download` returns: ``.stream``, ``.response``, ``.resume()`` and ``.close()``."""

    def __init__(self, stream: Any, status: int = 200, headers: dict[str, str] | None = None) -> None:
        self.stream = stream
        self.response = types.SimpleNamespace(status_code=status, headers=headers or {})
        self.closed = False
        self.reopen: Callable[..., FakeDownload] | None = None  # set by FakeZoom

    def resume(self, offset: int, *, if_range: str | None = None) -> FakeDownload:
        assert self.reopen is not None
        return self.reopen(range_start=offset, if_range=if_range)

    def close(self) -> None:
        self.closed = True


class Dropping:
    """A body that breaks after ``drop_after`` bytes, as urllib3 does on a reset connection."""

    def __init__(self, data: bytes, drop_after: int) -> None:
        self._data = io.BytesIO(data[:drop_after])

    def read(self, size: int = -1) -> bytes:
        chunk = self._data.read(size)
        if not chunk:
            raise ProtocolError("Connection broken: IncompleteRead(0 bytes read)")
        return chunk


def full(data: bytes) -> Callable[[int], FakeDownload]:
    return lambda offset: FakeDownload(io.BytesIO(data))


def dropping(data: bytes, drop_after: int, headers: dict[str, str] | None = None) -> Callable[[int], FakeDownload]:
    return lambda offset: FakeDownload(Dropping(data, drop_after), headers=headers)


def partial(data: bytes, headers: dict[str, str] | None = None) -> Callable[[int], FakeDownload]:
    """A CDN honouring Range: 206 from the offset (of ``data``: another version when it is another file)."""
    return lambda offset: FakeDownload(
        io.BytesIO(data[offset:]),
        status=206,
        headers={"Content-Range": f"bytes {offset}-{len(data) - 1}/{len(data)}", **(headers or {})},
    )


def misplaced(data: bytes) -> Callable[[int], FakeDownload]:
    """A 206 that ignores the offset asked for: the whole file, as bytes 0-…"""
    return lambda offset: FakeDownload(
        io.BytesIO(data), status=206, headers={"Content-Range": f"bytes 0-{len(data) - 1}/{len(data)}"}
    )


class FakeZoom:
    """A downloader answering each ``open_download`` call with the next scripted answer."""

    def __init__(self, *answers: Callable[[int], FakeDownload]) -> None:
        self.answers = list(answers)
        self.calls: list[tuple[str, int]] = []
        self.if_ranges: list[str | None] = []
        self.opened: list[FakeDownload] = []

    def open_download(self, url: str, *, range_start: int = 0, if_range: str | None = None) -> FakeDownload:
        self.calls.append((url, range_start))
        self.if_ranges.append(if_range)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        download = answer(range_start)
        download.reopen = functools.partial(self.open_download, url)
        self.opened.append(download)
        return download


@pytest.fixture(autouse=True)
def no_tenacity_sleep(monkeypatch) -> list[float]:
    """archive_file's in-task retries wait 1-20 s; record the waits instead of sleeping."""
    waits: list[float] = []
    monkeypatch.setattr(tenacity.nap, "time", types.SimpleNamespace(sleep=waits.append))
    return waits


@pytest.fixture(scope="module")
def aws():
    """One in-process moto for the module (each test gets its own bucket)."""
    with pytest.MonkeyPatch.context() as mp, mock_aws():
        mp.setenv("AIRFLOW_CONN_AWS_DEFAULT", json.dumps({"conn_type": "aws", "extra": {"region_name": "us-east-1"}}))
        yield boto3.client("s3", region_name="us-east-1")


@pytest.fixture
def s3(aws, make_bucket):
    """An empty bucket, removed with everything in it after the test."""
    make_bucket(aws, BUCKET)
    return aws


@pytest.fixture
def settings() -> TransferSettings:
    return TransferSettings(part_size=PART, max_concurrency=2)


@pytest.fixture
def run(s3, settings):
    """Archive ``planned`` the way ``zoom_archiver.tasks.archive`` does."""

    def run(
        planned: PlannedFile, zoom: FakeZoom, *, force: bool = False, transfer: TransferSettings = settings
    ) -> ArchiveResult:
        from airflow.providers.amazon.aws.hooks.s3 import S3Hook

        hook = S3Hook(
            aws_conn_id="aws_default",
            transfer_config_args=settings.transfer_config_args(),
            extra_args=settings.extra_args(planned.content_type, object_metadata(planned)),
        )
        hook.transfer_config.max_in_memory_upload_chunks = settings.max_concurrency + 1
        return archive_file(planned, zoom=zoom, s3_hook=hook, bucket=BUCKET, settings=transfer, force=force)

    return run


def stored(s3, key: str) -> bytes:
    return s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()


def tags(s3, key: str) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in s3.get_object_tagging(Bucket=BUCKET, Key=key)["TagSet"]}


def assert_nothing_left(s3, key: str) -> None:
    assert s3.list_objects_v2(Bucket=BUCKET).get("KeyCount", 0) == 0, f"an object was left at {key}"
    assert s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []


class TestArchiveFile:
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

    def test_already_archived_is_not_downloaded(self, s3, run, make_planned):
        planned = make_planned(file_size=len(SMALL))
        sha = hashlib.sha256(SMALL).hexdigest()
        s3.put_object(Bucket=BUCKET, Key=planned.key, Body=SMALL, Metadata={"zoom-file-id": planned.file_id},
                      Tagging=f"sha256={sha}")  # fmt: skip
        zoom = FakeZoom(full(b"must not be downloaded"))
        result = run(planned, zoom)
        assert result.outcome == "already_archived"
        assert result.sha256 == sha
        assert result.size == len(SMALL)
        assert zoom.calls == []

    def test_missing_tag_is_repaired_from_s3(self, s3, run, make_planned):
        planned = make_planned(file_size=len(SMALL))
        s3.put_object(Bucket=BUCKET, Key=planned.key, Body=SMALL, Metadata={"zoom-file-id": planned.file_id})
        zoom = FakeZoom(full(b"must not be downloaded"))
        result = run(planned, zoom)
        sha = hashlib.sha256(SMALL).hexdigest()
        assert result.outcome == "tag_repaired"
        assert result.sha256 == sha
        assert tags(s3, planned.key) == {"sha256": sha}
        assert zoom.calls == []

    @pytest.mark.parametrize("force", [False, True], ids=["plain", "force"])
    def test_another_file_at_the_key_is_left_untouched(self, s3, run, make_planned, force):
        planned = make_planned(file_size=len(SMALL))
        s3.put_object(Bucket=BUCKET, Key=planned.key, Body=b"someone else's file",
                      Metadata={"zoom-file-id": "another-file"})  # fmt: skip
        zoom = FakeZoom(full(SMALL))
        with pytest.raises(KeyConflict, match="another-file"):
            run(planned, zoom, force=force)
        assert stored(s3, planned.key) == b"someone else's file"
        assert s3.head_object(Bucket=BUCKET, Key=planned.key)["Metadata"] == {"zoom-file-id": "another-file"}
        assert zoom.calls == []

    @pytest.mark.parametrize("force", [False, True], ids=["plain", "force"])
    def test_object_without_metadata_is_not_overwritten(self, s3, run, make_planned, force):
        planned = make_planned(file_size=len(SMALL))
        s3.put_object(Bucket=BUCKET, Key=planned.key, Body=b"uploaded by hand")
        with pytest.raises(KeyConflict):
            run(planned, FakeZoom(full(SMALL)), force=force)
        assert stored(s3, planned.key) == b"uploaded by hand"

    def test_stale_copy_with_another_size_is_archived_again(self, s3, run, make_planned):
        planned = make_planned(file_size=len(SMALL))
        s3.put_object(Bucket=BUCKET, Key=planned.key, Body=SMALL[:100], Metadata={"zoom-file-id": planned.file_id},
                      Tagging="sha256=old")  # fmt: skip
        result = run(planned, FakeZoom(full(SMALL)))
        assert result.outcome == "archived"
        assert stored(s3, planned.key) == SMALL
        assert tags(s3, planned.key) == {"sha256": hashlib.sha256(SMALL).hexdigest()}

    def test_force_archives_again(self, s3, run, make_planned):
        planned = make_planned(file_size=len(SMALL))
        s3.put_object(Bucket=BUCKET, Key=planned.key, Body=SMALL, Metadata={"zoom-file-id": planned.file_id},
                      Tagging="sha256=whatever")  # fmt: skip
        zoom = FakeZoom(full(SMALL))
        assert run(planned, zoom, force=True).outcome == "archived"
        assert len(zoom.calls) == 1
        assert tags(s3, planned.key) == {"sha256": hashlib.sha256(SMALL).hexdigest()}

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

    def test_transient_failures_give_up_after_attempts(self, s3, run, make_planned, no_tenacity_sleep):
        planned = make_planned(file_size=len(SMALL))
        zoom = FakeZoom(lambda offset: FakeDownload(Dropping(SMALL, 10), status=200))

        def refuse(offset: int) -> FakeDownload:
            raise DownloadError("download from https://us06web.zoom.us/rec/download/c4nr answered HTTP 503",
                                retryable=True)  # fmt: skip

        zoom.answers = [refuse]
        with pytest.raises(DownloadError, match="503"):
            run(planned, zoom)
        assert len(zoom.calls) == 3
        assert_nothing_left(s3, planned.key)

    def test_permanent_download_errors_are_not_retried(self, s3, run, make_planned):
        planned = make_planned(file_size=len(SMALL))

        def refuse(offset: int) -> FakeDownload:
            raise DownloadError("answered HTTP 404", retryable=False)

        zoom = FakeZoom(refuse)
        with pytest.raises(DownloadError, match="404"):
            run(planned, zoom)
        assert len(zoom.calls) == 1


class Racing(io.BytesIO):
    """A download during which another run stores the same file at the key (after our HEAD, before our write)."""

    def __init__(self, data: bytes, s3, planned: PlannedFile) -> None:
        super().__init__(data)
        self.s3, self.planned, self.raced = s3, planned, False

    def read(self, size: int | None = -1) -> bytes:
        if not self.raced:
            self.raced = True
            meta = {**object_metadata(self.planned), "writer": "the-other-run"}
            self.s3.put_object(Bucket=BUCKET, Key=self.planned.key, Body=self.getvalue(), Metadata=meta)
        return super().read(size)


class TestOverlappingRuns:
    @pytest.mark.parametrize("data", [pytest.param(SMALL, id="put"), pytest.param(MEDIUM, id="multipart")])
    def test_a_key_written_by_another_run_meanwhile_is_not_uploaded_again(self, s3, run, make_planned, data):
        planned = make_planned(file_size=len(data))
        zoom = FakeZoom(lambda offset: FakeDownload(Racing(data, s3, planned)))
        result = run(planned, zoom)
        # S3 refused our write (If-None-Match: *): the other run's object stays, verified as the same bytes
        assert s3.head_object(Bucket=BUCKET, Key=planned.key)["Metadata"]["writer"] == "the-other-run"
        assert result.sha256 == hashlib.sha256(data).hexdigest()
        assert tags(s3, planned.key) == {"sha256": result.sha256}
        assert s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []


class TestStorageClasses:
    """Archiving straight into a storage class: upload, HEAD/idempotency and tag repair (never reading cold data)."""

    @pytest.mark.parametrize(
        ("storage_class", "repaired"),
        [("GLACIER_IR", True), ("INTELLIGENT_TIERING", True), ("GLACIER", False), ("DEEP_ARCHIVE", False)],
    )
    def test_archive_rerun_and_tag_repair(self, s3, make_planned, storage_class, repaired, monkeypatch):
        from zoom_archiver.archive import existing_copy
        from zoom_archiver.s3.bucket import ArchiveBucket
        from zoom_archiver.s3.connect import s3_hook_for

        transfer = TransferSettings(part_size=PART, max_concurrency=2, storage_class=storage_class)
        planned = make_planned(file_size=len(MEDIUM))

        def archive() -> ArchiveResult:
            hook = s3_hook_for(planned, transfer, "aws_default")
            return archive_file(planned, zoom=FakeZoom(full(MEDIUM)), s3_hook=hook, bucket=BUCKET, settings=transfer)

        first = archive()
        sha = hashlib.sha256(MEDIUM).hexdigest()
        assert (first.outcome, first.sha256) == ("archived", sha)
        assert s3.head_object(Bucket=BUCKET, Key=planned.key)["StorageClass"] == storage_class
        if repaired:  # moto refuses GetObjectTagging on GLACIER/DEEP_ARCHIVE objects (S3 itself answers it)
            assert tags(s3, planned.key) == {"sha256": sha}
        assert archive().outcome == "already_archived"  # HEAD only: no download, no second upload

        s3.delete_object_tagging(Bucket=BUCKET, Key=planned.key)
        result = existing_copy(ArchiveBucket(s3, BUCKET), planned)
        assert result is not None
        if repaired:
            assert (result.outcome, result.sha256) == ("tag_repaired", sha)
            assert tags(s3, planned.key) == {"sha256": sha}
        else:
            # moto refuses to show the tags of a cold object: archived (id and size match), nothing read
            assert (result.outcome, result.sha256) == ("already_archived", "")
            # S3 shows them, and none is there: reported, never read (a GET of a cold object fails in moto)
            monkeypatch.setattr(ArchiveBucket, "sha256_tag", lambda self, key, version_id=None: None)
            result = existing_copy(ArchiveBucket(s3, BUCKET), planned)
            assert result is not None
            assert (result.outcome, result.sha256) == ("tag_not_repaired", "")
            with pytest.raises(ClientError, match="InvalidObjectState"):
                s3.get_object(Bucket=BUCKET, Key=planned.key)
