"""What S3's refusals mean for the user: the ones no retry cures (the bucket, the credentials, the KMS key), a failed
``head_bucket`` explained, and an upload the store kept with another size than the bytes sent."""

from __future__ import annotations

from botocore.exceptions import ClientError

from zoom_archiver.errors import ConfigurationError, VerificationError, ZoomArchiverError

_NO_BUCKET = ("404", "NoSuchBucket", "NotFound")
_FORBIDDEN = ("403", "AccessDenied", "Forbidden", "AllAccessDisabled")
_WRONG_REGION = ("301", "PermanentRedirect")
#: Error codes no retry cures: the bucket, the credentials or the KMS key need a person (and any ``KMS*`` code).
CONFIGURATION_CODES = frozenset(("AccessDenied", "NoSuchBucket", "InvalidAccessKeyId", "SignatureDoesNotMatch"))


def is_configuration_error(error: ClientError) -> bool:
    """Whether S3 refused the bucket, the credentials or the KMS key (see :data:`CONFIGURATION_CODES`)."""
    code = str(error.response.get("Error", {}).get("Code", ""))
    return code in CONFIGURATION_CODES or code.upper().startswith("KMS")


def is_precondition_failed(exc: BaseException) -> bool:
    """Whether S3 refused a conditional write (412 ``PreconditionFailed``: ``If-None-Match: *`` on a key another
    writer stored first), anywhere in ``exc``'s chain (the transfer manager wraps S3's error in its own)."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ClientError):
            error = cause.response.get("Error", {})
            status = cause.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if str(error.get("Code", "")) == "PreconditionFailed" or status == 412:
                return True
        cause = cause.__cause__ or cause.__context__
    return False


def stored_size_error(url: str, stored: int, sent: int) -> ZoomArchiverError:
    """The error for an upload the store kept with another size than the bytes sent.

    A store that does not decode ``aws-chunked`` uploads (botocore's default CRC32 trailer over HTTPS) keeps the
    chunk framing as the object: a little larger than what was sent. That needs a setting, not a retry.
    """
    if stored > sent:
        return ConfigurationError(
            f"{url} holds {stored} bytes after {sent} were sent: the S3 store kept the aws-chunked framing of the "
            "upload (it does not support botocore's checksum trailer). Set request_checksum_calculation and "
            "response_checksum_validation to when_required in the aws_default connection's extra config_kwargs "
            "(README: S3-compatible stores)"
        )
    return VerificationError(f"{url} holds {stored} bytes, not the {sent} bytes just written")


def bucket_problem(exc: ClientError) -> str | None:
    """What a failed ``head_bucket`` says about the configuration, or ``None`` when it is not about that."""
    code = str(exc.response.get("Error", {}).get("Code", ""))
    if code in _NO_BUCKET:
        return "does not exist: check the Variable zoom_archive_bucket (and the AWS account of the connection)"
    if code in _FORBIDDEN:
        return (
            "refused access (403): check the AWS connection's credentials and that they have permission on the "
            "bucket (s3:ListBucket, s3:GetObject, s3:PutObject, s3:PutObjectTagging, s3:AbortMultipartUpload)"
        )
    if code in _WRONG_REGION:
        headers = exc.response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
        region = headers.get("x-amz-bucket-region")
        where = f" {region}" if region else " another region"
        return f"is in{where}: set region_name of the AWS connection to the bucket's region"
    return None
