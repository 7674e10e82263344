"""What an archived object carries: our user metadata (printable ASCII, bounded), the name of the ``sha256`` tag,
and the storage classes a HEAD shows that keep its bytes from being read without a restore.

``zoom-file-id`` is what ties an object to a Zoom file (:meth:`~zoom_archiver.s3.bucket.ArchiveBucket.holds`);
``zoom-archive-run`` names the Airflow run that wrote it (``<dag id>/<run id>``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

if TYPE_CHECKING:
    from mypy_boto3_s3.type_defs import HeadObjectOutputTypeDef

SHA256_TAG = "sha256"
FILE_ID_METADATA = "zoom-file-id"
MEETING_UUID_METADATA = "zoom-meeting-uuid"
#: The meeting's start time (what the audit's date range is read from).
START_TIME_METADATA = "zoom-start-time"
PARTICIPANT_METADATA = "zoom-participant"
RUN_METADATA = "zoom-archive-run"
#: S3 allows 2 KB of user metadata in total; no single value of ours needs more than this.
MAX_METADATA_VALUE = 256
#: Storage classes whose objects cannot be read (GET) until they are restored.
COLD_STORAGE_CLASSES = frozenset(("GLACIER", "DEEP_ARCHIVE"))


def unreadable_class(found: HeadObjectOutputTypeDef | Mapping[str, Any]) -> str | None:
    """The storage class (or Intelligent-Tiering archive tier) that keeps a HEAD's object from being read without a
    restore, or ``None`` when a GET works (a finished restore counts as readable)."""
    restore = found.get("Restore") or ""
    if 'ongoing-request="false"' in restore:
        return None
    storage_class = found.get("StorageClass")
    if storage_class in COLD_STORAGE_CLASSES:
        return storage_class
    tier = found.get("ArchiveStatus")
    return f"INTELLIGENT_TIERING {tier}" if tier else None


def unreadable_reason(found: HeadObjectOutputTypeDef | Mapping[str, Any]) -> str | None:
    """Why an object's bytes cannot be read without a restore, for a person (``None``: they can be read)."""
    cold = unreadable_class(found)
    if cold is None:
        return None
    if found.get("StorageClass") in COLD_STORAGE_CLASSES:
        return f"stored in {cold}: restore it before a deep check"
    return f"in the Intelligent-Tiering {found.get('ArchiveStatus')} tier: restore it before a deep check"


#: Why an object does not hold a given Zoom file (:func:`identity_mismatch`).
OTHER_FILE = "file_id"
OTHER_SIZE = "size"


def identity_mismatch(
    stored_file_id: str | None, stored_size: int | None, file_id: str, size: int | None
) -> str | None:
    """Why an object (its ``zoom-file-id`` and byte count) does not hold the Zoom file ``file_id`` of ``size`` bytes
    (any size when ``None``): :data:`OTHER_FILE` (another file, or an object without our metadata) or
    :data:`OTHER_SIZE`; ``None`` when it holds it. The one answer to "this key holds this file"."""
    if stored_file_id != metadata_value(file_id):
        return OTHER_FILE
    if size is not None and stored_size != size:
        return OTHER_SIZE
    return None


def metadata_value(value: str) -> str:
    """``value`` as a safe HTTP header value: printable ASCII only (anything else becomes ``?``), bounded."""
    return "".join(ch if " " <= ch <= "~" else "?" for ch in value[:MAX_METADATA_VALUE])


def object_metadata(
    *,
    file_id: str,
    meeting_uuid: str,
    meeting_id: str = "",
    recording_type: str = "",
    file_type: str = "",
    start_time: str = "",
    host_id: str = "",
    file_size: int | None = None,
    participant: str = "",
    run: str = "",
) -> dict[str, str]:
    """User metadata of an archived recording (printable ASCII only, as S3 and HTTP headers require; empty values
    left out); ``run``: the writing run, ``<dag id>/<run id>``."""
    meta = {
        FILE_ID_METADATA: file_id,
        MEETING_UUID_METADATA: meeting_uuid,
        "zoom-meeting-id": meeting_id,
        "zoom-recording-type": recording_type,
        "zoom-file-type": file_type,
        START_TIME_METADATA: start_time,
        "zoom-host-id": host_id,
        RUN_METADATA: run,
    }
    if file_size is not None:
        meta["zoom-file-size"] = str(file_size)
    if participant:  # percent-encoded UTF-8: a display name is rarely ASCII (urllib.parse.unquote reads it)
        meta[PARTICIPANT_METADATA] = quote(participant, safe=" !\"#$&'()*+,-./:;<=>?@[]^_`{|}~")
    return {k: metadata_value(v) for k, v in meta.items() if v}


def written_by_another_run(found: Mapping[str, Any], sent: Mapping[str, str]) -> bool:
    """Whether the object a HEAD ``found`` names another writing run than the metadata we ``sent`` (``False`` when
    ours is not known: then the object may be ours, e.g. our own write applied before its answer was lost)."""
    ours = sent.get(RUN_METADATA)
    return bool(ours) and (found.get("Metadata") or {}).get(RUN_METADATA) != ours
