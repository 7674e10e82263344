"""Archiving one file (zoom_archiver.archive.archive): what S3 already holds is skipped or has its tag repaired, another
file at the key is never touched, force, in-task retries, runs overlapping on a key, storage classes."""

from __future__ import annotations

import contextlib
import hashlib
import io
import types

import pytest
from botocore.exceptions import ClientError

from tests.unit.archive.support import (
    BUCKET,
    MEDIUM,
    PART,
    SMALL,
    THIS_RUN,
    Dropping,
    FakeDownload,
    FakeZoom,
    assert_nothing_left,
    aws_fixture,  # noqa: F401 - the fixture aws
    full,
    no_tenacity_sleep_fixture,  # noqa: F401 - the fixture no_tenacity_sleep
    run_fixture,  # noqa: F401 - the fixture run
    s3_fixture,  # noqa: F401 - the fixture s3
    settings_fixture,  # noqa: F401 - the fixture settings
    stored,
    tags,
)
from zoom_archiver.archive.archive import archive_file, existing_copy, file_hook, file_metadata
from zoom_archiver.errors import DownloadError, KeyConflict
from zoom_archiver.model import ArchiveResult, PlannedFile
from zoom_archiver.publish.assets import new_objects
from zoom_archiver.s3.bucket import ArchiveBucket
from zoom_archiver.settings import TransferSettings


class TestArchiveFile:
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


OTHER_RUN = "zoom_meeting_to_s3/webhook__recording_completed__LjtP8z2jS0qmRJIIb1WuBg"


class Racing(io.BytesIO):
    """A download during which a run (``writer``) stores the same file at the key (after our HEAD, before our write).

    Our own run as ``writer``: what S3 holds when our write was applied but its answer was lost, and botocore's
    retry of it got the 412."""

    def __init__(self, data: bytes, s3, planned: PlannedFile, writer: str = OTHER_RUN) -> None:
        super().__init__(data)
        self.s3, self.planned, self.writer, self.raced = s3, planned, writer, False

    def read(self, size: int | None = -1) -> bytes:
        if not self.raced:
            self.raced = True
            meta = {**file_metadata(self.planned, self.writer), "writer": "the-other-run"}
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
        # the other run wrote the object: it announces it (asset event, run report), this one does not
        assert result.outcome == "already_archived"
        assert new_objects([result.to_dict()]) == []

    def test_a_412_on_our_own_applied_write_is_still_ours_to_announce(self, s3, run, make_planned):
        planned = make_planned(file_size=len(SMALL))
        zoom = FakeZoom(lambda offset: FakeDownload(Racing(SMALL, s3, planned, writer=THIS_RUN)))
        result = run(planned, zoom)
        assert result.outcome == "archived"
        assert [o["key"] for o in new_objects([result.to_dict()])] == [planned.key]


class Conflicting:
    """S3 answers 409 ``ConditionalRequestConflict`` to our first conditional write of the key (PutObject or
    CompleteMultipartUpload), as AWS does to one of two conditional writes meeting; ``writer`` (a run, or nobody)
    has stored the same file at the key by the time we look again."""

    EVENTS = ("before-call.s3.PutObject", "before-call.s3.CompleteMultipartUpload")

    def __init__(self, s3, planned: PlannedFile, data: bytes, writer: str | None = OTHER_RUN) -> None:
        self.s3, self.planned, self.data, self.writer, self.answered = s3, planned, data, writer, 0

    def __call__(self, params: dict, **_) -> tuple | None:
        """botocore's ``before-call``: ``params`` is the request (its headers); an answer skips sending it."""
        if params.get("headers", {}).get("If-None-Match") != "*" or self.answered:
            return None
        self.answered += 1
        if self.writer is not None:
            meta = {**file_metadata(self.planned, self.writer), "writer": "the-other-run"}
            self.s3.put_object(Bucket=BUCKET, Key=self.planned.key, Body=self.data, Metadata=meta)
        error = {"Code": "ConditionalRequestConflict", "Message": "A conflicting conditional operation is in progress"}
        return types.SimpleNamespace(status_code=409), {"Error": error, "ResponseMetadata": {"HTTPStatusCode": 409}}

    def install(self, monkeypatch) -> None:
        """Answer our writes while ``archive_file`` writes the key only if absent (on its own client)."""
        original = ArchiveBucket.only_if_absent
        conflicting = self

        @contextlib.contextmanager
        def only_if_absent(bucket: ArchiveBucket, key: str):
            for event in conflicting.EVENTS:
                bucket.client.meta.events.register(event, conflicting)
            try:
                with original(bucket, key):
                    yield
            finally:
                for event in conflicting.EVENTS:
                    bucket.client.meta.events.unregister(event, conflicting)

        monkeypatch.setattr(ArchiveBucket, "only_if_absent", only_if_absent)


class TestConditionalConflict:
    """A 409 ``ConditionalRequestConflict`` is a lost race, decided like a 412 by what the key holds afterwards."""

    @pytest.mark.parametrize("data", [pytest.param(SMALL, id="put"), pytest.param(MEDIUM, id="multipart")])
    def test_another_runs_object_is_already_archived_and_not_announced(self, s3, run, make_planned, data,
                                                                       monkeypatch):  # fmt: skip
        planned = make_planned(file_size=len(data))
        conflict = Conflicting(s3, planned, data)
        conflict.install(monkeypatch)
        zoom = FakeZoom(full(data))
        result = run(planned, zoom)
        assert conflict.answered == 1
        assert s3.head_object(Bucket=BUCKET, Key=planned.key)["Metadata"]["writer"] == "the-other-run"
        assert (result.outcome, result.sha256) == ("already_archived", hashlib.sha256(data).hexdigest())
        assert new_objects([result.to_dict()]) == []
        assert len(zoom.calls) == 1
        assert s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []

    def test_our_own_applied_write_is_archived_and_announced(self, s3, run, make_planned, monkeypatch):
        planned = make_planned(file_size=len(SMALL))
        Conflicting(s3, planned, SMALL, writer=THIS_RUN).install(monkeypatch)
        result = run(planned, FakeZoom(full(SMALL)))
        assert result.outcome == "archived"
        assert [o["key"] for o in new_objects([result.to_dict()])] == [planned.key]

    @pytest.mark.parametrize("data", [pytest.param(SMALL, id="put"), pytest.param(MEDIUM, id="multipart")])
    def test_nothing_stored_yet_is_a_retryable_failure(self, s3, make_planned, settings, data, monkeypatch):
        planned = make_planned(file_size=len(data))
        Conflicting(s3, planned, data, writer=None).install(monkeypatch)
        hook = file_hook(planned, settings, "aws_default", THIS_RUN)
        with pytest.raises(DownloadError, match="409 ConditionalRequestConflict") as failed:
            archive_file(planned, zoom=FakeZoom(full(data)), s3_hook=hook, bucket=BUCKET, settings=settings,
                         attempts=1)  # fmt: skip
        assert failed.value.retryable
        assert_nothing_left(s3, planned.key)

    def test_nothing_stored_yet_is_retried_and_then_archived(self, s3, run, make_planned, monkeypatch):
        planned = make_planned(file_size=len(SMALL))
        Conflicting(s3, planned, SMALL, writer=None).install(monkeypatch)
        zoom = FakeZoom(full(SMALL))
        result = run(planned, zoom)
        assert len(zoom.calls) == 2  # the 409 attempt, then the retry that stored it
        assert result.outcome == "archived"
        assert stored(s3, planned.key) == SMALL


class TestStorageClasses:
    """Archiving straight into a storage class: upload, HEAD/idempotency and tag repair (never reading cold data)."""

    @pytest.mark.parametrize(
        ("storage_class", "repaired"),
        [("GLACIER_IR", True), ("INTELLIGENT_TIERING", True), ("GLACIER", False), ("DEEP_ARCHIVE", False)],
    )
    def test_archive_rerun_and_tag_repair(self, s3, make_planned, storage_class, repaired, monkeypatch):
        from zoom_archiver.archive.archive import file_hook

        transfer = TransferSettings(part_size=PART, max_concurrency=2, storage_class=storage_class)
        planned = make_planned(file_size=len(MEDIUM))

        def archive() -> ArchiveResult:
            hook = file_hook(planned, transfer, "aws_default")
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


RUN = "zoom_meeting_to_s3/webhook__recording_completed__LjtP8z2jS0qmRJIIb1WuBg"


class TestObjectMetadata:
    def test_ascii_only_and_no_empty_values(self, make_planned):
        meta = file_metadata(make_planned(meeting_id="", recording_type="запись", file_size=None))
        assert "zoom-meeting-id" not in meta
        assert "zoom-file-size" not in meta
        assert all(v.isascii() for v in meta.values())

    def test_fields(self, make_planned):
        meta = file_metadata(make_planned())
        assert meta["zoom-file-id"] == "1ec4ad5a-fba9-4866-b71b-099b38a3e702"
        assert meta["zoom-file-size"] == "342924"
        assert meta["zoom-start-time"] == "2024-11-29T16:51:20Z"
        assert "zoom-participant" not in meta
        assert "zoom-archive-run" not in meta

    def test_the_writing_run_is_named(self, make_planned):
        assert file_metadata(make_planned(), RUN)["zoom-archive-run"] == RUN

    @pytest.mark.parametrize("name", ["Sam Lee", "Jürgen Groß 100%", "李小龍", 'O\'Neil / "Ops"'])
    def test_a_participants_name_is_kept_percent_encoded(self, make_planned, name):
        from urllib.parse import unquote

        meta = file_metadata(make_planned(participant=name, recording_type="participant_audio"))
        assert meta["zoom-participant"].isascii()
        assert unquote(meta["zoom-participant"]) == name
        assert meta["zoom-recording-type"] == "participant_audio"


class TestHeaderSafeMetadata:
    def test_values_are_printable_ascii_and_bounded(self, make_planned):
        planned = make_planned(host_id="a\r\nX-Injected: 1", meeting_uuid="é/" + "x" * 1000)
        meta = file_metadata(planned)
        assert meta["zoom-host-id"] == "a??X-Injected: 1"
        assert len(meta["zoom-meeting-uuid"]) == 256
        assert all(v.isascii() and v.isprintable() for v in meta.values())
