from __future__ import annotations

import pytest
import requests

from zoom_archiver.download import content_range, open_download, range_validator
from zoom_archiver.download_policy import DownloadPolicy
from zoom_archiver.errors import DownloadError, DownloadRejected, DownloadTokenRejected

TOKEN = "eyJzdiI6IjAwMDAwMSIs-download-token"
API_URL = "https://us06web.zoom.us/rec/download/c4nrAbCdEf"
SIGNED_QUERY = (
    "response-content-type=video%2Fmp4&Expires=1733000000&Policy=eyJTdGF0ZW1lbnQi&Signature=SiGnAtUrE0123"
    "&Key-Pair-Id=K1"
)
CDN_URL = (
    "https://ssrweb.zoom.us/cmr/replay/2024/11/29/82205654575/GUID/GMT20241129-165128_Recording_1920x1080.mp4?"
    + SIGNED_QUERY
)
MP4_BYTES = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 40
ZOOM_TOKEN_ERROR = b'{"status":false,"errorCode":124,"errorMessage":"Forbidden"}'
API_TOKEN_ERROR = b'{"code":124,"message":"Invalid access token."}'
DOWNLOAD_DISABLED = b'{"code":200,"message":"Download has been disabled by the administrator"}'


class FakeToken:
    """Stands in for :class:`S2SToken`: hands out one token and records invalidations."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.invalidated: list[str] = []

    def get(self) -> str:
        return self.token

    def invalidate(self, token: str) -> None:
        self.invalidated.append(token)


@pytest.fixture
def token() -> FakeToken:
    return FakeToken()


@pytest.fixture
def fetch(token):
    def fetch(url: str = API_URL, policy: DownloadPolicy | None = None, **kwargs):
        return open_download(requests.Session(), url, token, policy or DownloadPolicy(), **kwargs)

    return fetch


def assert_no_secrets(message: str) -> None:
    assert TOKEN not in message
    assert "Signature" not in message
    assert "Policy=" not in message
    assert "Key-Pair-Id" not in message
    assert "?" not in message


class TestPolicy:
    @pytest.mark.parametrize(
        "url",
        [
            pytest.param("https://zoom.us/rec/download/x", id="apex"),
            pytest.param("https://us06web.zoom.us/rec/download/x", id="regional"),
            pytest.param("https://ssrweb.zoom.us/cmr/replay/x.mp4?Signature=1", id="cdn"),
            pytest.param("https://acme.zoom.us/rec/download/x", id="vanity"),
            pytest.param("https://US06WEB.ZOOM.US./rec/download/x", id="case-and-trailing-dot"),
        ],
    )
    def test_allowed(self, url):
        DownloadPolicy().check(url)

    @pytest.mark.parametrize(
        "url",
        [
            pytest.param("https://evilzoom.us/rec/download/x", id="suffix-without-dot"),
            pytest.param("https://zoom.us.evil.com/rec/download/x", id="zoom-as-subdomain"),
            pytest.param("https://evil.com/zoom.us/x", id="zoom-in-path"),
            pytest.param("https://zoom.us@evil.com/x", id="userinfo-trick"),
            pytest.param("https://169.254.169.254/latest/meta-data", id="metadata-ip"),
            pytest.param("https:///rec/download/x", id="no-host"),
        ],
    )
    def test_rejected_hosts(self, url):
        with pytest.raises(DownloadRejected, match="host"):
            DownloadPolicy().check(url)

    @pytest.mark.parametrize(
        "url",
        [
            pytest.param("http://us06web.zoom.us/rec/download/x", id="http"),
            pytest.param("ftp://zoom.us/x", id="ftp"),
            pytest.param("file:///etc/passwd", id="file"),
            pytest.param("us06web.zoom.us/rec/download/x", id="no-scheme"),
        ],
    )
    def test_rejected_schemes(self, url):
        with pytest.raises(DownloadRejected, match="refusing to download over"):
            DownloadPolicy().check(url)

    def test_http_allowed_when_enabled(self):
        DownloadPolicy(hosts=("localhost",), allow_http=True).check("http://localhost:9000/rec/download/x")
        with pytest.raises(DownloadRejected):
            DownloadPolicy(hosts=("localhost",), allow_http=True).check("ftp://localhost/x")

    def test_custom_hosts(self):
        policy = DownloadPolicy(hosts=("zoom.us", "*.zoom.us", "*.cloudfront.net"))
        policy.check("https://d1234.cloudfront.net/x")
        with pytest.raises(DownloadRejected):
            policy.check("https://cloudfront.net.evil.org/x")


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
