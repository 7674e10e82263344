"""What an archived object carries (zoom_archiver.s3.metadata): our user metadata, the unreadable storage classes."""

from __future__ import annotations

import pytest

from zoom_archiver.s3.metadata import unreadable_class, written_by_another_run

RUN = "zoom_meeting_to_s3/webhook__recording_completed__LjtP8z2jS0qmRJIIb1WuBg"


def test_a_restored_cold_object_is_readable():
    assert unreadable_class({"StorageClass": "DEEP_ARCHIVE"}) == "DEEP_ARCHIVE"  # type: ignore[typeddict-item]
    restored = {"StorageClass": "GLACIER", "Restore": 'ongoing-request="false", expiry-date="Fri, 21 Dec 2029"'}
    assert unreadable_class(restored) is None  # type: ignore[arg-type]
    assert unreadable_class({"StorageClass": "INTELLIGENT_TIERING", "ArchiveStatus": "DEEP_ARCHIVE_ACCESS"}) == (
        "INTELLIGENT_TIERING DEEP_ARCHIVE_ACCESS"
    )  # type: ignore[arg-type]
    assert unreadable_class({"StorageClass": "GLACIER_IR"}) is None  # type: ignore[typeddict-item]


@pytest.mark.parametrize(
    ("stored", "sent", "another"),
    [
        ({"zoom-archive-run": "zoom_recordings_to_s3/scheduled__x"}, {"zoom-archive-run": RUN}, True),
        ({"zoom-file-id": "f"}, {"zoom-archive-run": RUN}, True),  # written by a version without this metadata
        ({"zoom-archive-run": RUN}, {"zoom-archive-run": RUN}, False),  # our own write, its answer lost
        ({"zoom-archive-run": "zoom_recordings_to_s3/scheduled__x"}, {}, False),  # ours unknown: maybe ours
    ],
)
def test_whose_write_a_412_met(stored, sent, another):
    assert written_by_another_run({"Metadata": stored}, sent) is another
