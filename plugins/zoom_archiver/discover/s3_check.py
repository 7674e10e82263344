"""What S3 already holds, read before anything is mapped: a pure read (HEAD and tags), never a write.

A file the ledger does not know is looked up at its key (:func:`archived_in_s3`): when the key holds it (our
``zoom-file-id`` and Zoom's size) with its ``sha256`` tag, it is recorded without a download. A copy without its tag is
left to the file's ``archive`` task, which repairs the tag from the stored bytes (the run report counts it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from zoom_archiver.parallel import parallel_map

if TYPE_CHECKING:
    from zoom_archiver.model import PlannedFile
    from zoom_archiver.s3.bucket import ArchiveBucket

log = logging.getLogger(__name__)

#: Parallel HEAD requests of the S3 check.
S3_CHECK_WORKERS = 8
T = TypeVar("T")


def archived_in_s3(bucket: ArchiveBucket, planned: PlannedFile) -> bool:
    """Whether ``planned``'s key holds it (``zoom-file-id`` and Zoom's size) with a ``sha256`` tag (or in a storage
    class whose tags S3 refuses to show). Raises :class:`~zoom_archiver.errors.KeyConflict` when the key holds
    another file."""
    found = bucket.held_copy(planned.key, planned.file_id, planned.file_size)
    if found is None:
        return False
    tag, refused = bucket.read_sha256_tag(planned.key, version_id=found.get("VersionId"))
    return bool(tag) or refused


def find_in_s3(
    candidates: Sequence[T], find_existing: Callable[[T], Any], *, workers: int = S3_CHECK_WORKERS
) -> tuple[list[T], int]:
    """The ``candidates`` S3 already holds, found with ``find_existing`` in parallel. Returns them and how many
    could not be checked (those stay candidates: their own archive task checks again before any download)."""
    found: list[T] = []
    unchecked = 0

    def check(item: T) -> tuple[T, Any, bool]:
        try:
            return item, find_existing(item), True
        except Exception as exc:  # an S3 error, or another file at the key: the archive task reports it
            log.debug("Could not check %r in S3: %s", getattr(item, "key", item), type(exc).__name__)
            return item, None, False

    for item, existing, checked in parallel_map(check, candidates, workers=workers, name="s3-check"):
        if existing:
            found.append(item)
        unchecked += not checked
    return found, unchecked
