from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from zoom_archiver.archive.transfer import archiver_error
from zoom_archiver.errors import ConfigurationError, DownloadError, VerificationError
from zoom_archiver.settings import MIB, TransferSettings


def client_error(code: str, operation: str = "PutObject") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": f"{code} message"}}, operation)


class TestArchiverError:
    @pytest.mark.parametrize(
        "code",
        [
            "AccessDenied",
            "NoSuchBucket",
            "InvalidAccessKeyId",
            "SignatureDoesNotMatch",
            "KMS.NotFoundException",
            "KMS.DisabledException",
            "KMSAccessDeniedException",
        ],
    )
    def test_s3_refusing_the_configuration_is_permanent(self, code):
        error = archiver_error(client_error(code))
        assert isinstance(error, ConfigurationError)
        assert error.permanent
        assert not error.retryable
        assert code in str(error)

    def test_found_in_the_context_chain(self):
        outer = RuntimeError("the transfer manager gave up")
        outer.__context__ = client_error("KMS.NotFoundException", "UploadPart")  # raised while handling it
        assert isinstance(archiver_error(outer), ConfigurationError)

    @pytest.mark.parametrize("code", ["InternalError", "SlowDown", "RequestTimeout", "ServiceUnavailable"])
    def test_transient_s3_errors_stay_retryable(self, code):
        error = archiver_error(client_error(code))
        assert isinstance(error, DownloadError)
        assert error.retryable

    def test_our_own_error_wins(self):
        ours = VerificationError("size mismatch")
        abort_failed = client_error("AccessDenied", "AbortMultipartUpload")
        abort_failed.__context__ = ours  # the clean-up after our error failed too
        assert archiver_error(abort_failed) is ours


class TestTransferSettings:
    def test_defaults(self):
        settings = TransferSettings()
        args = settings.transfer_config_args()
        assert args["multipart_threshold"] == args["multipart_chunksize"] == 8 * MIB
        assert args["max_concurrency"] == 4
        assert settings.extra_args("video/mp4", {"zoom-file-id": "f1"}) == {
            "ContentType": "video/mp4",
            "Metadata": {"zoom-file-id": "f1"},
        }

    def test_boto3_accepts_the_transfer_config(self):
        from boto3.s3.transfer import TransferConfig

        config = TransferConfig(**TransferSettings(part_size=5 * MIB).transfer_config_args())
        assert config.multipart_chunksize == 5 * MIB

    def test_encryption_and_storage_class(self):
        settings = TransferSettings(
            server_side_encryption="aws:kms", sse_kms_key_id="alias/zoom", storage_class="STANDARD_IA"
        )
        args = settings.extra_args("audio/mp4", {})
        assert args["ServerSideEncryption"] == "aws:kms"
        assert args["SSEKMSKeyId"] == "alias/zoom"
        assert args["StorageClass"] == "STANDARD_IA"
