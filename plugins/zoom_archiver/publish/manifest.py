"""The manifest of a meeting: ``manifest.json`` next to its files, describing the meeting and every file of it
that is verified in S3, plus what is still missing.

``discover`` hands the ``publish`` task one :func:`meeting_entry` per meeting this run touched (every completed
file Zoom lists for it, the files still processing and the quarantined ones); :func:`write_manifests` HEADs every
listed file (our ``zoom-file-id`` and Zoom's size on the key, the ``sha256`` tag), so a manifest never lists a file
that is not verified in S3, and merges that into the stored manifest (:func:`write_merged`), writing it when that
changes it (a transcript completing a run later rewrites it). Writers race (a late webhook run, a scheduled run):
the merge keeps every file S3 still holds and the write is conditional on what was read, so a manifest never
regresses (:mod:`~zoom_archiver.publish.merge`). The object has user metadata ``zoom-meeting-uuid`` and **no**
``zoom-file-id``: it is never taken for a recording (the S3 check and ``holds`` require that id).

Schema (``manifest_version`` 1; a new version only adds fields, a consumer checks the version)::

    {"manifest_version": 1, "generated_at": "<UTC ISO time>", "complete": true,
     "meeting": {"uuid", "id", "topic", "host_id", "host_email", "start_time", "timezone", "duration", "type"},
     "files": [{"file_id", "file_type", "recording_type", "participant", "recording_start", "recording_end",
                "size", "sha256", "key", "version_id", "archived_at", "archive_sha256", "archive_size"}, ...],
     "missing": [{"file_id", "file_type", "reason": "processing" | "quarantined" | "not_archived"
                  | "sha256_tag_missing", "detail"}, ...]}
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from zoom_archiver.errors import ZoomArchiverError
from zoom_archiver.keys import MANIFEST_NAME, is_manifest_key, manifest_key
from zoom_archiver.model import ARCHIVE_SHA256, ARCHIVE_SIZE, FileEntry, MeetingEntry, MissingReason
from zoom_archiver.parallel import parallel_map
from zoom_archiver.publish.merge import mergeable, merged_entries, to_recheck
from zoom_archiver.s3.errors import is_lost_write_race
from zoom_archiver.s3.object_lock import error_code

if TYPE_CHECKING:
    from zoom_archiver.s3.bucket import ArchiveBucket

__all__ = ["MANIFEST_NAME", "MANIFEST_VERSION", "is_manifest_key", "manifest_key", "write_manifests"]

log = logging.getLogger(__name__)

MANIFEST_VERSION = 1
#: Parallel HEADs while verifying the files a manifest lists.
VERIFY_WORKERS = 8
#: Reads, merges and conditional writes of one manifest before giving up to other writers.
WRITE_ATTEMPTS = 5
#: What S3 answers a write ``If-Match`` an ETag when the object read was deleted meanwhile.
_DELETED = ("404", "NoSuchKey", "NotFound")
#: The fields of a planned file a manifest entry keeps (besides what S3 says).
_FILE_FIELDS = ("file_id", "file_type", "recording_type", "participant", "recording_start", "recording_end")


def verify_file(bucket: ArchiveBucket, entry: FileEntry) -> dict[str, Any]:
    """What S3 holds for one listed file: ``{"found": True, size, sha256, version_id, archived_at}`` when the key
    holds it (our ``zoom-file-id``, Zoom's size) with a ``sha256`` tag, else ``{"found": False, "reason": ...}``."""
    return _verify_key(bucket, entry["key"], entry["file_id"], entry.get("zoom_size"))


def _verify_key(bucket: ArchiveBucket, key: str, file_id: str, size: int | None) -> dict[str, Any]:
    found = bucket.head(key)
    if not bucket.holds(found, file_id, size) or found is None:
        return {"found": False, "reason": MissingReason.NOT_ARCHIVED.value}
    stored_version = found.get("VersionId")
    version = None if stored_version in (None, "null") else stored_version
    sha = bucket.sha256_tag(key, version_id=version)
    if not sha:
        return {"found": False, "reason": MissingReason.SHA256_TAG_MISSING.value}
    return {
        "found": True,
        "size": found["ContentLength"],
        "sha256": sha,
        "version_id": version,
        "archived_at": found["LastModified"].astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def build_manifest(
    entry: MeetingEntry,
    verified: Mapping[str, Mapping[str, Any]],
    now: datetime,
    trashed: Mapping[str, str] | None = None,
    streamed: Mapping[str, tuple[str, int]] | None = None,
) -> dict[str, Any]:
    """The manifest of one meeting ``entry`` given what S3 holds (``verified``: file id -> :func:`verify_file`),
    when the reclaim moved files to Zoom's trash (``trashed``: file id -> UTC time, ``trashed_in_zoom_at``) and what
    this run streamed into S3 (``streamed``: file id -> SHA-256 and size: kept as ``archive_sha256``/``archive_size``
    when the object's tag says the same)."""
    trashed, streamed = trashed or {}, streamed or {}
    files, missing = [], []
    quarantined = dict(entry.get("quarantined") or [])
    for item in entry["files"]:
        seen = verified.get(item["file_id"]) or {"found": False, "reason": MissingReason.NOT_ARCHIVED.value}
        base = _listed_fields(item)
        if seen["found"]:
            found = {**base, **{k: seen[k] for k in ("size", "sha256")}, "key": item["key"]} | _when(seen)
            if item["file_id"] in trashed:
                found["trashed_in_zoom_at"] = trashed[item["file_id"]]
            sha, size = streamed.get(item["file_id"], ("", 0))
            if sha and sha == seen["sha256"]:
                found |= {ARCHIVE_SHA256: sha, ARCHIVE_SIZE: size}
            files.append(found)
        elif item["file_id"] in quarantined:
            missing.append(_missing(item, MissingReason.QUARANTINED, quarantined[item["file_id"]]))
        else:
            missing.append(_missing(item, seen["reason"]))
    processing = MissingReason.PROCESSING.value
    missing += [{"file_id": fid, "file_type": "", "reason": processing} for fid in entry.get("processing") or []]
    when = now.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return manifest_of(when, dict(entry["meeting"]), files, missing)


def manifest_of(
    generated_at: str, meeting: Mapping[str, Any], files: Iterable[dict[str, Any]], missing: Iterable[dict[str, Any]]
) -> dict[str, Any]:
    """A manifest document: its files and missing ones in their order, ``complete`` when nothing is missing."""
    listed = sorted(files, key=lambda f: (f.get("recording_start", ""), f.get("file_type", ""), f["file_id"]))
    lacking = sorted(missing, key=lambda m: (m["reason"], m["file_id"]))
    return {
        "manifest_version": MANIFEST_VERSION,
        "generated_at": generated_at,
        "complete": not lacking,
        "meeting": dict(meeting),
        "files": listed,
        "missing": lacking,
    }


def _listed_fields(item: FileEntry) -> dict[str, Any]:
    """What a manifest keeps of a listed file (its participant only for a participant's audio file)."""
    fields: Mapping[str, Any] = item
    return {name: fields[name] for name in _FILE_FIELDS if name != "participant" or fields.get("participant")}


def _when(seen: Mapping[str, Any]) -> dict[str, Any]:
    return {"version_id": seen["version_id"], "archived_at": seen["archived_at"]}


def _missing(item: FileEntry, reason: str, detail: str = "") -> dict[str, Any]:
    out = {"file_id": item["file_id"], "file_type": item["file_type"], "reason": str(reason)}
    return out | {"detail": detail[:300]} if detail else out


def same_content(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> bool:
    """Whether a stored manifest says what ``new`` says (``generated_at`` aside): then it is not rewritten."""
    if old is None:
        return False
    return {k: v for k, v in old.items() if k != "generated_at"} == {
        k: v for k, v in new.items() if k != "generated_at"
    }


def write_manifests(
    bucket: ArchiveBucket,
    entries: Sequence[MeetingEntry],
    *,
    extra_args: Mapping[str, Any] | None = None,
    now: datetime | None = None,
    workers: int = VERIFY_WORKERS,
    trashed: Mapping[str, str] | None = None,
    streamed: Mapping[str, tuple[str, int]] | None = None,
) -> list[dict[str, Any]]:
    """Verify every listed file in S3 and merge it into each meeting's stored manifest when that changes it
    (:func:`write_merged`: a manifest never regresses).

    Returns one ``{"key", "meeting_uuid", "files", "missing", "written"}`` per meeting. ``extra_args``: the
    archive's encryption and storage class (``put_object`` arguments); ``trashed``: file id -> when the reclaim
    trashed it in Zoom; ``streamed``: file id -> the SHA-256 and size of the bytes this run streamed into S3.
    """
    verified = _verify_all(bucket, entries, workers)
    moment = now or datetime.now(timezone.utc)
    written = []
    for entry in entries:
        uuid = str(entry["meeting"]["uuid"])
        key = manifest_key([item["key"] for item in entry["files"]], uuid)
        built = build_manifest(entry, verified, moment, trashed, streamed)
        manifest, changed = write_merged(bucket, key, built, extra_args)
        files, missing = len(manifest["files"]), len(manifest["missing"])
        log.info("Manifest %s: %d files, %d missing (%s)", key, files, missing, "written" if changed else "unchanged")
        written.append({"key": key, "meeting_uuid": uuid, "files": files, "missing": missing, "written": changed})
    return written


def write_merged(
    bucket: ArchiveBucket, key: str, built: dict[str, Any], extra_args: Mapping[str, Any] | None
) -> tuple[dict[str, Any], bool]:
    """Merge ``built`` into the manifest stored at ``key`` (:mod:`~zoom_archiver.publish.merge`) and write the
    result when it changes what is stored, only if the key still holds what was read (``If-Match`` on its ETag;
    ``If-None-Match: *`` when there was none). Another writer first (412, 409, or the object gone): read, merge and
    try again, :data:`WRITE_ATTEMPTS` times at most. Returns the manifest and whether it was written.

    The conditions need a store that honours them: AWS S3 and moto do on PutObject; s3rver ignores both (there the
    write is a plain last-writer-wins of the merged document, which a writer in between can still undo).
    """
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        manifest, stored, etag = _merged_with_stored(bucket, key, built)
        if _newer_schema(stored):
            log.warning("Manifest %s has a newer manifest_version than %d: left as it is", key, MANIFEST_VERSION)
            return manifest, False
        if (not manifest["files"] and not mergeable(stored)) or same_content(stored, manifest):
            return manifest, False  # no file of the meeting in S3 yet (all failed): no manifest until one is
        body = json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=False).encode("utf-8")
        try:
            bucket.replace_manifest(key, body, str(built["meeting"]["uuid"]), etag=etag, extra_args=extra_args)
            return manifest, True
        except ClientError as exc:
            if not (is_lost_write_race(exc) or (etag and error_code(exc) in _DELETED)):
                raise
            log.info("Manifest %s changed while it was merged (attempt %d of %d): merging again", key, attempt,
                     WRITE_ATTEMPTS)  # fmt: skip
    raise ZoomArchiverError(
        f"the manifest {bucket.url(key)} was changed by other writers during each of {WRITE_ATTEMPTS} attempts to "
        "merge this run's files into it: not written (a later run or retry merges them)"
    )


def _newer_schema(stored: Any) -> bool:
    version = stored.get("manifest_version") if isinstance(stored, dict) else None
    return isinstance(version, int) and version > MANIFEST_VERSION


def _merged_with_stored(
    bucket: ArchiveBucket, key: str, built: dict[str, Any]
) -> tuple[dict[str, Any], Any, str | None]:
    """``built`` merged with the manifest stored at ``key`` now; also what was stored, and its ETag."""
    stored, etag = bucket.read_json(key)
    if not mergeable(stored):
        return built, stored, etag
    recheck = to_recheck(built, stored)
    seen = {fid: _verify_key(bucket, k, fid, None) for fid, k in recheck.items()}
    files, missing, meeting = merged_entries(built, stored, seen)
    return manifest_of(built["generated_at"], meeting, files, missing), stored, etag


def _verify_all(bucket: ArchiveBucket, entries: Sequence[MeetingEntry], workers: int) -> dict[str, dict[str, Any]]:
    """What S3 holds for every file the ``entries`` list (file id -> :func:`verify_file`), HEADed in parallel."""
    checks = [(entry, item) for entry in entries for item in entry["files"]]
    results = parallel_map(lambda pair: verify_file(bucket, pair[1]), checks, workers=workers, name="manifest")
    return {item["file_id"]: seen for (_, item), seen in zip(checks, results, strict=True)}
