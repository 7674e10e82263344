"""What S3's refusals mean for the user (zoom_archiver.s3.errors); a failed head_bucket: test_s3_bucket.TestCheck."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from zoom_archiver.errors import ConfigurationError, VerificationError
from zoom_archiver.s3.errors import is_conditional_conflict, is_lost_write_race, stored_size_error


class TestStoredSize:
    def test_a_larger_object_than_sent_names_the_checksum_setting(self):
        error = stored_size_error("s3://b/k", 5 + 48, 5)
        assert isinstance(error, ConfigurationError)
        assert error.permanent
        assert "request_checksum_calculation" in str(error)
        assert "when_required" in str(error)

    def test_a_smaller_object_is_a_verification_error(self):
        error = stored_size_error("s3://b/k", 4, 5)
        assert isinstance(error, VerificationError)
        assert "holds 4 bytes, not the 5 bytes just written" in str(error)


def _client_error(status: int, code: str) -> ClientError:
    return ClientError({"Error": {"Code": code}, "ResponseMetadata": {"HTTPStatusCode": status}}, "PutObject")


def _wrapped(error: BaseException) -> BaseException:
    """``error`` as the transfer manager raises it: the cause of another exception."""
    try:
        try:
            raise error
        except ClientError as exc:
            raise RuntimeError("transfer failed") from exc
    except RuntimeError as outer:
        return outer


class TestLostWriteRace:
    @pytest.mark.parametrize(
        ("status", "code", "lost", "conflict"),
        [
            (412, "PreconditionFailed", True, False),
            (409, "ConditionalRequestConflict", True, True),
            (409, "OperationAborted", False, False),
            (500, "InternalError", False, False),
        ],
    )
    def test_a_412_or_a_409_conditional_conflict_anywhere_in_the_chain(self, status, code, lost, conflict):
        error = _wrapped(_client_error(status, code))
        assert is_lost_write_race(error) is lost
        assert is_conditional_conflict(error) is conflict
