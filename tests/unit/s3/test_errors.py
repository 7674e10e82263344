"""What S3's refusals mean for the user (zoom_archiver.s3.errors); a failed head_bucket: test_s3_bucket.TestCheck."""

from __future__ import annotations

from zoom_archiver.errors import ConfigurationError, VerificationError
from zoom_archiver.s3.errors import stored_size_error


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
