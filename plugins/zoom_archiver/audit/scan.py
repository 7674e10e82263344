"""The audit's view of S3: every recording object under the prefix, from one listing and a HEAD per object.

Objects without ``zoom-file-id`` (a per-meeting ``manifest.json``, anything else the bucket owner keeps there) are
kept apart as *foreign*; the audit's own reports under ``<prefix>/_audit/`` are not listed at all. The ``sha256`` tag
is read only for the objects the audit checks (:func:`with_tags`).
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from zoom_archiver.keys import encode_uuid, is_manifest_key
from zoom_archiver.parallel import parallel_map
from zoom_archiver.s3.metadata import FILE_ID_METADATA, MEETING_UUID_METADATA, START_TIME_METADATA, unreadable_reason

if TYPE_CHECKING:
    from zoom_archiver.s3.bucket import ArchiveBucket

log = logging.getLogger(__name__)

#: Folder below the prefix holding the audit reports (never audited itself).
AUDIT_FOLDER = "_audit"
#: Parallel HEAD / tag requests of the S3 scan.
SCAN_WORKERS = 8


@dataclass(frozen=True)
class StoredObject:
    """What the audit needs of one archived object (from its HEAD; the tag only for the objects it checks)."""

    key: str
    size: int
    file_id: str
    meeting_uuid: str = ""
    start_time: str = ""
    version_id: str | None = None
    storage_class: str = "STANDARD"
    unreadable: str | None = None
    sha256_tag: str | None = None
    tag_refused: bool = False  # S3 refused to read the tag (an archived object, on some stores)


def stored_object(key: str, head: Mapping[str, Any]) -> StoredObject | None:
    meta = head.get("Metadata", {})
    if not meta.get(FILE_ID_METADATA):
        return None
    return StoredObject(
        key=key,
        size=int(head.get("ContentLength", 0)),
        file_id=meta[FILE_ID_METADATA],
        meeting_uuid=meta.get(MEETING_UUID_METADATA, ""),
        start_time=meta.get(START_TIME_METADATA, ""),
        version_id=head.get("VersionId"),
        storage_class=str(head.get("StorageClass") or "STANDARD"),
        unreadable=unreadable_reason(head),
    )


@dataclass
class Scan:
    """The recording objects under the prefix by key, and the keys holding objects without our metadata."""

    objects: dict[str, StoredObject] = field(default_factory=dict)
    foreign: set[str] = field(default_factory=set)


def scan_bucket(bucket: ArchiveBucket, prefix: str, *, workers: int = SCAN_WORKERS) -> Scan:
    """List every object under ``prefix/`` (the reports left out) and HEAD each, in parallel."""
    reports = f"{prefix}/{AUDIT_FOLDER}/"
    keys = [o["Key"] for o in bucket.list_objects(prefix + "/") if not o["Key"].startswith(reports)]
    log.info("Listed %d objects under s3://%s/%s/", len(keys), bucket.name, prefix)

    def one(key: str) -> tuple[str, bool, StoredObject | None]:
        head = bucket.head(key)  # only what the audit needs is kept, never the whole response
        return key, head is not None, stored_object(key, head) if head is not None else None

    scan = Scan()
    for key, exists, stored in parallel_map(one, keys, workers=workers, name="audit-head"):
        if stored is not None:
            scan.objects[key] = stored
        elif exists:  # (an object deleted since the listing is simply gone)
            scan.foreign.add(key)
    return scan


def with_tags(bucket: ArchiveBucket, objects: Sequence[StoredObject], workers: int) -> dict[str, StoredObject]:
    def tagged(stored: StoredObject) -> StoredObject:
        tag, refused = bucket.read_sha256_tag(stored.key, version_id=stored.version_id)
        return StoredObject(**{**asdict(stored), "sha256_tag": tag, "tag_refused": refused})

    return {s.key: s for s in parallel_map(tagged, objects, workers=workers, name="audit-tags")}


def manifests_near(scan: Scan, file_ids: Collection[str]) -> list[str]:
    """The manifests that may list the objects of ``file_ids`` (files Zoom no longer lists, e.g. trashed): in the
    folder of each object or a folder above it, or in a folder named by its meeting (as ``publish`` names them)."""
    manifests = {key.rsplit("/", 1)[0] + "/": key for key in scan.foreign if is_manifest_key(key)}
    found = set()
    for stored in (s for s in scan.objects.values() if s.file_id in file_ids):
        folder = stored.key.rsplit("/", 1)[0] + "/"
        own = "/" + encode_uuid(stored.meeting_uuid) + "/" if stored.meeting_uuid else None
        for place, key in manifests.items():
            above = folder.startswith(place)
            named = own is not None and place.endswith(own) and folder.startswith(place[: -len(own) + 1])
            if above or named:
                found.add(key)
    return sorted(found)
