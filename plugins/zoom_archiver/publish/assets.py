"""The archive as an Airflow Asset: downstream DAGs schedule on it and read what each run archived.

The asset is named ``zoom_recordings_archive`` (fixed: the bucket is a Variable read at run time, unknown when the
DAG is parsed); its URI is the name unless the deployment sets ``ZOOM_ARCHIVE_ASSET_URI`` (e.g.
``s3://my-bucket/zoom``). A consumer schedules on the same asset (``Asset(name="zoom_recordings_archive")``, with
the URI when one is set): Airflow 3.3 runs a DAG scheduled on ``Asset.ref(name=...)`` but hands it no
``triggering_asset_events``.

Every run that archived a file emits one event whose ``extra`` is :func:`event_extra`: the bucket, the prefix, the
run, and every new object (key, meeting uuid, file id, file type, size, sha256; the participant for a
participant's audio file) plus the manifests written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from airflow.sdk import Asset

from zoom_archiver.model import ArchiveResultDict, Outcome

ASSET_NAME = "zoom_recordings_archive"
#: Objects named in one event at most (a run archives at most ``[core] max_map_length`` files, 1024 by default).
MAX_EVENT_FILES = 2000
_FILE_FIELDS = ("key", "meeting_uuid", "file_id", "file_type", "size", "sha256", "participant")


def archive_asset(uri: str = "") -> Asset:
    """The archive's asset (``uri``: ``ZOOM_ARCHIVE_ASSET_URI``; empty: the name)."""
    return Asset(name=ASSET_NAME, uri=uri) if uri else Asset(name=ASSET_NAME)


def new_objects(results: Sequence[ArchiveResultDict] | Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The objects a run wrote (archive results with the outcome ``archived``), as an event names them."""
    written: list[Mapping[str, Any]] = [r for r in results if r.get("outcome") == Outcome.ARCHIVED]
    return [{name: r[name] for name in _FILE_FIELDS if r.get(name) not in (None, "")} for r in written]


def event_extra(
    objects: Sequence[Mapping[str, Any]],
    *,
    bucket: str,
    prefix: str,
    run_id: str,
    manifests: Sequence[str] = (),
) -> dict[str, Any]:
    """The ``extra`` of a run's asset event (JSON types only)."""
    return {
        "bucket": bucket,
        "prefix": prefix,
        "run_id": run_id,
        "count": len(objects),
        "bytes": sum(int(o.get("size") or 0) for o in objects),
        "files": [dict(o) for o in objects[:MAX_EVENT_FILES]],
        "truncated": len(objects) > MAX_EVENT_FILES,
        "manifests": list(manifests[:MAX_EVENT_FILES]),
    }
