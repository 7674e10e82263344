"""The deep check (zoom_archiver.s3.verify): stored bytes, read back and hashed now, against the sha256 tag."""

from __future__ import annotations

import hashlib
import logging

import pytest

from zoom_archiver.s3 import verify

BUCKET = "zoom-verify-test"
DATA = bytes(range(256)) * 9000  # 2.3 MB: three 1 MiB chunks
SHA = hashlib.sha256(DATA).hexdigest()


def put(s3, key: str, body: bytes = DATA, tag: str | None = SHA, **kwargs) -> None:
    s3.put_object(Bucket=BUCKET, Key=key, Body=body, **({"Tagging": f"sha256={tag}"} if tag else {}), **kwargs)


class TestVerifyObject:
    def test_intact_object_is_proven(self, s3, bucket):
        put(s3, "k")
        result = verify.verify_object(bucket, "k")
        assert result.proven
        assert (result.outcome, result.actual, result.expected, result.size) == (verify.MATCH, SHA, SHA, len(DATA))

    def test_same_size_other_bytes_is_a_mismatch(self, s3, bucket):
        corrupted = bytearray(DATA)
        corrupted[1_500_000] ^= 0xFF
        put(s3, "k", bytes(corrupted))
        result = verify.verify_object(bucket, "k")
        assert not result.proven
        assert result.outcome == verify.MISMATCH
        assert result.actual == hashlib.sha256(bytes(corrupted)).hexdigest()
        assert "do not hash to the sha256 tag" in result.detail

    def test_no_tag_is_not_proven_and_not_read(self, s3, bucket, monkeypatch):
        put(s3, "k", tag=None)
        monkeypatch.setattr(bucket, "sha256_of_object", lambda *a, **k: pytest.fail("read an object without a tag"))
        assert verify.verify_object(bucket, "k").outcome == verify.NO_TAG

    def test_missing_object(self, bucket):
        assert verify.verify_object(bucket, "nothing").outcome == verify.MISSING

    def test_glacier_is_reported_not_readable_without_a_read(self, s3, bucket, monkeypatch):
        put(s3, "cold", StorageClass="GLACIER")
        monkeypatch.setattr(bucket, "sha256_of_object", lambda *a, **k: pytest.fail("read a GLACIER object"))
        result = verify.verify_object(bucket, "cold")
        assert result.outcome == verify.NOT_READABLE
        assert "GLACIER" in result.detail
        assert not result.proven

    def test_s3_refusing_the_read_is_not_readable(self, s3, bucket):
        put(s3, "cold", StorageClass="DEEP_ARCHIVE")
        # what the HEAD said is stale (e.g. moved by a lifecycle rule since): S3's InvalidObjectState is reported
        target = verify.Target("cold", len(DATA), SHA)
        assert verify.verify_target(bucket, target).outcome == verify.NOT_READABLE

    def test_versioned_bucket_hashes_the_version_the_head_showed(self, s3, bucket):
        s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        put(s3, "k")
        first = s3.head_object(Bucket=BUCKET, Key="k")["VersionId"]
        put(s3, "k", b"newer bytes", tag=None)
        target = verify.Target("k", len(DATA), SHA, version_id=first)
        assert verify.verify_target(bucket, target).proven
        assert verify.verify_object(bucket, "k").outcome == verify.NO_TAG  # the latest version has no tag

    def test_a_short_read_is_a_mismatch(self, s3, bucket):
        put(s3, "k")
        result = verify.verify_target(bucket, verify.Target("k", len(DATA) + 1, SHA))
        assert result.outcome == verify.MISMATCH
        assert f"read back {len(DATA)} of {len(DATA) + 1} bytes" in result.detail


class TestUnreadableReason:
    @pytest.mark.parametrize(
        ("head", "readable"),
        [
            pytest.param({"StorageClass": "STANDARD"}, True, id="standard"),
            pytest.param({}, True, id="no-class"),
            pytest.param({"StorageClass": "GLACIER_IR"}, True, id="glacier-instant"),
            pytest.param({"StorageClass": "GLACIER"}, False, id="glacier"),
            pytest.param({"StorageClass": "DEEP_ARCHIVE"}, False, id="deep-archive"),
            pytest.param(
                {"StorageClass": "GLACIER", "Restore": 'ongoing-request="false", expiry-date="Fri, 21 Dec 2012"'},
                True,
                id="glacier-restored",
            ),
            pytest.param({"StorageClass": "GLACIER", "Restore": 'ongoing-request="true"'}, False, id="restoring"),
            pytest.param(
                {"StorageClass": "INTELLIGENT_TIERING", "ArchiveStatus": "DEEP_ARCHIVE_ACCESS"}, False, id="it-archive"
            ),
        ],
    )
    def test_reason(self, head, readable):
        assert (verify.unreadable_reason(head) is None) is readable


class TestVerifyTargets:
    def test_many_in_order_with_progress_in_the_log(self, s3, bucket, caplog):
        targets = []
        for i in range(25):
            body = DATA[: 1000 + i]
            put(s3, f"k{i}", body, tag=hashlib.sha256(body).hexdigest() if i != 7 else "0" * 64)
            targets.append(verify.Target(f"k{i}", len(body), hashlib.sha256(body).hexdigest() if i != 7 else "0" * 64))
        with caplog.at_level(logging.INFO, logger="zoom_archiver.s3.verify"):
            results = verify.verify_targets(bucket, targets, workers=3)
        assert [r.key for r in results] == [t.key for t in targets]
        assert [r.key for r in results if not r.proven] == ["k7"]
        progress = [r.getMessage() for r in caplog.records if "objects hashed" in r.getMessage()]
        assert progress[-1].startswith("Deep check: 25 of 25 objects hashed")
        assert len(progress) >= 5  # every tenth of the objects (step 2), and the last

    def test_nothing_to_check(self, bucket):
        assert verify.verify_targets(bucket, []) == []

    def test_memory_is_one_chunk_per_read(self, s3, bucket, monkeypatch):
        put(s3, "k")
        reads: list[int] = []
        original = s3.get_object

        def spy(**kwargs):
            response = original(**kwargs)
            body = response["Body"]
            real_read = body.read

            def read(amt=None):
                reads.append(-1 if amt is None else amt)
                return real_read(amt)

            body.read = read
            return response

        monkeypatch.setattr(s3, "get_object", spy)
        assert verify.verify_object(bucket, "k").proven
        assert reads
        assert all(0 < amount <= 2**20 for amount in reads), "the body is streamed in bounded chunks"
