"""What an archived object carries (zoom_archiver.s3.metadata): our user metadata, the unreadable storage classes."""

from __future__ import annotations

import pytest

from zoom_archiver.s3.metadata import object_metadata, unreadable_class, written_by_another_run

RUN = "zoom_meeting_to_s3/webhook__recording_completed__LjtP8z2jS0qmRJIIb1WuBg"


class TestObjectMetadata:
    def test_ascii_only_and_no_empty_values(self, make_planned):
        meta = object_metadata(make_planned(meeting_id="", recording_type="запись", file_size=None))
        assert "zoom-meeting-id" not in meta
        assert "zoom-file-size" not in meta
        assert all(v.isascii() for v in meta.values())

    def test_fields(self, make_planned):
        meta = object_metadata(make_planned())
        assert meta["zoom-file-id"] == "1ec4ad5a-fba9-4866-b71b-099b38a3e702"
        assert meta["zoom-file-size"] == "342924"
        assert meta["zoom-start-time"] == "2024-11-29T16:51:20Z"
        assert "zoom-participant" not in meta
        assert "zoom-archive-run" not in meta

    def test_the_writing_run_is_named(self, make_planned):
        assert object_metadata(make_planned(), RUN)["zoom-archive-run"] == RUN

    @pytest.mark.parametrize("name", ["Sam Lee", "Jürgen Groß 100%", "李小龍", 'O\'Neil / "Ops"'])
    def test_a_participants_name_is_kept_percent_encoded(self, make_planned, name):
        from urllib.parse import unquote

        meta = object_metadata(make_planned(participant=name, recording_type="participant_audio"))
        assert meta["zoom-participant"].isascii()
        assert unquote(meta["zoom-participant"]) == name
        assert meta["zoom-recording-type"] == "participant_audio"


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
