"""Exceptions raised by the archiver. Their messages never carry secrets (tokens, signed URLs)."""

from __future__ import annotations


class ZoomArchiverError(Exception):
    """Base class of every error this package raises on purpose."""

    #: Retry at once, inside the task (a dropped connection, a 5xx, a 429).
    retryable: bool = False
    #: No later attempt can succeed without a change by a person: fail the task without Airflow retries.
    permanent: bool = False


class ConfigurationError(ZoomArchiverError):
    """A connection, Variable or trigger parameter is missing or invalid."""

    permanent = True


class ZoomAuthError(ZoomArchiverError):
    """The OAuth token endpoint refused the credentials."""

    permanent = True


#: Zoom's error code for "There is no recording for this meeting" (deleted or trashed since it was listed).
NO_RECORDING = 3301


class ZoomApiError(ZoomArchiverError):
    """Zoom answered with an error body (``{"code": ..., "message": ...}``)."""

    def __init__(self, message: str, *, status: int | None = None, code: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code

    @property
    def recordings_gone(self) -> bool:
        """Whether Zoom says the meeting has no recordings (any more): deleted or trashed since it was listed."""
        return self.code == NO_RECORDING


class ZoomTransientError(ZoomApiError):
    """A 5xx answer, a timeout or a dropped connection: worth retrying."""

    retryable = True


class ZoomRateLimited(ZoomTransientError):
    """HTTP 429. ``retry_after`` is in seconds when Zoom said how long to wait."""

    def __init__(self, message: str, *, retry_after: float | None = None, daily: bool = False) -> None:
        super().__init__(message, status=429, code=429)
        self.retry_after = retry_after
        self.daily = daily


class ZoomTokenRejected(ZoomApiError):
    """HTTP 401 / code 124: the access token expired or was invalidated."""

    retryable = True


class DownloadError(ZoomArchiverError):
    """The download did not deliver the recording file."""

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable


class DownloadTokenRejected(DownloadError):
    """The download answered 401 or Zoom's ``errorCode 124``: the access token expired or was invalidated."""

    def __init__(self, message: str) -> None:
        super().__init__(message, retryable=True)


class DownloadRejected(DownloadError):
    """The download (or one of its redirects) points at a host or scheme that is not allowed."""

    permanent = True


class VerificationError(ZoomArchiverError):
    """The bytes do not match what Zoom announced (size), or the stored object is not what was written.

    Not retried inside the task (the same download gives the same bytes); Airflow's retries and the next run
    try again later.
    """


class KeyConflict(VerificationError):
    """The object key already holds a different Zoom file: never overwritten."""

    permanent = True


class InvalidRecord(ZoomArchiverError):
    """A meeting or file record from Zoom is malformed; it is reported and skipped, the run goes on."""

    permanent = True
