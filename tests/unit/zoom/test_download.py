"""Opening a download (zoom_archiver.zoom.download): the token only on Zoom's host, redirects checked against the
policy,
ranges and resumes, and the range headers read back."""

from __future__ import annotations

import pytest
import requests

from tests.unit.zoom.download_helpers import (
    API_URL,
    CDN_URL,
    MP4_BYTES,
    SIGNED_QUERY,
    TOKEN,
    assert_no_secrets,
)
from zoom_archiver.errors import DownloadError, DownloadRejected, DownloadTokenRejected
from zoom_archiver.redaction import redact
from zoom_archiver.zoom.download import content_range, open_download, range_validator
from zoom_archiver.zoom.download_policy import DownloadPolicy


class TestOpenDownload:
    def test_bearer_on_zoom_host_not_on_cdn(self, requests_mock, fetch):
        requests_mock.get(API_URL, status_code=302, headers={"Location": CDN_URL})
        requests_mock.get(
            CDN_URL, content=MP4_BYTES, headers={"Content-Type": "video/mp4", "Content-Length": str(len(MP4_BYTES))}
        )
        with fetch() as download:
            assert download.stream.read() == MP4_BYTES
            assert download.content_type == "video/mp4"
            assert download.content_length == len(MP4_BYTES)
            assert download.source.startswith("https://ssrweb.zoom.us/cmr/replay/")
            assert_no_secrets(download.source)
        first, second = requests_mock.request_history
        assert first.headers["Authorization"] == f"Bearer {TOKEN}"
        assert "Authorization" not in second.headers
        assert second.url == CDN_URL  # the signed query reaches the CDN untouched

    def test_relative_redirect_and_chains(self, requests_mock, fetch):
        requests_mock.get(API_URL, status_code=302, headers={"Location": "/rec/redirect/1"})
        requests_mock.get("https://us06web.zoom.us/rec/redirect/1", status_code=307, headers={"Location": CDN_URL})
        requests_mock.get(CDN_URL, content=MP4_BYTES, headers={"Content-Type": "video/mp4"})
        with fetch() as download:
            assert download.stream.read() == MP4_BYTES
        assert [("Authorization" in r.headers) for r in requests_mock.request_history] == [True, False, False]

    def test_range_header_follows_the_redirect(self, requests_mock, fetch):
        requests_mock.get(API_URL, status_code=302, headers={"Location": CDN_URL})
        content_range = f"bytes 100-{len(MP4_BYTES) - 1}/*"
        requests_mock.get(
            CDN_URL,
            status_code=206,
            content=MP4_BYTES[100:],
            headers={"Content-Type": "video/mp4", "Content-Range": content_range},
        )
        with fetch(range_start=100) as download:
            assert download.stream.read() == MP4_BYTES[100:]
        assert all(r.headers["Range"] == "bytes=100-" for r in requests_mock.request_history)

    def test_if_range_follows_the_redirect(self, requests_mock, fetch):
        requests_mock.get(API_URL, status_code=302, headers={"Location": CDN_URL})
        requests_mock.get(CDN_URL, status_code=206, content=MP4_BYTES[100:],
                          headers={"Content-Range": f"bytes 100-{len(MP4_BYTES) - 1}/{len(MP4_BYTES)}"})  # fmt: skip
        fetch(range_start=100, if_range='"etag-1"').close()
        assert all(r.headers["If-Range"] == '"etag-1"' for r in requests_mock.request_history)

    def test_no_if_range_without_a_range(self, requests_mock, fetch):
        requests_mock.get(API_URL, content=MP4_BYTES, headers={"Content-Type": "video/mp4"})
        fetch(if_range='"etag-1"').close()
        assert "If-Range" not in requests_mock.last_request.headers
        assert "Range" not in requests_mock.last_request.headers

    def test_resume_opens_the_download_url_again_from_the_offset(self, requests_mock, fetch):
        etag = '"5d41402abc4b2a76b9719d911017c592"'
        requests_mock.get(API_URL, status_code=302, headers={"Location": CDN_URL})
        requests_mock.get(CDN_URL, [
            {"content": MP4_BYTES, "headers": {"Content-Type": "video/mp4", "ETag": etag}},
            {"status_code": 206, "content": MP4_BYTES[500:],
             "headers": {"Content-Type": "video/mp4", "Content-Range": f"bytes 500-{len(MP4_BYTES) - 1}/*"}},
        ])  # fmt: skip
        first = fetch()
        first.close()
        with first.resume(500, if_range=range_validator(first.response.headers)) as rest:
            assert rest.response.status_code == 206
            assert rest.stream.read() == MP4_BYTES[500:]
        api_first, cdn_first, api_again, cdn_again = requests_mock.request_history
        assert api_again.url == API_URL
        assert api_again.headers["Authorization"] == f"Bearer {TOKEN}"
        assert (cdn_again.headers["Range"], cdn_again.headers["If-Range"]) == ("bytes=500-", etag)
        assert "Range" not in cdn_first.headers

    def test_redirect_outside_download_hosts_is_rejected(self, requests_mock, fetch):
        evil = f"https://evil.example.com/steal?{SIGNED_QUERY}"
        requests_mock.get(API_URL, status_code=302, headers={"Location": evil})
        evil_host = requests_mock.get(evil, content=b"x")
        with pytest.raises(DownloadRejected) as info:
            fetch()
        assert not evil_host.called
        assert_no_secrets(str(info.value))

    def test_redirect_to_http_is_rejected(self, requests_mock, fetch):
        plain = CDN_URL.replace("https://", "http://")
        requests_mock.get(API_URL, status_code=302, headers={"Location": plain})
        cdn = requests_mock.get(plain, content=b"x")
        with pytest.raises(DownloadRejected) as info:
            fetch()
        assert not cdn.called
        assert_no_secrets(str(info.value))

    def test_http_download_url_refused_without_a_request(self, requests_mock, fetch):
        url = API_URL.replace("https://", "http://")
        endpoint = requests_mock.get(url, content=b"x")
        with pytest.raises(DownloadRejected):
            fetch(url)
        assert not endpoint.called

    def test_http_allowed_for_the_emulator(self, requests_mock, fetch):
        url = "http://127.0.0.1:8765/rec/download/abc"
        requests_mock.get(url, content=b"audio", headers={"Content-Type": "audio/mp4"})
        with fetch(url, DownloadPolicy(hosts=("127.0.0.1",), allow_http=True)) as download:
            assert download.stream.read() == b"audio"

    def test_too_many_redirects(self, requests_mock, fetch):
        requests_mock.get(API_URL, status_code=302, headers={"Location": API_URL})
        with pytest.raises(DownloadError, match="redirects"):
            fetch(policy=DownloadPolicy(max_redirects=3))
        assert requests_mock.call_count == 4

    def test_redirect_without_location(self, requests_mock, fetch):
        requests_mock.get(API_URL, status_code=302)
        with pytest.raises(DownloadError, match="Location"):
            fetch()


class TestHeaders:
    @pytest.mark.parametrize(
        ("headers", "expected"),
        [
            pytest.param({"ETag": '"abc"', "Last-Modified": "Fri, 29 Nov 2024 16:51:35 GMT"}, '"abc"', id="etag"),
            pytest.param({"ETag": 'W/"abc"', "Last-Modified": "Fri, 29 Nov 2024 16:51:35 GMT"},
                         "Fri, 29 Nov 2024 16:51:35 GMT", id="weak-etag-uses-last-modified"),
            pytest.param({"ETag": 'W/"abc"'}, None, id="weak-etag-only"),
            pytest.param({}, None, id="none"),
        ],
    )  # fmt: skip
    def test_range_validator(self, headers, expected):
        assert range_validator(headers) == expected

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            pytest.param("bytes 100-255999/256000", (100, 256000), id="total"),
            pytest.param("bytes 100-255999/*", (100, None), id="unknown-total"),
            pytest.param("bytes */256000", None, id="unsatisfied"),
            pytest.param("", None, id="missing"),
            pytest.param("items 1-2/3", None, id="other-unit"),
        ],
    )
    def test_content_range(self, value, expected):
        assert content_range({"Content-Range": value} if value else {}) == expected


class TestRejectedTokens:
    class Tokens:
        def __init__(self, *values: str) -> None:
            self.values, self.invalidated = list(values), []

        def get(self) -> str:
            return self.values[0]

        def invalidate(self, token: str) -> None:
            self.invalidated.append(token)
            if self.values[0] == token and len(self.values) > 1:
                self.values.pop(0)

    URL = "https://us06web.zoom.us/rec/download/abc"

    def test_rejected_token_is_replaced_once_at_once(self, requests_mock):
        rejected = b'{"status":false,"errorCode":124,"errorMessage":"Forbidden"}'
        requests_mock.get(self.URL, [
            {"content": rejected, "headers": {"Content-Type": "application/json;charset=UTF-8"}},
            {"content": b"\x00\x00\x00\x18ftypmp42" * 100, "headers": {"Content-Type": "video/mp4"}},
        ])  # fmt: skip
        tokens = self.Tokens("old-token-0000000001", "new-token-0000000002")
        with open_download(requests.Session(), self.URL, tokens, DownloadPolicy()) as download:
            assert download.stream.read(4) == b"\x00\x00\x00\x18"
        assert tokens.invalidated == ["old-token-0000000001"]
        assert [r.headers["Authorization"] for r in requests_mock.request_history] == [
            "Bearer old-token-0000000001", "Bearer new-token-0000000002",
        ]  # fmt: skip

    def test_a_second_rejection_is_reported_retryable(self, requests_mock):
        requests_mock.get(self.URL, status_code=401, json={"code": 124})
        tokens = self.Tokens("t-000000000000001", "t-000000000000002")
        with pytest.raises(DownloadTokenRejected) as info:
            open_download(requests.Session(), self.URL, tokens, DownloadPolicy())
        assert info.value.retryable
        assert len(requests_mock.request_history) == 2

    def test_signed_url_secrets_are_masked_one_by_one(self, requests_mock):
        signature = "SiGnAtUrE-abcdefghijklmnop0123456789_"
        policy_value = "eyJTdGF0ZW1lbnQiOlt7IlJlc291cmNlIjoi"
        cdn = f"https://ssrweb.zoom.us/cmr/replay/a.mp4?Expires=1733000000&Policy={policy_value}&Signature={signature}"
        requests_mock.get(self.URL, status_code=302, headers={"Location": cdn})
        requests_mock.get(cdn, content=b"\x00" * 10, headers={"Content-Type": "video/mp4"})
        open_download(requests.Session(), self.URL, self.Tokens("token-000000000000001"), DownloadPolicy()).close()
        assert signature not in redact(f"the signature is {signature}")
        assert policy_value not in redact(f"policy {policy_value}")
        assert "1733000000" in redact("Expires=1733000000")  # short, not secret: left readable
