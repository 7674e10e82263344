"""Merging a meeting's stored manifest with the one a run just built, so a manifest never regresses.

Writers race: a late webhook run's ``publish`` carries what its ``discover`` saw (a transcript still processing) while
a later scheduled run already wrote a complete manifest. The merge is per file id:

* a file either manifest lists as stored stays listed while S3 holds it, with what S3 holds *now* (its current
  version and ``sha256`` tag win over what either writer saw); the writer's HEADs count as now, and any file the
  stored manifest lists that the writer does not show with the same version and hash is HEADed again
  (:func:`to_recheck`);
* a file's archive-time SHA-256 and size (``archive_sha256``, ``archive_size``: what a run streamed into it) are
  kept from the stored manifest unless the writer streamed the file again itself: they never follow the tag;
* a file the stored manifest lists that S3 no longer holds becomes missing (``not_archived``), never kept silently;
* a missing entry of the writer wins over the stored one; a stored missing entry of a file the writer does not
  mention stays (the writer may have seen less);
* ``complete`` is computed again from the merged set (by the caller).

Only a stored manifest of our schema (``manifest_version`` 1) is merged; anything else is replaced.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from zoom_archiver.model import ARCHIVE_SHA256, ARCHIVE_SIZE, MissingReason

#: The fields of a file entry that come from what S3 holds.
STORED_FIELDS = ("size", "sha256", "version_id", "archived_at")
_GONE = "listed by an earlier manifest; S3 no longer holds it"


def mergeable(stored: Any) -> bool:
    """Whether a stored document is a manifest of our schema with entries to merge."""
    if not isinstance(stored, dict) or stored.get("manifest_version") != 1:
        return False
    files, missing = stored.get("files") or [], stored.get("missing") or []
    if not isinstance(files, list) or not isinstance(missing, list):
        return False
    entries = [*files, *missing]
    return all(isinstance(e, dict) and isinstance(e.get("file_id"), str) for e in entries) and all(
        isinstance(f.get("key"), str) for f in files
    )


def _state(entry: Mapping[str, Any]) -> tuple[Any, Any]:
    return entry.get("version_id"), entry.get("sha256")


def to_recheck(new: Mapping[str, Any], stored: Mapping[str, Any]) -> dict[str, str]:
    """The files the stored manifest lists that ``new`` does not show stored as it does (not at all, or with another
    version or hash): file id -> key to HEAD again (any size: what the key holds now wins)."""
    shown = {f["file_id"]: f for f in new["files"]}
    out = {}
    for old in stored.get("files") or []:
        ours = shown.get(old["file_id"])
        if ours is None or _state(ours) != _state(old):
            key = ours["key"] if ours is not None else old.get("key")
            if isinstance(key, str):
                out[old["file_id"]] = key
    return out


def merged_entries(
    new: Mapping[str, Any], stored: Mapping[str, Any], rechecked: Mapping[str, Mapping[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
    """The files, missing entries and meeting of ``new`` merged with the ``stored`` manifest; ``rechecked``: what
    S3 holds now for the files of :func:`to_recheck` (file id -> ``verify_file``'s answer)."""
    files = {f["file_id"]: dict(f) for f in new["files"]}
    missing = {m["file_id"]: dict(m) for m in stored.get("missing") or []}
    missing.update({m["file_id"]: dict(m) for m in new["missing"]})
    for old in stored.get("files") or []:
        fid = old["file_id"]
        if fid in files:
            for name in ("trashed_in_zoom_at", ARCHIVE_SHA256, ARCHIVE_SIZE):
                if name in old:
                    files[fid].setdefault(name, old[name])
        seen = rechecked.get(fid)
        if seen is None:
            continue
        if seen["found"]:
            files[fid] = {**old, **files.get(fid, {}), **{k: seen[k] for k in STORED_FIELDS}}
        else:
            files.pop(fid, None)
            gone = {"detail": _GONE} if seen["reason"] == MissingReason.NOT_ARCHIVED.value else {}
            missing[fid] = {"file_id": fid, "file_type": old.get("file_type", ""), "reason": seen["reason"]} | gone
    for fid in files:
        missing.pop(fid, None)
    meeting = {**(stored.get("meeting") or {}), **{k: v for k, v in new["meeting"].items() if v not in (None, "")}}
    return list(files.values()), list(missing.values()), meeting
