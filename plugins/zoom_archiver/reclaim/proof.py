"""The reclaim's decisions: which Zoom files may be trashed, because their archived copy is proven now.

A meeting old enough (its start date at least ``zoom_archive_trash_after_days`` ago) is trashed whole or not at all.
Every file of it must be proven (:func:`prove_file`): its key holds the file (``zoom-file-id``), with Zoom's size
(or, when Zoom gives none, the size recorded when it was archived), a ``sha256`` tag equal to the SHA-256 recorded
**when it was archived** (the ledger's ``hashes``, or a repair's), and its stored bytes, read back and hashed now
(:func:`zoom_archiver.s3.verify.verify_target`), hash to that recorded SHA-256. A tag alone proves nothing. The proof
keeps the object version it read (version id and ETag, :attr:`MeetingVerdict.proofs`): the DELETE in Zoom is sent
only while that version is still the current one. A file Zoom lists without a size is never trashed on a single
download's word (its only hash a repair's, unconfirmed).

Anything else holds the whole meeting back, with its reason: a file still processing or unreadable in Zoom's
listing, a quarantined or failing file, no recorded hash, a missing or damaged copy (these are *repaired*: archived
again from Zoom, and proven by a later run), an S3 error, a recently recovered file, a file whose DELETE a run that
did not finish may already have sent. Files without an id (old TIMELINE/CC) cannot be trashed one by one: they are
proven like the others and left in Zoom, reported.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from zoom_archiver.model import MeetingInfo, PlannedFile
from zoom_archiver.parallel import parallel_map
from zoom_archiver.s3 import verify
from zoom_archiver.s3.metadata import FILE_ID_METADATA, OTHER_FILE, OTHER_SIZE, identity_mismatch
from zoom_archiver.s3.versions import ObjectVersion

if TYPE_CHECKING:
    from zoom_archiver.ledger import Ledger
    from zoom_archiver.reclaim.record import ReclaimRecord
    from zoom_archiver.s3.bucket import ArchiveBucket

log = logging.getLogger(__name__)

#: Why a file Zoom lists without a size and whose only hash is one repair download's is held back.
ONE_DOWNLOAD = (
    "Zoom gives no size and its only recorded hash is one repair download's: not trashed on one download's word "
    "(a later download compared with the stored copy confirms it)"
)


@dataclass(frozen=True)
class Proof:
    """The outcome of proving one file's copy: ``proven`` (and the object version proven), or why not and whether
    archiving it again repairs it."""

    file_id: str
    proven: bool
    reason: str = ""
    repair: bool = False
    version: ObjectVersion | None = None


@dataclass
class MeetingVerdict:
    """One meeting old enough to reclaim: its files, and why it is held back (empty: trash it)."""

    uuid: str
    start_time: str
    files: list[PlannedFile] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    repair: list[PlannedFile] = field(default_factory=list)
    #: the meeting as its manifest describes it
    meeting: MeetingInfo | None = None
    #: the object version each proven file's proof read (its version id and ETag), by file id
    proofs: dict[str, ObjectVersion] = field(default_factory=dict)

    @property
    def trashable(self) -> list[PlannedFile]:
        """Files Zoom can trash one by one (those with a real id)."""
        return [f for f in self.files if not f.derived_id]

    @property
    def left_no_id(self) -> list[PlannedFile]:
        return [f for f in self.files if f.derived_id]

    @property
    def proven(self) -> bool:
        return not self.reasons

    def summary(self) -> dict[str, Any]:
        return {
            "meeting_uuid": self.uuid,
            "start_time": self.start_time,
            "files": [f.file_id for f in self.trashable],
            "bytes": sum(f.file_size or 0 for f in self.trashable),
            "left_no_id": [f.file_id for f in self.left_no_id],
            "reasons": self.reasons,
        }


def recorded_hash(file_id: str, ledger: Ledger, record: ReclaimRecord) -> tuple[str, int] | None:
    """The SHA-256 and size recorded when the file was archived (a repair's first, else the ledger's)."""
    return record.hashes.get(file_id) or ledger.hashes.get(file_id)


def prove_file(bucket: ArchiveBucket, planned: PlannedFile, recorded: tuple[str, int] | None) -> Proof:
    """Prove the copy of ``planned`` now (see the module's docstring). Never raises for S3 errors: they hold it."""
    fid = planned.file_id
    if recorded is None:
        return Proof(fid, False, "no SHA-256 was recorded when it was archived", repair=True)
    sha, archived_size = recorded
    size = planned.file_size if planned.file_size is not None else archived_size
    if size != archived_size:
        return Proof(fid, False, f"Zoom announces {size} bytes, {archived_size} were archived", repair=True)
    try:
        head = bucket.head(planned.key)
        if head is None:
            return Proof(fid, False, "no object at its key", repair=True)
        mismatch = identity_mismatch(
            head.get("Metadata", {}).get(FILE_ID_METADATA), head.get("ContentLength"), fid, size
        )
        if mismatch == OTHER_FILE:
            return Proof(fid, False, "its key holds another object (zoom-file-id differs)")
        if mismatch == OTHER_SIZE:
            return Proof(fid, False, f"{head.get('ContentLength')} bytes in S3, {size} expected", repair=True)
        tag, _ = bucket.read_sha256_tag(planned.key, version_id=head.get("VersionId"))
    except (ClientError, BotoCoreError) as exc:
        return Proof(fid, False, f"S3 error during the proof: {_code(exc)}")
    if not tag:
        return Proof(fid, False, "its sha256 tag is missing", repair=True)
    if tag.strip().lower() != sha:
        return Proof(fid, False, "its sha256 tag differs from the hash recorded when it was archived", repair=True)
    checked = verify.verify_target(bucket, verify.Target(planned.key, size, sha, head.get("VersionId"), None))
    if checked.proven:
        return Proof(fid, True, version=ObjectVersion.of_head(head))
    repair = checked.outcome in (verify.MISMATCH, verify.MISSING)
    return Proof(fid, False, f"deep check {checked.outcome}: {checked.detail}", repair=repair)


def _code(exc: Exception) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code") or "ClientError")
    return type(exc).__name__


def group_meetings(files: Sequence[PlannedFile], cutoff: date) -> dict[str, MeetingVerdict]:
    """The files of meetings that started on or before ``cutoff``, by meeting."""
    meetings: dict[str, MeetingVerdict] = {}
    for planned in files:
        if date.fromisoformat(planned.start_date) <= cutoff:
            verdict = meetings.setdefault(
                planned.meeting_uuid, MeetingVerdict(planned.meeting_uuid, planned.start_time)
            )
            verdict.files.append(planned)
    return meetings


def decide(
    meetings: Mapping[str, MeetingVerdict],
    *,
    bucket: ArchiveBucket,
    ledger: Ledger,
    record: ReclaimRecord,
    blocked: Mapping[str, Sequence[str]],
    now: datetime,
    grace_days: int,
    workers: int = verify.DEEP_WORKERS,
) -> list[MeetingVerdict]:
    """Give every meeting its reasons to be held back (none: it may be trashed), proving its files in parallel."""
    to_prove: list[PlannedFile] = []
    for verdict in meetings.values():
        verdict.reasons.extend(blocked.get(verdict.uuid, ()))
        for f in verdict.files:
            hold = _hold(f, ledger, record, now, grace_days)
            if hold:
                verdict.reasons.append(f"{f.file_id}: {hold}")
                if hold == ONE_DOWNLOAD:  # a second download compared with the stored copy confirms it
                    verdict.repair.append(f)
            else:
                to_prove.append(f)
    proofs = parallel_map(
        lambda f: prove_file(bucket, f, recorded_hash(f.file_id, ledger, record)),
        to_prove,
        workers=workers,
        name="proof",
    )
    for planned, proof in zip(to_prove, proofs, strict=True):
        verdict = meetings[planned.meeting_uuid]
        if proof.proven:
            verdict.proofs[planned.file_id] = proof.version or ObjectVersion(None, None)
            continue
        verdict.reasons.append(f"{planned.file_id}: {proof.reason}")
        if proof.repair:
            verdict.repair.append(planned)
    return sorted(meetings.values(), key=lambda v: (v.start_time, v.uuid))


def _hold(planned: PlannedFile, ledger: Ledger, record: ReclaimRecord, now: datetime, grace_days: int) -> str | None:
    """Why ``planned`` is held back before any proof (``None``: prove it)."""
    return (
        _ledger_hold(planned.file_id, ledger)
        or record.trash_hold(planned.file_id, now, grace_days)
        or _single_download_hold(planned, ledger, record)
    )


def needs_witness(planned: PlannedFile, ledger: Ledger, record: ReclaimRecord) -> bool:
    """Whether the stored copy of ``planned`` waits for a second witness (a download compared with it, writing
    nothing): no hash was recorded, or Zoom gives no size and its only hash is one repair download's."""
    return recorded_hash(planned.file_id, ledger, record) is None or (
        _single_download_hold(planned, ledger, record) is not None
    )


#: Downloads one file from Zoom and hashes it, writing nothing: its SHA-256 and byte count.
Download = Callable[[PlannedFile], tuple[str, int]]


def confirm_copy(bucket: ArchiveBucket, planned: PlannedFile, download: Download, record: ReclaimRecord) -> bool:
    """Compare the stored copy of ``planned`` with a new download from Zoom, writing no bytes. When they are equal
    the hash is recorded as confirmed (two witnesses: the stored bytes and this download; the ``sha256`` tag is set
    to it if it differs) and ``True`` is returned; ``False``: no copy of ours, or another one (archive it again)."""
    head = bucket.head(planned.key)
    if head is None or not bucket.holds(head, planned.file_id, planned.file_size):
        return False
    version = head.get("VersionId")
    stored = bucket.sha256_of_object(planned.key, version_id=version)
    if download(planned) != stored:
        log.warning("The copy of %s differs from Zoom's bytes: archiving it again", planned.key)
        return False
    record.hashes[planned.file_id] = stored
    record.confirmed.add(planned.file_id)
    tag, _ = bucket.read_sha256_tag(planned.key, version_id=version)
    if tag != stored[0]:
        bucket.put_sha256_tag(planned.key, stored[0], version_id=version)
    log.info("The copy of %s equals Zoom's bytes (compared, nothing written); a later run proves it", planned.key)
    return True


def _single_download_hold(planned: PlannedFile, ledger: Ledger, record: ReclaimRecord) -> str | None:
    """A file Zoom lists without a size is never trashed on one download's word: its only hash is a repair's (or a
    repair's that the archive-time hash does not confirm)."""
    repaired = record.hashes.get(planned.file_id)
    if planned.file_size is not None or repaired is None or ledger.hashes.get(planned.file_id) == repaired:
        return None
    if planned.file_id in record.confirmed:
        return None
    return ONE_DOWNLOAD


def _ledger_hold(file_id: str, ledger: Ledger) -> str | None:
    if file_id in ledger.quarantine:
        return f"quarantined ({ledger.quarantine[file_id].get('reason', '')})"
    if file_id in ledger.failures:
        return "its archive failed in a recent run"
    return None
