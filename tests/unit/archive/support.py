"""Shared by the archive tests (test_archive, test_archive_streaming, test_object_lock, e2e test_s3_compat_e2e): a
scripted Zoom downloader, file contents of every size class, and the fixtures that archive into one in-process moto
(a test module imports them: ``aws``, ``s3``, ``settings``, ``run`` and the autouse ``no_tenacity_sleep``)."""

from __future__ import annotations

import functools
import hashlib
import io
import json
import types
from collections.abc import Callable
from typing import Any

import boto3
import pytest
import tenacity
from moto import mock_aws
from urllib3.exceptions import ProtocolError

from zoom_archiver.archive.archive import archive_file, file_metadata
from zoom_archiver.model import ArchiveResult, PlannedFile
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


@pytest.fixture(name="no_tenacity_sleep", autouse=True)
def no_tenacity_sleep_fixture(monkeypatch) -> list[float]:
    """archive_file's in-task retries wait 1-20 s; record the waits instead of sleeping."""
    waits: list[float] = []
    monkeypatch.setattr(tenacity.nap, "time", types.SimpleNamespace(sleep=waits.append))
    return waits


@pytest.fixture(name="aws", scope="module")
def aws_fixture():
    """One in-process moto for the module (each test gets its own bucket)."""
    with pytest.MonkeyPatch.context() as mp, mock_aws():
        mp.setenv("AIRFLOW_CONN_AWS_DEFAULT", json.dumps({"conn_type": "aws", "extra": {"region_name": "us-east-1"}}))
        yield boto3.client("s3", region_name="us-east-1")


@pytest.fixture(name="s3")
def s3_fixture(aws, make_bucket):
    """An empty bucket, removed with everything in it after the test."""
    make_bucket(aws, BUCKET)
    return aws


@pytest.fixture(name="settings")
def settings_fixture() -> TransferSettings:
    return TransferSettings(part_size=PART, max_concurrency=2)


#: The run archiving in these tests (the object metadata ``zoom-archive-run``).
THIS_RUN = "zoom_recordings_to_s3/scheduled__2024-12-06T12:00:00+00:00"


@pytest.fixture(name="run")
def run_fixture(s3, settings):
    """Archive ``planned`` the way ``zoom_archiver.tasks.archive.archive`` does."""

    def run(
        planned: PlannedFile, zoom: FakeZoom, *, force: bool = False, transfer: TransferSettings = settings
    ) -> ArchiveResult:
        from airflow.providers.amazon.aws.hooks.s3 import S3Hook

        hook = S3Hook(
            aws_conn_id="aws_default",
            transfer_config_args=settings.transfer_config_args(),
            extra_args=settings.extra_args(planned.content_type, file_metadata(planned, THIS_RUN)),
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
