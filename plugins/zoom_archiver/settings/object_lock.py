"""Write-once retention of every archived object: the ``zoom_archive_object_lock_*`` and
``zoom_archive_legal_hold`` Variables (the bucket's own check lives in :mod:`zoom_archiver.s3.object_lock`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from zoom_archiver.errors import ConfigurationError
from zoom_archiver.settings.variables import Variables


@dataclass(frozen=True)
class ObjectLockSettings:
    """Write-once retention of every archived object (S3 Object Lock; the bucket must have it enabled).

    :param mode: ``GOVERNANCE`` (users with ``s3:BypassGovernanceRetention`` may still delete) or ``COMPLIANCE``
        (nobody can, not even the root user, until the date).
    :param days: retention from the moment of the upload.
    :param legal_hold: also place a legal hold (no deletion until it is removed, whatever the date).
    """

    mode: str
    days: int
    legal_hold: bool = False

    def upload_args(self, now: datetime | None = None) -> dict[str, Any]:
        """The ``ObjectLock*`` arguments of an upload starting ``now``."""
        until = (now or datetime.now(timezone.utc)) + timedelta(days=self.days)
        args: dict[str, Any] = {"ObjectLockMode": self.mode, "ObjectLockRetainUntilDate": until}
        if self.legal_hold:
            args["ObjectLockLegalHoldStatus"] = "ON"
        return args


def object_lock_settings(var: Variables) -> ObjectLockSettings | None:
    """``zoom_archive_object_lock_mode`` / ``_days`` / ``zoom_archive_legal_hold``; no mode: no retention."""
    mode, days, hold = (var[f"zoom_archive_{name}"] for name in ("object_lock_mode", "object_lock_days", "legal_hold"))
    if not mode:
        if days is not None or hold:
            raise ConfigurationError(
                "Variable zoom_archive_object_lock_mode is not set but zoom_archive_object_lock_days or "
                "zoom_archive_legal_hold is: set the mode (GOVERNANCE or COMPLIANCE) to enable write-once retention"
            )
        return None
    if days is None:
        raise ConfigurationError(
            "Variable zoom_archive_object_lock_days is not set: with zoom_archive_object_lock_mode it must say how "
            "many days each archived object is retained (1-36500)"
        )
    return ObjectLockSettings(mode, days, hold)
