"""The body checks of a download (zoom_archiver.zoom.download): an HTML page or a Zoom error body is not the file, small
real files pass intact, and HTTP and network errors say whether to retry, without secrets."""

from __future__ import annotations

import pytest
import requests

from tests.unit.zoom.download_helpers import (
    API_TOKEN_ERROR,
    API_URL,
    CDN_URL,
    DOWNLOAD_DISABLED,
    MP4_BYTES,
    TOKEN,
    ZOOM_TOKEN_ERROR,
    assert_no_secrets,
)
from zoom_archiver.errors import DownloadError, DownloadTokenRejected


class TestOpenDownload:
    @pytest.mark.parametrize("content_type", ["text/html", "text/html; charset=utf-8", "TEXT/HTML"])
    def test_html_page_is_not_the_file(self, requests_mock, fetch, content_type):
        requests_mock.get(API_URL, text="<html>Only the host can download this recording</html>",
                          headers={"Content-Type": content_type})  # fmt: skip
        with pytest.raises(DownloadError, match="HTML"):
            fetch()

    @pytest.mark.parametrize(
        ("content_type", "length"),
        [
            pytest.param("application/json", str(len(ZOOM_TOKEN_ERROR)), id="json-with-length"),
            pytest.param("application/json;charset=UTF-8", None, id="json-chunked"),
            pytest.param("text/plain", None, id="text-plain"),
            pytest.param("", None, id="no-content-type"),
        ],
    )
    def test_tiny_json_error_body_is_not_the_file(self, requests_mock, fetch, token, content_type, length):
        headers = {"Content-Type": content_type}
        if length:
            headers["Content-Length"] = length
        requests_mock.get(API_URL, status_code=302, headers={"Location": CDN_URL})
        requests_mock.get(CDN_URL, content=ZOOM_TOKEN_ERROR, headers=headers)
        with pytest.raises(DownloadError) as info:
            fetch()
        assert "124" in str(info.value)
        assert info.value.retryable  # the token expired: a new one may work
        assert token.invalidated == [TOKEN]
        assert_no_secrets(str(info.value))

    @pytest.mark.parametrize("body", [pytest.param(ZOOM_TOKEN_ERROR, id="errorCode"),
                                      pytest.param(API_TOKEN_ERROR, id="code-message")])  # fmt: skip
    @pytest.mark.parametrize(
        ("content_type", "with_length"),
        [
            pytest.param("application/octet-stream", True, id="octet-stream"),
            pytest.param("application/octet-stream", False, id="octet-stream-chunked"),
            pytest.param("video/mp4", True, id="video-mp4"),
            pytest.param("binary/octet-stream", False, id="binary-chunked"),
        ],
    )
    def test_token_error_body_whatever_the_content_type(
        self, requests_mock, fetch, token, body, content_type, with_length
    ):
        headers = {"Content-Type": content_type, **({"Content-Length": str(len(body))} if with_length else {})}
        requests_mock.get(API_URL, status_code=302, headers={"Location": CDN_URL})
        requests_mock.get(CDN_URL, content=body, headers=headers)
        with pytest.raises(DownloadTokenRejected, match="124") as info:
            fetch()
        assert info.value.retryable
        assert token.invalidated == [TOKEN]
        assert_no_secrets(str(info.value))

    @pytest.mark.parametrize("content_type", ["application/octet-stream", "application/json", "video/mp4"])
    def test_other_zoom_errors_are_not_token_errors(self, requests_mock, fetch, token, content_type):
        requests_mock.get(API_URL, content=DOWNLOAD_DISABLED, headers={"Content-Type": content_type})
        with pytest.raises(DownloadError, match="disabled by the administrator") as info:
            fetch()
        assert not isinstance(info.value, DownloadTokenRejected)
        assert not info.value.retryable
        assert token.invalidated == []

    @pytest.mark.parametrize(
        "body",
        [
            pytest.param(b'{"timeline":[]}', id="timeline"),
            pytest.param(b'{"code":"x","message":"m","a":1,"b":2}', id="json-with-code-and-more-keys"),
            pytest.param(b"\x00\x00\x00\x18ftypM4A ", id="tiny-m4a"),
            pytest.param(b"{" * 3000, id="unparseable"),
            pytest.param(b'{"a":' + b"[" * 4000, id="deeper-than-the-json-parser-goes"),
        ],
    )
    @pytest.mark.parametrize("with_length", [True, False], ids=["length", "chunked"])
    def test_small_octet_stream_files_pass_intact(self, requests_mock, fetch, body, with_length):
        headers = {"Content-Type": "application/octet-stream"}
        if with_length:
            headers["Content-Length"] = str(len(body))
        requests_mock.get(API_URL, content=body, headers=headers)
        with fetch() as download:
            assert download.stream.read(3) + download.stream.read() == body

    def test_large_chunked_octet_stream_passes_intact(self, requests_mock, fetch):
        body = ZOOM_TOKEN_ERROR + MP4_BYTES  # starts like an error, but is more than 4 KiB
        requests_mock.get(API_URL, content=body, headers={"Content-Type": "application/octet-stream"})
        with fetch() as download:
            assert download.stream.read() == body

    @pytest.mark.parametrize(
        "body",
        [
            pytest.param(b'{"timeline":[]}', id="empty-timeline"),
            pytest.param(b'{"timeline":[{"ts":"00:00:01.000","users":[{"username":"Jill"}]}]}', id="timeline"),
            pytest.param(b'{"status":true,"items":[1,2,3]}', id="status-true"),
            pytest.param(b"[]", id="json-array"),
            pytest.param(b"", id="empty-file"),
            pytest.param(b"WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nHello\n", id="transcript"),
        ],
    )
    def test_small_real_files_pass_intact(self, requests_mock, fetch, body):
        requests_mock.get(API_URL, content=body, headers={"Content-Type": "application/json"})
        with fetch() as download:
            assert download.stream.read() == body

    def test_small_file_read_in_chunks(self, requests_mock, fetch):
        body = b'{"timeline":[{"ts":"00:00:01.000"}]}'
        requests_mock.get(API_URL, content=body, headers={"Content-Type": "application/json"})
        with fetch() as download:
            chunks = []
            while chunk := download.stream.read(5):
                chunks.append(chunk)
        assert b"".join(chunks) == body
        assert all(len(c) == 5 for c in chunks[:-1])

    def test_json_larger_than_the_sniff_window_passes_intact(self, requests_mock, fetch):
        body = b'{"timeline":[' + b",".join(b'{"ts":"00:00:01.000"}' for _ in range(400)) + b"]}"
        assert len(body) > 4096
        requests_mock.get(API_URL, content=body, headers={"Content-Type": "application/json"})
        with fetch() as download:
            assert download.stream.read() == body

    def test_401_invalidates_the_token(self, requests_mock, fetch, token):
        requests_mock.get(API_URL, status_code=401, json={"code": 124, "message": "Invalid access token."})
        with pytest.raises(DownloadError) as info:
            fetch()
        assert info.value.retryable
        assert token.invalidated == [TOKEN]

    @pytest.mark.parametrize(
        ("status", "retryable"),
        [
            pytest.param(403, False, id="403"),
            pytest.param(404, False, id="404"),
            pytest.param(429, True, id="429"),
            pytest.param(500, True, id="500"),
            pytest.param(503, True, id="503"),
        ],
    )
    def test_cdn_errors(self, requests_mock, fetch, status, retryable):
        requests_mock.get(API_URL, status_code=302, headers={"Location": CDN_URL})
        requests_mock.get(CDN_URL, status_code=status, text="<Error><Code>AccessDenied</Code></Error>")
        with pytest.raises(DownloadError) as info:
            fetch()
        assert info.value.retryable is retryable
        assert str(status) in str(info.value)
        assert_no_secrets(str(info.value))

    @pytest.mark.parametrize(
        "exc",
        [
            pytest.param(requests.exceptions.ConnectionError(f"Max retries exceeded with url: {CDN_URL}"), id="conn"),
            pytest.param(requests.exceptions.ReadTimeout(f"timed out: {CDN_URL} Bearer {TOKEN}"), id="timeout"),
        ],
    )
    def test_network_errors_carry_no_secrets(self, requests_mock, fetch, exc):
        requests_mock.get(API_URL, status_code=302, headers={"Location": CDN_URL})
        requests_mock.get(CDN_URL, exc=exc)
        with pytest.raises(DownloadError) as info:
            fetch()
        assert info.value.retryable
        assert_no_secrets(str(info.value))
        assert info.value.__cause__ is None
        assert info.value.__suppress_context__
