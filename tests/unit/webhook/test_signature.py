"""Zoom's webhook signature and URL validation (zoom_archiver.webhook.signature)."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from zoom_archiver.webhook.signature import Refused, encrypted_token, sign, verify

SECRET = "example-secret-token"
NOW = 1_739_923_528
BODY = b'{"event":"recording.completed","payload":{"object":{"uuid":"LjtP8z2jS0qmRJIIb1WuBg=="}}}'


def test_signature_is_zoom_v0_hmac_of_timestamp_and_raw_body():
    expected = hmac.new(SECRET.encode(), b"v0:%d:" % NOW + BODY, hashlib.sha256).hexdigest()
    assert sign(SECRET, str(NOW), BODY) == "v0=" + expected


def test_url_validation_token_on_zooms_documented_example():
    # Zoom's example plainToken; the expected value was computed with `openssl dgst -sha256 -hmac`
    assert encrypted_token(SECRET, "qgg8vlvZRS6UYooatFL8Aw") == (
        "d6524a16d1abf22b3d0b2b9d9a57d933752fb3d8f40ee5e7a406fcc5a8e5cb34"
    )


def test_a_good_delivery_names_the_secret_that_signed_it_among_several():
    signature = sign("new-token", str(NOW), BODY)
    assert verify(["old-token", "new-token"], str(NOW), signature, BODY, now=NOW + 10) == "new-token"


@pytest.mark.parametrize(
    ("timestamp", "signature", "body", "status", "reason"),
    [
        (str(NOW), sign("wrong", str(NOW), BODY), BODY, 401, "signature mismatch"),
        (str(NOW), sign(SECRET, str(NOW), BODY), BODY + b" ", 401, "signature mismatch"),  # body altered
        (str(NOW), sign(SECRET, str(NOW - 1), BODY), BODY, 401, "signature mismatch"),  # timestamp altered
        (str(NOW - 360), sign(SECRET, str(NOW - 360), BODY), BODY, 401, "timestamp"),  # 6 minutes old
        (str(NOW + 360), sign(SECRET, str(NOW + 360), BODY), BODY, 401, "timestamp"),  # from the future
        (None, sign(SECRET, str(NOW), BODY), BODY, 401, "missing x-zm-request-timestamp"),
        (str(NOW), None, BODY, 401, "missing x-zm-signature"),
        ("17399e3", "v0=00", BODY, 400, "malformed"),
        (str(NOW), "v0=é", BODY, 401, "signature mismatch"),
    ],
)
def test_refusals(timestamp, signature, body, status, reason):
    with pytest.raises(Refused) as refused:
        verify([SECRET], timestamp, signature, body, now=NOW)
    assert refused.value.status == status
    assert reason in refused.value.reason
    assert SECRET not in refused.value.reason


def test_no_secret_configured_refuses_everything():
    with pytest.raises(Refused, match="no webhook secret token configured"):
        verify([], str(NOW), sign(SECRET, str(NOW), BODY), BODY, now=NOW)
