"""The manifest of a meeting: ``manifest.json`` next to its files, describing the meeting and every file of it
that is verified in S3, plus what is still missing.

``discover`` hands the ``publish`` task one :func:`meeting_entry` per meeting this run touched (every completed
file Zoom lists for it, the files still processing and the quarantined ones); :func:`write_manifests` HEADs every
listed file (our ``zoom-file-id`` and Zoom's size on the key, the ``sha256`` tag), so a manifest never lists a file
that is not verified in S3, and writes the manifest when it changed (a transcript completing a run later rewrites
it). The object has user metadata ``zoom-meeting-uuid`` and **no** ``zoom-file-id``: it is never taken for a
recording (the S3 check and ``holds`` require that id).

Schema (``manifest_version`` 1; a new version only adds fields, a consumer checks the version)::

    {"manifest_version": 1, "generated_at": "<UTC ISO time>", "complete": true,
     "meeting": {"uuid", "id", "topic", "host_id", "host_email", "start_time", "timezone", "duration", "type"},
     "files": [{"file_id", "file_type", "recording_type", "participant", "recording_start", "recording_end",
                "size", "sha256", "key", "version_id", "archived_at"}, ...],
     "missing": [{"file_id", "file_type", "reason": "processing" | "quarantined" | "not_archived"
                  | "sha256_tag_missing", "detail"}, ...]}
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from zoom_archiver.keys import encode_uuid
from zoom_archiver.model import FileEntry, MeetingEntry, MissingReason
from zoom_archiver.parallel import parallel_map

if TYPE_CHECKING:
    from zoom_archiver.s3.bucket import ArchiveBucket

log = logging.getLogger(__name__)

MANIFEST_VERSION = 1
MANIFEST_NAME = "manifest.json"
#: Parallel HEADs while verifying the files a manifest lists.
VERIFY_WORKERS = 8
#: The fields of a planned file a manifest entry keeps (besides what S3 says).
_FILE_FIELDS = ("file_id", "file_type", "recording_type", "participant", "recording_start", "recording_end")


def is_manifest_key(key: str) -> bool:
    """Whether ``key`` is a meeting manifest (never a recording)."""
    return key == MANIFEST_NAME or key.endswith("/" + MANIFEST_NAME)


def manifest_key(file_keys: Iterable[str], meeting_uuid: str) -> str:
    """The manifest's key: in the folder all the meeting's files share; when that folder does not name the meeting
    (a key template without ``{meeting_uuid_safe}`` in its folders), in a sub-folder named by it."""
    folders = [key.split("/")[:-1] for key in file_keys]
    if not folders:
        raise ValueError(f"meeting {meeting_uuid!r} has no file key")
    common = folders[0]
    for folder in folders[1:]:
        size = next((i for i, (a, b) in enumerate(zip(common, folder, strict=False)) if a != b), None)
        common = common[: min(len(common), len(folder)) if size is None else size]
    safe = encode_uuid(meeting_uuid)
    if not any(safe in part for part in common):
        common = [*common, safe]
    return "/".join([*common, MANIFEST_NAME])


def verify_file(bucket: ArchiveBucket, entry: FileEntry) -> dict[str, Any]:
    """What S3 holds for one listed file: ``{"found": True, size, sha256, version_id, archived_at}`` when the key
    holds it (our ``zoom-file-id``, Zoom's size) with a ``sha256`` tag, else ``{"found": False, "reason": ...}``."""
    found = bucket.head(entry["key"])
    if not bucket.holds(found, entry["file_id"], entry.get("zoom_size")) or found is None:
        return {"found": False, "reason": MissingReason.NOT_ARCHIVED.value}
    stored_version = found.get("VersionId")
    version = None if stored_version in (None, "null") else stored_version
    sha = bucket.sha256_tag(entry["key"], version_id=version)
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
) -> dict[str, Any]:
    """The manifest of one meeting ``entry`` given what S3 holds (``verified``: file id -> :func:`verify_file`) and
    when the reclaim moved files to Zoom's trash (``trashed``: file id -> UTC time, ``trashed_in_zoom_at``)."""
    trashed = trashed or {}
    files, missing = [], []
    quarantined = dict(entry.get("quarantined") or [])
    for item in entry["files"]:
        seen = verified.get(item["file_id"]) or {"found": False, "reason": MissingReason.NOT_ARCHIVED.value}
        base = _listed_fields(item)
        if seen["found"]:
            found = {**base, **{k: seen[k] for k in ("size", "sha256")}, "key": item["key"]} | _when(seen)
            if item["file_id"] in trashed:
                found["trashed_in_zoom_at"] = trashed[item["file_id"]]
            files.append(found)
        elif item["file_id"] in quarantined:
            missing.append(_missing(item, MissingReason.QUARANTINED, quarantined[item["file_id"]]))
        else:
            missing.append(_missing(item, seen["reason"]))
    processing = MissingReason.PROCESSING.value
    missing += [{"file_id": fid, "file_type": "", "reason": processing} for fid in entry.get("processing") or []]
    files.sort(key=lambda f: (f["recording_start"], f["file_type"], f["file_id"]))
    missing.sort(key=lambda m: (m["reason"], m["file_id"]))
    return {
        "manifest_version": MANIFEST_VERSION,
        "generated_at": now.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "complete": not missing,
        "meeting": dict(entry["meeting"]),
        "files": files,
        "missing": missing,
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
) -> list[dict[str, Any]]:
    """Verify every listed file in S3 and write each meeting's manifest when it changed.

    Returns one ``{"key", "meeting_uuid", "files", "missing", "written"}`` per meeting. ``extra_args``: the
    archive's encryption and storage class (``put_object`` arguments); ``trashed``: file id -> when the reclaim
    trashed it in Zoom.
    """
    verified = _verify_all(bucket, entries, workers)
    moment = now or datetime.now(timezone.utc)
    written = []
    for entry in entries:
        uuid = str(entry["meeting"]["uuid"])
        key = manifest_key([item["key"] for item in entry["files"]], uuid)
        manifest = build_manifest(entry, verified, moment, trashed)
        # no file of the meeting in S3 yet (all failed): no manifest until one is
        changed = bool(manifest["files"]) and not same_content(bucket.get_json(key), manifest)
        if changed:
            body = json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=False).encode("utf-8")
            bucket.put_manifest(key, body, uuid, extra_args=extra_args)
        log.info(
            "Manifest %s: %d files, %d missing (%s)",
            key,
            len(manifest["files"]),
            len(manifest["missing"]),
            "written" if changed else "unchanged",
        )
        files, missing = len(manifest["files"]), len(manifest["missing"])
        written.append({"key": key, "meeting_uuid": uuid, "files": files, "missing": missing, "written": changed})
    return written


def _verify_all(bucket: ArchiveBucket, entries: Sequence[MeetingEntry], workers: int) -> dict[str, dict[str, Any]]:
    """What S3 holds for every file the ``entries`` list (file id -> :func:`verify_file`), HEADed in parallel."""
    checks = [(entry, item) for entry in entries for item in entry["files"]]
    results = parallel_map(lambda pair: verify_file(bucket, pair[1]), checks, workers=workers, name="manifest")
    return {item["file_id"]: seen for (_, item), seen in zip(checks, results, strict=True)}
