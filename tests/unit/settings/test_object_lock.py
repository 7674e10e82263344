"""Write-once retention from the Variables (zoom_archiver.settings.object_lock): off unless a mode is set, every
upload carries it, a bad value is a clear error."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from tests.unit.settings.test_settings import variables
from zoom_archiver.errors import ConfigurationError
from zoom_archiver.settings import load_settings
from zoom_archiver.settings.object_lock import ObjectLockSettings


class TestObjectLockSettings:
    def test_off_by_default(self):
        settings = load_settings(variables(zoom_archive_bucket="b"))
        assert settings.transfer.object_lock is None
        assert not any(k.startswith("ObjectLock") for k in settings.transfer.extra_args("video/mp4", {}))

    def test_mode_days_and_legal_hold_reach_every_upload(self):
        settings = load_settings(
            variables(
                zoom_archive_bucket="b",
                zoom_archive_object_lock_mode=" compliance ",
                zoom_archive_object_lock_days="2555",
                zoom_archive_legal_hold="true",
            )
        )
        assert settings.transfer.object_lock == ObjectLockSettings("COMPLIANCE", 2555, legal_hold=True)
        args = settings.transfer.extra_args("video/mp4", {})
        assert args["ObjectLockMode"] == "COMPLIANCE"
        assert args["ObjectLockLegalHoldStatus"] == "ON"
        until = args["ObjectLockRetainUntilDate"] - datetime.now(timezone.utc)
        assert timedelta(days=2554, hours=23) < until <= timedelta(days=2555)

    @pytest.mark.parametrize(
        ("mode", "days", "hold", "message"),
        [
            ("FOREVER", "1", None, "GOVERNANCE or COMPLIANCE, got 'FOREVER'"),
            ("GOVERNANCE", None, None, "zoom_archive_object_lock_days is not set"),
            ("GOVERNANCE", "0", None, "between 1 and 36500, got 0"),
            ("GOVERNANCE", "a year", None, "must be an integer"),
            (None, "30", None, "zoom_archive_object_lock_mode is not set"),
            (None, None, "true", "zoom_archive_object_lock_mode is not set"),
            ("GOVERNANCE", "1", "maybe", "zoom_archive_legal_hold must be true or false, got 'maybe'"),
        ],
    )
    def test_bad_values_are_clear_errors(self, mode, days, hold, message):
        values = {
            "zoom_archive_object_lock_mode": mode,
            "zoom_archive_object_lock_days": days,
            "zoom_archive_legal_hold": hold,
        }
        with pytest.raises(ConfigurationError, match=re.escape(message)):
            load_settings(variables(zoom_archive_bucket="b", **{k: v for k, v in values.items() if v is not None}))
