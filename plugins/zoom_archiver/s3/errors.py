"""What S3's refusals mean for the user: the ones no retry cures (the bucket, the credentials, the KMS key), a failed
``head_bucket`` explained, a conditional write that lost a race for its key (412, 409), and an upload the store kept
with another size than the bytes sent."""

from __future__ import annotations

from collections.abc import Iterator

from botocore.exceptions import ClientError

from zoom_archiver.errors import ConfigurationError, VerificationError, ZoomArchiverError

_NO_BUCKET = ("404", "NoSuchBucket", "NotFound")
_FORBIDDEN = ("403", "AccessDenied", "Forbidden", "AllAccessDisabled")
_WRONG_REGION = ("301", "PermanentRedirect")
#: Error codes no retry cures: the bucket, the credentials or the KMS key need a person (and any ``KMS*`` code).
CONFIGURATION_CODES = frozenset(("AccessDenied", "NoSuchBucket", "InvalidAccessKeyId", "SignatureDoesNotMatch"))
#: The code of S3's 409 to one of two conditional writes of a key at the same moment.
CONDITIONAL_CONFLICT = "ConditionalRequestConflict"


def is_configuration_error(error: ClientError) -> bool:
    """Whether S3 refused the bucket, the credentials or the KMS key (see :data:`CONFIGURATION_CODES`)."""
    code = str(error.response.get("Error", {}).get("Code", ""))
    return code in CONFIGURATION_CODES or code.upper().startswith("KMS")


def _client_errors(exc: BaseException) -> Iterator[ClientError]:
    """Every :class:`ClientError` in ``exc``'s chain (the transfer manager wraps S3's error in its own)."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ClientError):
            yield cause
        cause = cause.__cause__ or cause.__context__


def is_precondition_failed(exc: BaseException) -> bool:
    """Whether S3 refused a conditional write (412 ``PreconditionFailed``: ``If-None-Match: *`` on a key another
    writer stored first), anywhere in ``exc``'s chain (the transfer manager wraps S3's error in its own)."""
    for error in _client_errors(exc):
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if str(error.response.get("Error", {}).get("Code", "")) == "PreconditionFailed" or status == 412:
            return True
    return False


def is_conditional_conflict(exc: BaseException) -> bool:
    """Whether S3 refused a conditional write with 409 ``ConditionalRequestConflict``, anywhere in ``exc``'s chain:
    AWS's answer to one of two conditional PutObject/CompleteMultipartUpload calls on a key at the same moment (the
    other may not be stored yet). Other 409s (``OperationAborted``, ...) are not."""
    return any(str(e.response.get("Error", {}).get("Code", "")) == CONDITIONAL_CONFLICT for e in _client_errors(exc))


def is_lost_write_race(exc: BaseException) -> bool:
    """Whether a conditional write lost a race for its key: a 412 (:func:`is_precondition_failed`) or a 409
    (:func:`is_conditional_conflict`). What the key holds now decides whose object it is; nothing yet: retry."""
    return is_precondition_failed(exc) or is_conditional_conflict(exc)


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
