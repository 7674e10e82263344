"""The archive-time hashes of files another run streamed into S3 (a webhook run, a run whose ``commit`` never ran):
its ``publish`` kept their SHA-256 and size in the meeting's manifest (``archive_sha256``, ``archive_size``).
``discover`` reads them for the files it found in S3 and for those the ledger records without a hash (found in S3
before the writer's manifest was written), so ``commit`` records them. One GET per meeting with such a file, while
it is in the run's dates; a manifest that cannot be read, or that keeps no hash, leaves those files without one (the
reclaim then holds them back, the audit checks their tag only).
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, Any

from zoom_archiver.keys import manifest_key
from zoom_archiver.model import ARCHIVE_SHA256, ARCHIVE_SIZE, PlannedFile
from zoom_archiver.parallel import parallel_map

if TYPE_CHECKING:
    from zoom_archiver.s3.bucket import ArchiveBucket

log = logging.getLogger(__name__)

#: Parallel manifest reads.
READ_WORKERS = 8


def manifests_of(files: Sequence[PlannedFile], wanted: Collection[str]) -> list[str]:
    """The manifest keys of the meetings holding a file of ``wanted`` (as ``publish`` names them: from the keys of
    every listed file of the meeting)."""
    keys: dict[str, list[str]] = {}
    for item in files:
        keys.setdefault(item.meeting_uuid, []).append(item.key)
    meetings = {item.meeting_uuid for item in files if item.file_id in wanted}
    return sorted(manifest_key(keys[uuid], uuid) for uuid in meetings)


def kept_hashes(manifest: Any, found: Collection[str]) -> dict[str, str]:
    """The archive-time hashes a manifest keeps for files of ``found``: file id -> ``"<sha256 hex>:<size>"``."""
    out = {}
    files = manifest.get("files") if isinstance(manifest, dict) else None
    for entry in files if isinstance(files, list) else []:
        if not isinstance(entry, dict) or entry.get("file_id") not in found:
            continue
        sha, size = str(entry.get(ARCHIVE_SHA256) or ""), entry.get(ARCHIVE_SIZE)
        if len(sha) == 64 and isinstance(size, int) and not isinstance(size, bool) and size >= 0:
            out[str(entry["file_id"])] = f"{sha.lower()}:{size}"
    return out


def found_hashes(
    bucket: ArchiveBucket, files: Sequence[PlannedFile], found: Collection[str], *, workers: int = READ_WORKERS
) -> dict[str, str]:
    """The archive-time hashes the manifests keep for the ``found`` files of ``files`` (read in parallel)."""
    if not found:
        return {}
    out = hashes_in(bucket, manifests_of(files, found), found, workers=workers)
    log.info(
        "Archive-time hashes kept by the manifests: %d of the %d files archived by other runs", len(out), len(found)
    )
    return out


def hashes_in(
    bucket: ArchiveBucket, keys: Sequence[str], wanted: Collection[str], *, workers: int = READ_WORKERS
) -> dict[str, str]:
    """The archive-time hashes the manifests at ``keys`` keep for the ``wanted`` files (read in parallel)."""

    def read(key: str) -> dict[str, str]:
        try:
            manifest, _ = bucket.read_json(key)
        except Exception as exc:  # the hashes are then missing; nothing else depends on them in this run
            log.warning("Could not read the manifest %s for archive-time hashes: %s", key, type(exc).__name__)
            return {}
        return kept_hashes(manifest, wanted)

    out: dict[str, str] = {}
    for hashes in parallel_map(read, sorted(set(keys)), workers=workers, name="found-hashes"):
        out.update(hashes)
    return out
