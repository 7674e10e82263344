"""The reclaim's proof (zoom_archiver.reclaim.proof): a meeting is trashable only when every file's copy is proven now
against the SHA-256 recorded when it was archived; anything else holds the whole meeting back, with its reason."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timezone

import pytest
from botocore.exceptions import ClientError

from zoom_archiver.ledger import Ledger
from zoom_archiver.reclaim.proof import decide, group_meetings, prove_file
from zoom_archiver.reclaim.record import ReclaimRecord

BUCKET = "zoom-reclaim-test"
NOW = datetime(2026, 3, 10, 4, 0, tzinfo=timezone.utc)
MEETING = "meeting-one=="
OTHER = "meeting-two=="


def body(n: int, fill: int) -> bytes:
    return bytes([fill]) * n


class Archive:
    """Files of two meetings archived as the archiver does (metadata, tag) with their hashes in a ledger."""

    def __init__(self, s3, make_planned) -> None:
        self.s3, self.ledger, self.files = s3, Ledger(), {}
        for fid, meeting, size, fill in (("a1", MEETING, 3000, 1), ("a2", MEETING, 2000, 2), ("b1", OTHER, 1000, 3)):
            planned = make_planned(file_id=fid, meeting_uuid=meeting, file_size=size, key=f"zoom/{fid}.mp4")
            self.files[fid] = planned
            self.ledger.hashes[fid] = (hashlib.sha256(body(size, fill)).hexdigest(), size)
            self.put(fid, body(size, fill))

    def put(self, fid: str, data: bytes, *, tag: str | None = "recorded", file_id: str | None = None) -> None:
        sha = self.ledger.hashes[fid][0] if tag == "recorded" else tag
        self.s3.put_object(
            Bucket=BUCKET,
            Key=self.files[fid].key,
            Body=data,
            Metadata={"zoom-file-id": file_id or fid},
            **({"Tagging": f"sha256={sha or hashlib.sha256(data).hexdigest()}"} if tag else {}),
        )

    def decide(self, bucket, *, record=None, blocked=None, files=None):
        meetings = group_meetings(files or list(self.files.values()), date(2026, 3, 1))
        return {
            v.uuid: v
            for v in decide(
                meetings,
                bucket=bucket,
                ledger=self.ledger,
                record=record or ReclaimRecord(),
                blocked=blocked or {},
                now=NOW,
                grace_days=0,
                workers=2,
            )
        }


@pytest.fixture
def archive(s3, make_planned) -> Archive:
    return Archive(s3, make_planned)


def test_intact_meetings_are_proven(archive, bucket):
    verdicts = archive.decide(bucket)
    assert verdicts[MEETING].proven
    assert verdicts[OTHER].proven
    assert verdicts[MEETING].summary()["files"] == ["a1", "a2"]
    assert verdicts[MEETING].summary()["bytes"] == 5000


def _held(verdicts, reason: str, *, repaired: list[str]) -> None:
    meeting = verdicts[MEETING]
    assert not meeting.proven, "a meeting with an unproven file must not be trashed"
    assert any(reason in r for r in meeting.reasons), meeting.reasons
    assert [f.file_id for f in meeting.repair] == repaired
    assert verdicts[OTHER].proven  # the other meeting is not affected


class TestNothingOfTheMeetingIsTrashedUntilProven:
    def test_object_deleted(self, archive, bucket, s3):
        s3.delete_object(Bucket=BUCKET, Key="zoom/a2.mp4")
        _held(archive.decide(bucket), "a2: no object at its key", repaired=["a2"])

    def test_overwritten_with_other_bytes_of_the_same_size_metadata_and_tag_kept(self, archive, bucket):
        archive.put("a2", body(2000, 9))  # same size, same zoom-file-id, same (recorded) sha256 tag
        _held(archive.decide(bucket), "a2: deep check mismatch", repaired=["a2"])

    def test_tag_forged_to_match_overwritten_bytes(self, archive, bucket):
        archive.put("a2", body(2000, 9), tag=None)
        archive.put("a2", body(2000, 9), tag=hashlib.sha256(body(2000, 9)).hexdigest())
        _held(archive.decide(bucket), "differs from the hash recorded when it was archived", repaired=["a2"])

    def test_tag_removed(self, archive, bucket, s3):
        s3.delete_object_tagging(Bucket=BUCKET, Key="zoom/a1.mp4")
        _held(archive.decide(bucket), "a1: its sha256 tag is missing", repaired=["a1"])

    @pytest.mark.parametrize("status", [500, 503])
    def test_s3_head_failing(self, archive, bucket, monkeypatch, status):
        real = bucket.client.head_object

        def head(**kwargs):
            if kwargs["Key"] == "zoom/a1.mp4":
                raise ClientError(
                    {"Error": {"Code": str(status)}, "ResponseMetadata": {"HTTPStatusCode": status}}, "HeadObject"
                )
            return real(**kwargs)

        monkeypatch.setattr(bucket.client, "head_object", head)
        _held(archive.decide(bucket), f"S3 error during the proof: {status}", repaired=[])

    def test_zoom_announces_a_different_size_than_archived(self, archive, bucket):
        files = {
            **archive.files,
            "a1": archive.files["a1"].__class__(**{**archive.files["a1"].to_dict(), "file_size": 3001}),
        }
        _held(
            archive.decide(bucket, files=list(files.values())),
            "Zoom announces 3001 bytes, 3000 were archived",
            repaired=["a1"],
        )

    def test_quarantined_file(self, archive, bucket):
        archive.ledger.quarantine["a1"] = {"since": "2026-03-01", "day": "2026-02-01", "key": "", "reason": "403"}
        _held(archive.decide(bucket), "a1: quarantined", repaired=[])

    def test_failing_file(self, archive, bucket):
        archive.ledger.failures["a2"] = {"runs": 1, "day": "2026-02-01", "error": "boom"}
        _held(archive.decide(bucket), "a2: its archive failed", repaired=[])

    def test_no_hash_recorded_at_archive_time(self, archive, bucket):
        del archive.ledger.hashes["a2"]  # e.g. found in S3 by the archiver, never streamed by it: tag not trusted
        _held(archive.decide(bucket), "a2: no SHA-256 was recorded", repaired=["a2"])

    def test_key_holding_another_file_is_not_overwritten(self, archive, bucket):
        archive.put("a2", body(2000, 2), file_id="someone-else")
        _held(archive.decide(bucket), "holds another object", repaired=[])

    def test_file_still_processing_or_unreadable(self, archive, bucket):
        _held(
            archive.decide(bucket, blocked={MEETING: ["a file is still processing in Zoom"]}),
            "still processing",
            repaired=[],
        )

    def test_recently_recovered_file(self, archive, bucket):
        record = ReclaimRecord(recovered={"b1": NOW.isoformat()})  # seen back by this run
        verdicts = archive.decide(bucket, record=record)
        assert verdicts[MEETING].proven
        assert not verdicts[OTHER].proven
        assert "recovered in Zoom" in verdicts[OTHER].reasons[0]


def test_a_repaired_copy_is_proven_against_its_repair_hash(archive, bucket):
    archive.put("a2", body(2000, 7), tag=hashlib.sha256(body(2000, 7)).hexdigest())  # Zoom's bytes, archived again
    record = ReclaimRecord(hashes={"a2": (hashlib.sha256(body(2000, 7)).hexdigest(), 2000)})
    assert archive.decide(bucket, record=record)[MEETING].proven


def test_files_without_id_are_proven_and_left(archive, bucket, make_planned):
    timeline = make_planned(
        file_id="derived-tl", derived_id=True, meeting_uuid=MEETING, file_size=None, key="zoom/tl.json"
    )
    archive.files["derived-tl"] = timeline
    archive.ledger.hashes["derived-tl"] = (hashlib.sha256(b"{}").hexdigest(), 2)
    archive.s3.put_object(
        Bucket=BUCKET,
        Key="zoom/tl.json",
        Body=b"{}",
        Metadata={"zoom-file-id": "derived-tl"},
        Tagging=f"sha256={hashlib.sha256(b'{}').hexdigest()}",
    )
    meeting = archive.decide(bucket)[MEETING]
    assert meeting.proven
    assert [f.file_id for f in meeting.trashable] == ["a1", "a2"]
    assert meeting.summary()["left_no_id"] == ["derived-tl"]


def test_meetings_younger_than_the_grace_are_not_candidates(make_planned):
    old = make_planned(file_id="x", start_time="2026-03-01T10:00:00Z")
    young = make_planned(file_id="y", meeting_uuid="young", start_time="2026-03-02T00:00:00Z")
    assert list(group_meetings([old, young], date(2026, 3, 1))) == [old.meeting_uuid]


def test_prove_file_reads_back_with_bounded_memory(archive, bucket, monkeypatch):
    seen = []
    real = bucket.sha256_of_object
    monkeypatch.setattr(bucket, "sha256_of_object", lambda key, **kw: seen.append(key) or real(key, **kw))
    assert prove_file(bucket, archive.files["a1"], archive.ledger.hashes["a1"]).proven
    assert seen == ["zoom/a1.mp4"]  # the stored bytes were read back, not just the tag


def test_a_file_without_a_size_is_not_trashed_on_one_repair_download(archive, bucket):
    no_size = archive.files["a2"].__class__(**{**archive.files["a2"].to_dict(), "file_size": None})
    files = [archive.files["a1"], no_size, archive.files["b1"]]
    repaired = archive.ledger.hashes.pop("a2")  # only a repair (one download, written) recorded its hash
    record = ReclaimRecord(hashes={"a2": repaired})
    _held(archive.decide(bucket, record=record, files=files), "a2: Zoom gives no size", repaired=["a2"])
    # confirmed by a second witness (a download that matched the stored copy), or by the archive-time hash: proven
    assert archive.decide(bucket, record=ReclaimRecord(hashes={"a2": repaired}, confirmed={"a2"}), files=files)[
        MEETING
    ].proven
    archive.ledger.hashes["a2"] = repaired
    assert archive.decide(bucket, record=record, files=files)[MEETING].proven


def test_a_proof_keeps_the_version_and_etag_it_read(archive, bucket, s3):
    verdict = archive.decide(bucket)[MEETING]
    head = s3.head_object(Bucket=BUCKET, Key="zoom/a1.mp4")
    assert verdict.proofs["a1"].etag == head["ETag"]
    assert set(verdict.proofs) == {"a1", "a2"}


def test_a_file_pending_from_a_killed_run_is_held(archive, bucket):
    record = ReclaimRecord()
    record.mark_pending("a1", MEETING, 3000, NOW)
    _held(archive.decide(bucket, record=record), "a1: its DELETE may already have been sent", repaired=[])
