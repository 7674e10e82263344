"""The archive-time SHA-256 in the manifests (``archive_sha256``/``archive_size``): written by the run that streamed
the file, kept by every later writer, never taken from the tag; read back by ``discover`` for files found in S3 and
recorded in the ledger (webhook-archived files get their proof)."""

from __future__ import annotations

import json

from tests.unit.publish.test_manifest import BUCKET, FOLDER, NOW, UUID, archive, entry, file, stored_manifest
from tests.unit.publish.test_manifest import s3 as s3  # the moto bucket fixture
from zoom_archiver.discover.found_hashes import found_hashes, kept_hashes, manifests_of
from zoom_archiver.ledger import Ledger
from zoom_archiver.publish.manifest import write_manifests
from zoom_archiver.s3.bucket import ArchiveBucket
from zoom_archiver.tasks.publish import streamed_hashes

OTHER = "f" * 64


def by_id(manifest: dict) -> dict[str, dict]:
    return {f["file_id"]: f for f in manifest["files"]}


def test_the_run_that_streamed_a_file_keeps_its_hash_in_the_manifest(s3):
    sha = archive(s3, f"{FOLDER}/a.bin", "a", b"a" * 10)
    archive(s3, f"{FOLDER}/b.bin", "b", b"b" * 4)
    streamed = {"a": (sha, 10), "b": (OTHER, 4)}  # b: the stored tag says another hash: not kept
    write_manifests(ArchiveBucket(s3, BUCKET), [entry(file("a", 10), file("b", 4))], now=NOW, streamed=streamed)
    files = by_id(stored_manifest(s3)[0])
    assert (files["a"]["archive_sha256"], files["a"]["archive_size"]) == (sha, 10)
    assert "archive_sha256" not in files["b"]


def test_a_later_writer_keeps_the_hash_and_a_recomputed_tag_does_not_replace_it(s3):
    bucket = ArchiveBucket(s3, BUCKET)
    sha = archive(s3, f"{FOLDER}/a.bin", "a", b"a" * 10)
    write_manifests(bucket, [entry(file("a", 10))], now=NOW, streamed={"a": (sha, 10)})
    # a webhook run's late publish (it streamed nothing), then the bytes replaced with the tag recomputed
    write_manifests(bucket, [entry(file("a", 10), processing=["t"])], now=NOW)
    archive(s3, f"{FOLDER}/a.bin", "a", b"x" * 10)
    write_manifests(bucket, [entry(file("a", 10))], now=NOW)
    a = by_id(stored_manifest(s3)[0])["a"]
    assert a["archive_sha256"] == sha, "the archive-time hash stays what was streamed"
    assert a["sha256"] != sha, "the tag is what S3 holds now"


def test_a_run_that_streams_the_file_again_records_its_own_hash(s3):
    bucket = ArchiveBucket(s3, BUCKET)
    first = archive(s3, f"{FOLDER}/a.bin", "a", b"a" * 10)
    write_manifests(bucket, [entry(file("a", 10))], now=NOW, streamed={"a": (first, 10)})
    again = archive(s3, f"{FOLDER}/a.bin", "a", b"z" * 10)  # a repair wrote the file again from Zoom
    write_manifests(bucket, [entry(file("a", 10))], now=NOW, streamed={"a": (again, 10)})
    assert by_id(stored_manifest(s3)[0])["a"]["archive_sha256"] == again


def test_streamed_hashes_are_the_archived_results_only():
    results = [
        {"file_id": "a", "outcome": "archived", "sha256": OTHER.upper(), "size": 3},
        {"file_id": "b", "outcome": "already_archived", "sha256": OTHER, "size": 3},
        {"file_id": "c", "outcome": "tag_repaired", "sha256": OTHER, "size": 3},
        {"file_id": "d", "outcome": "archived", "sha256": "short", "size": 3},
    ]
    assert streamed_hashes(results) == {"a": (OTHER, 3)}  # type: ignore[arg-type]


def test_discover_reads_the_hashes_of_files_found_in_s3_from_their_manifests(s3, make_planned):
    bucket = ArchiveBucket(s3, BUCKET)
    sha = archive(s3, f"{FOLDER}/a.bin", "a", b"a" * 10)
    archive(s3, f"{FOLDER}/b.bin", "b", b"b" * 4)
    write_manifests(bucket, [entry(file("a", 10), file("b", 4))], now=NOW, streamed={"a": (sha, 10)})  # a only
    listed = [make_planned(file_id=fid, key=f"{FOLDER}/{fid}.bin", meeting_uuid=UUID) for fid in ("a", "b")]
    assert manifests_of(listed, {"a"}) == [f"{FOLDER}/manifest.json"]
    assert found_hashes(bucket, listed, {"a", "b"}) == {"a": f"{sha}:10"}
    assert found_hashes(bucket, listed, set()) == {}
    alone = [make_planned(file_id="x", key="zoom/elsewhere/x.bin", meeting_uuid="other==")]
    assert found_hashes(bucket, alone, {"x"}) == {}, "no manifest: no hash, no error"


def test_kept_hashes_take_only_well_formed_entries():
    manifest = {"files": [
        {"file_id": "a", "archive_sha256": OTHER, "archive_size": 5},
        {"file_id": "b", "archive_sha256": "short", "archive_size": 5},
        {"file_id": "c", "archive_sha256": OTHER, "archive_size": "5"},
        {"file_id": "d", "archive_sha256": OTHER, "archive_size": True},
        {"file_id": "e", "archive_sha256": OTHER, "archive_size": 5},  # not asked for
        "junk",
    ]}  # fmt: skip
    assert kept_hashes(manifest, {"a", "b", "c", "d"}) == {"a": f"{OTHER}:5"}
    assert kept_hashes("not a manifest", {"a"}) == {}
    assert kept_hashes(json.loads('{"files": null}'), {"a"}) == {}


def test_the_ledger_records_found_hashes_without_replacing_one_it_has():
    ledger = Ledger(hashes={"known": ("a" * 64, 1)})
    kept = ledger.record_found_hashes({"known": f"{OTHER}:9", "new": f"{OTHER}:9", "bad": "x:1"})
    assert kept == 1
    assert ledger.hashes == {"known": ("a" * 64, 1), "new": (OTHER, 9)}


def test_the_ledger_says_which_archived_files_have_no_hash():
    from datetime import date

    ledger = Ledger({"hashed": date(2024, 12, 1), "bare": date(2024, 12, 1)}, hashes={"hashed": ("a" * 64, 1)})
    assert [fid for fid in ("hashed", "bare", "unknown") if ledger.unhashed(fid)] == ["bare"]
