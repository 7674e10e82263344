"""The reclaim task's body (zoom_archiver.tasks.reclaim) with a fake Zoom and moto S3: off by default, a dry run lists
exactly what the real run then trashes, repairs are archived again and proven by a later run, a refused delete fails
that file only, and the report counts files and bytes per run and in total."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import date, datetime, timezone
from typing import Any

import boto3
import pytest
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException
from moto import mock_aws

from zoom_archiver.discover.listing import Listing
from zoom_archiver.errors import ZoomApiError, ZoomTransientError
from zoom_archiver.ledger import Ledger
from zoom_archiver.model import ArchiveResult, Outcome
from zoom_archiver.reclaim import run as reclaim_run
from zoom_archiver.reclaim.record import RECORD_VARIABLE
from zoom_archiver.s3.bucket import ArchiveBucket
from zoom_archiver.settings import ArchiveSettings
from zoom_archiver.tasks import reclaim as reclaim_task

BUCKET = "zoom-reclaim-task"
NOW = datetime(2026, 3, 10, 4, 0, tzinfo=timezone.utc)
CONTEXT = {"data_interval_end": NOW, "run_id": "r"}
#: How many times each file's id is repeated in its bytes (what Zoom serves and the fixture archived).
COUNTS = {"a1": 300, "a2": 200, "b1": 100}


class Killed(BaseException):
    """The worker dies (SIGTERM, timeout, lost worker): nothing after it runs."""


class FakeZoom:
    def __init__(self) -> None:
        self.trashed: list[tuple[str, str]] = []
        self.refuse: set[str] = set()
        self.kill_at: str | None = None
        self.no_answer: set[str] = set()
        self.downloads: list[str] = []
        #: what Zoom serves for a file id (default: the bytes archived in the fixture)
        self.serves: dict[str, bytes] = {}
        self.list_workers = 1
        self.participant_audio = "auto"

    def get_conn(self) -> FakeZoom:
        return self

    def open_download(self, url: str) -> _Opened:
        fid = url.rsplit("/", 1)[1]
        self.downloads.append(fid)
        return _Opened(io.BytesIO(self.serves.get(fid, fid.encode() * COUNTS[fid])))

    def list_users(self) -> list[dict[str, Any]]:
        return [{"id": "u1", "email": "brian@example.com"}]

    def trash_recording(self, meeting_uuid: str, file_id: str) -> None:
        if file_id == self.kill_at:
            raise Killed()
        if file_id in self.refuse:
            raise ZoomApiError("DELETE ...: HTTP 400 code=3303 You can not delete an uncompleted meeting.", code=3303)
        if file_id in self.no_answer:
            raise ZoomTransientError("DELETE ... failed: ReadTimeout")
        self.trashed.append((meeting_uuid, file_id))


class _Opened:
    """A download opened by :meth:`FakeZoom.open_download`: its body in ``stream``."""

    def __init__(self, stream: io.BytesIO) -> None:
        self.stream = stream

    def __enter__(self) -> _Opened:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


@pytest.fixture
def world(monkeypatch, make_planned):
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=BUCKET)
        s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        zoom, ledger, variables = FakeZoom(), Ledger(), {"zoom_archive_trash_after_days": "7"}
        files = []
        for fid, meeting in (("a1", "m1=="), ("a2", "m1=="), ("b1", "m2==")):
            data = fid.encode() * COUNTS[fid]
            planned = make_planned(
                file_id=fid,
                meeting_uuid=meeting,
                file_size=len(data),
                key=f"zoom/{fid}",
                start_time="2026-02-01T10:00:00Z",
                download_url=f"https://zoom.example/rec/download/{fid}",
            )
            sha = hashlib.sha256(data).hexdigest()
            s3.put_object(
                Bucket=BUCKET, Key=planned.key, Body=data, Metadata={"zoom-file-id": fid}, Tagging=f"sha256={sha}"
            )
            ledger.hashes[fid] = (sha, len(data))
            files.append(planned)
        monkeypatch.setattr(
            reclaim_task,
            "trash_after_days",
            lambda: (
                int(variables["zoom_archive_trash_after_days"])
                if variables.get("zoom_archive_trash_after_days")
                else None
            ),
        )
        monkeypatch.setattr(reclaim_task, "load_settings", lambda: ArchiveSettings(bucket=BUCKET))
        monkeypatch.setattr(reclaim_task.ledger_mod, "read_ledger", lambda today: (ledger, None))
        monkeypatch.setattr(
            reclaim_task.reclaim_record,
            "read_record",
            lambda: reclaim_task.reclaim_record.loads(variables.get(RECORD_VARIABLE)),
        )
        monkeypatch.setattr(
            reclaim_task.reclaim_record,
            "write_record",
            lambda record: variables.__setitem__(RECORD_VARIABLE, record.dumps()),
        )
        monkeypatch.setattr(reclaim_task, "archive_bucket", lambda bucket, aws_conn_id: ArchiveBucket(s3, BUCKET))
        monkeypatch.setattr("zoom_archiver.hooks.zoom.ZoomHook", lambda conn_id: zoom)
        listed: list[list[str]] = []

        def plan_listing(client, users, windows, planner, **_: Any) -> Listing:
            listed.append([str(w) for w in windows])
            return Listing(files=[f for f in files if any(date.fromisoformat(f.start_date) in w for w in windows)])

        monkeypatch.setattr(reclaim_run, "plan_listing", plan_listing)
        yield {"s3": s3, "zoom": zoom, "ledger": ledger, "variables": variables, "files": files, "listed": listed}


def run(dry_run: bool = False) -> dict[str, Any]:
    return reclaim_task.reclaim({"dry_run": dry_run}, dict(CONTEXT), now=NOW)


def test_off_unless_the_variable_is_set(world):
    world["variables"]["zoom_archive_trash_after_days"] = ""
    with pytest.raises(AirflowSkipException, match="zoom_archive_trash_after_days"):
        run()
    assert world["zoom"].trashed == []


def test_dry_run_lists_exactly_what_the_real_run_trashes(world):
    world["s3"].delete_object(Bucket=BUCKET, Key="zoom/b1")  # m2 is held back
    dry = run(dry_run=True)
    assert world["zoom"].trashed == []
    assert RECORD_VARIABLE not in world["variables"]
    assert dry["would_trash"]["list"][0]["files"] == ["a1", "a2"]
    assert (dry["would_trash"]["meetings"], dry["would_trash"]["files"], dry["would_trash"]["bytes"]) == (1, 2, 1000)
    assert dry["held"][0]["meeting_uuid"] == "m2=="
    assert "no object at its key" in dry["held"][0]["reasons"][0]
    assert "trashed" not in dry
    assert "repaired" not in dry

    world_repair: list[str] = []
    real = _with_repair(world, world_repair)
    assert world["zoom"].trashed == [("m1==", f) for f in dry["would_trash"]["list"][0]["files"]]
    assert real["trashed"] == {"meetings": 1, "files": 2, "bytes": 1000}
    assert real["total"] == {"files": 2, "bytes": 1000}
    assert world_repair == ["b1"]
    assert real["repaired"] == ["b1"]
    record = reclaim_task.reclaim_record.loads(world["variables"][RECORD_VARIABLE])
    assert set(record.trashed) == {"a1", "a2"}
    assert record.trashed["a1"]["at"] == NOW.isoformat()
    assert "b1" in record.hashes
    # the trashed meeting's manifest is rewritten, each file with when it was trashed in Zoom; the held one's is not
    listed = world["s3"].list_objects_v2(Bucket=BUCKET).get("Contents", [])
    manifests = [o["Key"] for o in listed if o["Key"].endswith("/manifest.json")]
    assert real["manifests"] == manifests
    assert len(manifests) == 1
    manifest = json.loads(world["s3"].get_object(Bucket=BUCKET, Key=manifests[0])["Body"].read())
    assert manifest["meeting"]["uuid"] == "m1=="
    assert {f["file_id"]: f["trashed_in_zoom_at"] for f in manifest["files"]} == {
        "a1": NOW.isoformat(),
        "a2": NOW.isoformat(),
    }


def _with_repair(world: dict[str, Any], repaired: list[str]) -> dict[str, Any]:
    """The real run, with the archive path writing Zoom's bytes again (as archive_file(force=True) would)."""

    def archive_file(planned, *, force, **_: Any) -> ArchiveResult:
        assert force, "a repair must archive again even when S3 seems to have the file"
        data = planned.file_id.encode() * COUNTS[planned.file_id]
        sha = hashlib.sha256(data).hexdigest()
        world["s3"].put_object(
            Bucket=BUCKET,
            Key=planned.key,
            Body=data,
            Metadata={"zoom-file-id": planned.file_id},
            Tagging=f"sha256={sha}",
        )
        repaired.append(planned.file_id)
        return ArchiveResult(planned.file_id, planned.key, planned.start_date, Outcome.ARCHIVED, len(data), sha)

    patch = pytest.MonkeyPatch()
    patch.setattr(reclaim_task, "archive_file", archive_file)
    patch.setattr(reclaim_task, "file_hook", lambda *a: None)
    try:
        return run()
    finally:
        patch.undo()


def test_a_repaired_copy_is_trashed_by_a_later_run_only(world):
    world["s3"].put_object(
        Bucket=BUCKET,
        Key="zoom/b1",
        Body=b"x" * 200,
        Metadata={"zoom-file-id": "b1"},
        Tagging=f"sha256={world['ledger'].hashes['b1'][0]}",
    )  # same size, other bytes, tag kept
    repaired: list[str] = []
    _with_repair(world, repaired)
    assert repaired == ["b1"]
    assert ("m2==", "b1") not in world["zoom"].trashed
    world["files"][:] = [f for f in world["files"] if f.file_id == "b1"]  # Zoom lists only what is left
    again = run()
    assert ("m2==", "b1") in world["zoom"].trashed
    assert again["trashed"]["files"] == 1
    assert again["total"] == {"files": 3, "bytes": 1200}


def test_a_refused_delete_fails_that_file_only(world):
    world["zoom"].refuse.add("a1")
    with pytest.raises(AirflowFailException, match="1 files could not be trashed"):
        run()
    assert world["zoom"].trashed == [("m1==", "a2"), ("m2==", "b1")]
    record = reclaim_task.reclaim_record.loads(world["variables"][RECORD_VARIABLE])
    assert set(record.trashed) == {"a2", "b1"}  # recorded before the run failed


def test_meetings_inside_the_grace_are_left(world):
    world["variables"]["zoom_archive_trash_after_days"] = str((date(2026, 3, 10) - date(2026, 2, 1)).days + 1)
    report = run()
    assert world["zoom"].trashed == []
    assert report["meetings_checked"] == 0


def test_a_grace_beyond_the_ledger_retention_is_a_clear_error(world):
    world["variables"]["zoom_archive_trash_after_days"] = "90"
    with pytest.raises(AirflowFailException, match="zoom_archive_trash_after_days .90. must be less than"):
        run()
    assert world["zoom"].trashed == []


def test_repairs_are_capped_per_run(world, monkeypatch):
    monkeypatch.setattr(reclaim_task, "load_settings", lambda: ArchiveSettings(bucket=BUCKET, max_files_per_run=1))
    for key in ("zoom/a1", "zoom/b1"):
        world["s3"].delete_object(Bucket=BUCKET, Key=key)
    repaired: list[str] = []
    report = _with_repair(world, repaired)
    assert repaired == ["a1"]
    assert report["repair_deferred"] == 1
    assert world["zoom"].trashed == []


def _after_the_proof_of(keys: set[str], then) -> pytest.MonkeyPatch:
    """Run ``then`` once every key of ``keys`` has been read back and hashed by the proof (between proof and trash)."""
    real = ArchiveBucket.sha256_of_object
    hashed: set[str] = set()

    def hashing(self, key, **kwargs):
        result = real(self, key, **kwargs)
        hashed.add(key)
        if keys <= hashed:
            keys.clear()
            then()
        return result

    patch = pytest.MonkeyPatch()
    patch.setattr(ArchiveBucket, "sha256_of_object", hashing)
    return patch


@pytest.mark.parametrize("change", ["deleted", "replaced by the same bytes", "replaced by other bytes"])
def test_a_copy_changed_between_its_proof_and_the_delete_holds_its_meeting(world, change):
    s3 = world["s3"]

    def change_a1() -> None:
        if change == "deleted":
            s3.delete_object(Bucket=BUCKET, Key="zoom/a1")
            return
        data = b"a1" * 300 if change == "replaced by the same bytes" else b"x" * 600
        tag = f"sha256={hashlib.sha256(b'a1' * 300).hexdigest()}"
        s3.put_object(Bucket=BUCKET, Key="zoom/a1", Body=data, Metadata={"zoom-file-id": "a1"}, Tagging=tag)

    patch = _after_the_proof_of({"zoom/a1", "zoom/a2"}, change_a1)
    try:
        report = run()
    finally:
        patch.undo()
    assert world["zoom"].trashed == [("m2==", "b1")]  # nothing of m1 (a1 is re-checked first), m2 as usual
    held = {h["meeting_uuid"]: " ".join(h["reasons"]) for h in report["held"]}
    assert "a1: its copy" in held["m1=="]
    assert "after the proof" in held["m1=="]
    record = reclaim_task.reclaim_record.loads(world["variables"][RECORD_VARIABLE])
    assert set(record.trashed) == {"b1"}
    assert record.pending == {}


def test_repairs_run_after_all_trashing(world):
    world["s3"].delete_object(Bucket=BUCKET, Key="zoom/a1")  # m1 held back and repaired
    events: list[str] = []
    real_trash = world["zoom"].trash_recording
    world["zoom"].trash_recording = lambda uuid, fid: events.append(f"trash {fid}") or real_trash(uuid, fid)
    _with_repair(world, _Recording(events))
    assert events == ["trash b1", "repair a1"]


class _Recording(list):
    """The repaired file ids, each also appended to ``events``."""

    def __init__(self, events: list[str]) -> None:
        super().__init__()
        self.events = events

    def append(self, item: str) -> None:
        self.events.append(f"repair {item}")
        super().append(item)


def test_an_unversioned_bucket_refuses_the_real_run_and_warns_the_dry_run(world):
    world["s3"].put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Suspended"})
    with pytest.raises(AirflowFailException, match=f"{BUCKET}.*versioning.*Status=Enabled.*Object Lock"):
        run()
    assert world["zoom"].trashed == []
    assert RECORD_VARIABLE not in world["variables"]
    dry = run(dry_run=True)
    assert dry["would_trash"]["files"] == 3  # a dry run still shows what it would trash
    assert "does not have versioning enabled" in dry["warnings"][0]
    assert world["zoom"].trashed == []


def test_the_record_survives_a_run_killed_mid_trash(world):
    world["zoom"].kill_at = "b1"  # killed while trashing the second meeting
    with pytest.raises(Killed):
        run()
    assert world["zoom"].trashed == [("m1==", "a1"), ("m1==", "a2")]
    record = reclaim_task.reclaim_record.loads(world["variables"][RECORD_VARIABLE])
    assert set(record.trashed) == {"a1", "a2"}  # the first meeting's files, recorded as they were trashed
    assert set(record.pending) == {"b1"}  # its DELETE may have been sent
    assert record.totals == {"files": 2, "bytes": 1000}

    # the next run: b1 is still listed (the DELETE never arrived, or it was recovered): never sent twice in a row
    world["zoom"].kill_at = None
    world["files"][:] = [f for f in world["files"] if f.file_id == "b1"]
    again = run()
    assert ("m2==", "b1") not in world["zoom"].trashed[2:]
    assert "recovered in Zoom" in again["held"][0]["reasons"][0]
    record = reclaim_task.reclaim_record.loads(world["variables"][RECORD_VARIABLE])
    assert record.pending == {}
    assert "b1" in record.recovered


def test_a_delete_without_an_answer_stays_pending_and_counts_as_trashed_once_zoom_no_longer_lists_it(world):
    world["zoom"].no_answer.add("b1")
    with pytest.raises(AirflowFailException, match="1 files could not be trashed"):
        run()
    record = reclaim_task.reclaim_record.loads(world["variables"][RECORD_VARIABLE])
    assert set(record.pending) == {"b1"}
    world["zoom"].no_answer.clear()
    world["files"][:] = []  # Zoom no longer lists it: the DELETE had been applied
    run()
    record = reclaim_task.reclaim_record.loads(world["variables"][RECORD_VARIABLE])
    assert record.trashed["b1"]["unconfirmed"] is True
    assert record.pending == {}
    assert record.totals == {"files": 3, "bytes": 1200}


def test_a_copy_without_a_recorded_hash_is_compared_with_zoom_not_overwritten(world):
    del world["ledger"].hashes["b1"]  # e.g. found in S3 by the archiver, never streamed by it
    before = world["s3"].list_object_versions(Bucket=BUCKET, Prefix="zoom/b1")["Versions"]
    repaired: list[str] = []
    report = _with_repair(world, repaired)
    assert repaired == []  # nothing written: the stored copy equals Zoom's bytes
    assert world["s3"].list_object_versions(Bucket=BUCKET, Prefix="zoom/b1")["Versions"] == before
    assert world["zoom"].downloads == ["b1"]
    assert report["confirmed"] == ["b1"]
    assert ("m2==", "b1") not in world["zoom"].trashed
    record = reclaim_task.reclaim_record.loads(world["variables"][RECORD_VARIABLE])
    assert record.hashes["b1"] == (hashlib.sha256(b"b1" * 100).hexdigest(), 200)
    assert "b1" in record.confirmed
    run()  # a later run proves it against the compared hash
    assert ("m2==", "b1") in world["zoom"].trashed


def test_a_webhook_archived_copy_is_proven_by_its_manifest_hash_without_a_download(world):
    from zoom_archiver.model import file_entry
    from zoom_archiver.publish.manifest import write_manifests

    b1 = next(f for f in world["files"] if f.file_id == "b1")
    sha, size = world["ledger"].hashes.pop("b1")  # the hourly run never streamed it: a webhook run did
    entry = {"meeting": {"uuid": "m2=="}, "files": [file_entry(b1)], "processing": [], "quarantined": []}
    write_manifests(ArchiveBucket(world["s3"], BUCKET), [entry], streamed={"b1": (sha, size)})  # its publish
    run()
    assert ("m2==", "b1") in world["zoom"].trashed
    assert world["zoom"].downloads == [], "proven against the manifest's archive-time hash: no download"


def test_a_copy_without_a_recorded_hash_that_differs_from_zoom_is_archived_again(world):
    del world["ledger"].hashes["b1"]
    world["zoom"].serves["b1"] = b"z" * 200  # Zoom's bytes are not the stored ones
    repaired: list[str] = []
    report = _with_repair(world, repaired)
    assert repaired == ["b1"]
    assert report["confirmed"] == []


def test_a_file_without_a_size_is_trashed_only_once_a_second_download_confirms_its_repair(world):
    world["files"][:] = [f.__class__(**{**f.to_dict(), "file_size": None}) for f in world["files"] if f.file_id == "b1"]
    world["s3"].delete_object(Bucket=BUCKET, Key="zoom/b1")
    del world["ledger"].hashes["b1"]  # no archive-time hash either
    repaired: list[str] = []
    _with_repair(world, repaired)  # archived again: one download's hash
    assert repaired == ["b1"]
    second = _with_repair(world, repaired)  # proven, but not on one download's word: compared instead
    assert world["zoom"].trashed == []
    assert "not trashed on one download's word" in second["held"][0]["reasons"][0]
    assert second["confirmed"] == ["b1"]
    assert repaired == ["b1"]  # nothing written again
    _with_repair(world, repaired)
    assert world["zoom"].trashed == [("m2==", "b1")]


def test_an_old_meeting_archived_today_is_reached_by_the_walk_and_proven_by_its_manifest(world, make_planned):
    """A history backfilled today: a meeting older than the ledger's retention, its hash only in its manifest."""
    from zoom_archiver.model import file_entry
    from zoom_archiver.publish.manifest import write_manifests

    data = b"old" * 50
    sha = hashlib.sha256(data).hexdigest()
    url = "https://zoom.example/rec/download/o1"
    old = make_planned(file_id="o1", meeting_uuid="old==", file_size=len(data), key="zoom/o1",
                       start_time="2025-11-20T10:00:00Z", download_url=url)  # fmt: skip
    world["s3"].put_object(Bucket=BUCKET, Key=old.key, Body=data, Metadata={"zoom-file-id": "o1"},
                           Tagging=f"sha256={sha}")  # fmt: skip
    entry = {"meeting": {"uuid": "old=="}, "files": [file_entry(old)], "processing": [], "quarantined": []}
    write_manifests(ArchiveBucket(world["s3"], BUCKET), [entry], streamed={"o1": (sha, len(data))})
    world["files"].append(old)
    report = run()
    # the recent meetings (retention 90 days up to the grace of 7), then the month before them
    assert world["listed"][-1] == ["2025-12-10..2026-03-03", "2025-11-10..2025-12-09"]
    assert ("old==", "o1") in world["zoom"].trashed
    assert world["zoom"].downloads == []
    assert report["history"] == {"window": "2025-11-10..2025-12-09", "files": 1,
                                 "next": {"cursor": "2025-11-10", "empty_days": 0, "passes": 0}}  # fmt: skip
    run()  # the next run walks the month before
    assert world["listed"][-1][1] == "2025-10-11..2025-11-09"


def test_a_dry_run_does_not_move_the_walk(world):
    run(dry_run=True)
    run(dry_run=True)
    assert [w[1] for w in world["listed"]] == ["2025-11-10..2025-12-09"] * 2


def test_meetings_left_when_the_proof_time_is_spent_wait_for_the_next_run(world, monkeypatch):
    ticks = iter([0.0, 0.0, 20.0, 20.0])  # the budget starts; m1 is proven in time; then it is spent
    real = reclaim_run.Budget

    def budget() -> reclaim_run.Budget:
        return real(seconds=10, clock=lambda: next(ticks))

    monkeypatch.setattr(reclaim_task.steps, "Budget", budget)
    report = run()
    monkeypatch.setattr(reclaim_task.steps, "Budget", real)
    assert world["zoom"].trashed == [("m1==", "a1"), ("m1==", "a2")]
    [held] = report["held"]
    assert held["meeting_uuid"] == "m2=="
    assert held["reasons"] == ["left for the next run: this run's proof time (0.0 h) is spent"]
    assert report["repaired"] == [], "a meeting left for later is not repaired either"
    run()  # the next run proves it
    assert ("m2==", "b1") in world["zoom"].trashed
