"""The S3 fault proxy (``zoom_sandbox.s3_proxy``) in front of moto's server: it forwards S3 unchanged,
classifies operations, injects seeded faults the client really sees, and counts them."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import boto3
import pytest
import requests
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError, SSLError
from moto.server import ThreadedMotoServer
from zoom_sandbox.s3_proxy import FaultPlan, ProxyConfig, S3FaultProxy, classify, start_s3_proxy
from zoom_sandbox.services import free_port
from zoom_sandbox.tls import make_tls

BUCKET = "proxy-test"
MIB = 1024 * 1024
DATA = bytes(range(256)) * (12 * MIB // 256)  # 12 MiB: three 5 MiB parts


@pytest.fixture(scope="module")
def moto_url():
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def proxy(moto_url):
    with S3FaultProxy(moto_url) as running:
        yield running


def client(url: str, attempts: int = 1):
    retries = {"mode": "standard", "total_max_attempts": attempts}
    config = Config(retries=retries, connect_timeout=5, read_timeout=30)
    return boto3.client(
        "s3", endpoint_url=url, region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s", config=config
    )


@pytest.fixture
def bucket(moto_url, make_bucket):
    return make_bucket(client(moto_url), BUCKET)


def upload(s3, key: str, data: bytes = DATA) -> None:
    config = TransferConfig(multipart_threshold=5 * MIB, multipart_chunksize=5 * MIB, max_concurrency=2)
    s3.upload_fileobj(io.BytesIO(data), BUCKET, key, Config=config)


class TestClassify:
    @pytest.mark.parametrize(
        ("method", "path", "headers", "expected"),
        [
            ("PUT", "/b/k/x.mp4?partNumber=3&uploadId=abc", {}, ("UploadPart", "b", "k/x.mp4", "3")),
            ("PUT", "/b/k?partNumber=1&uploadId=u", {"x-amz-copy-source": "b/o"}, ("UploadPartCopy", "b", "k", "1")),
            ("POST", "/b/k?uploadId=abc", {}, ("CompleteMultipartUpload", "b", "k", "")),
            ("POST", "/b/k?uploads", {}, ("CreateMultipartUpload", "b", "k", "")),
            ("DELETE", "/b/k?uploadId=abc", {}, ("AbortMultipartUpload", "b", "k", "")),
            ("GET", "/b/k?uploadId=abc", {}, ("ListParts", "b", "k", "")),
            ("PUT", "/b/a%20b/c%2Fd", {}, ("PutObject", "b", "a b/c/d", "")),
            ("PUT", "/b/k", {"x-amz-copy-source": "b/o"}, ("CopyObject", "b", "k", "")),
            ("PUT", "/b/k?tagging", {}, ("PutObjectTagging", "b", "k", "")),
            ("GET", "/b/k?tagging", {}, ("GetObjectTagging", "b", "k", "")),
            ("HEAD", "/b/k", {}, ("HeadObject", "b", "k", "")),
            ("GET", "/b/k", {}, ("GetObject", "b", "k", "")),
            ("GET", "/b?uploads", {}, ("ListMultipartUploads", "b", "", "")),
            ("GET", "/b?list-type=2&prefix=p", {}, ("ListObjects", "b", "", "")),
            ("PUT", "/b", {}, ("PutBucket", "b", "", "")),
            ("GET", "/", {}, ("ListBuckets", "", "", "")),
        ],
    )
    def test_operations(self, method, path, headers, expected):
        assert classify(method, path, headers) == expected


class TestDecisions:
    def test_seeded_and_independent_of_order(self):
        config = ProxyConfig.from_json({"seed": 3, "faults": {"UploadPart": {"rate": 0.3}}})
        parts = [("k", str(n)) for n in range(1, 200)]
        first = FaultPlan(config)
        forward = {p: first.decide("UploadPart", "b", *p) for p in parts}
        second = FaultPlan(config)
        backward = {p: second.decide("UploadPart", "b", *p) for p in reversed(parts)}
        assert forward == backward
        share = sum(v is not None for v in forward.values()) / len(parts)
        assert 0.2 < share < 0.4
        other_seed = FaultPlan(ProxyConfig.from_json({"seed": 4, "faults": {"UploadPart": {"rate": 0.3}}}))
        assert {p: other_seed.decide("UploadPart", "b", *p) for p in parts} != forward

    def test_burst_repeats_the_fault_then_lets_the_request_through(self):
        plan = FaultPlan(ProxyConfig.from_json({"faults": {"PutObject": {"rate": 1.0, "kinds": ["503"], "burst": 3}}}))
        assert [plan.decide("PutObject", "b", "k", "") for _ in range(3)] == ["503"] * 3
        plan.configure(ProxyConfig.from_json({"faults": {"PutObject": {"rate": 0.0}}}))
        assert plan.decide("PutObject", "b", "k", "") is None

    def test_only_configured_operations_are_faulted(self):
        plan = FaultPlan(ProxyConfig.from_json({"faults": {"UploadPart": {"rate": 1.0}}}))
        assert plan.decide("PutObject", "b", "k", "") is None
        assert plan.decide("HeadObject", "b", "k", "") is None
        assert plan.decide("UploadPart", "b", "k", "1") in ("500", "503")

    def test_even_spacing_faults_exactly_the_share_with_kinds_in_turn(self):
        rule = {"rate": 0.25, "kinds": ["500", "drop"], "spacing": "even"}
        plan = FaultPlan(ProxyConfig.from_json({"faults": {"UploadPart": rule}}))
        decisions = [plan.decide("UploadPart", "b", f"k{n % 3}", str(n)) for n in range(1, 17)]
        assert decisions == [None, None, None, "500", None, None, None, "drop"] * 2

    def test_sticky_rule_fails_one_key_a_number_of_times_first(self):
        sticky = {"op": "PutObject", "key_contains": "file-42", "kind": "503", "count": 2}
        plan = FaultPlan(ProxyConfig.from_json({"sticky": [sticky], "faults": {"PutObject": {"rate": 0.0}}}))
        assert plan.decide("PutObject", "b", "zoom/other.mp4", "") is None
        assert plan.decide("UploadPart", "b", "zoom/file-42.mp4", "1") is None
        assert [plan.decide("PutObject", "b", "zoom/x_file-42.mp4", "") for _ in range(3)] == ["503", "503", None]
        assert plan.snapshot()["sticky_used"] == [2]

    @pytest.mark.parametrize(
        "bad",
        [
            {"faults": {"UploadPart": {"rate": 2}}},
            {"faults": {"UploadPart": {"kinds": ["418"]}}},
            {"faults": {"UploadPart": {"burst": 0}}},
            {"faults": {"UploadPart": {"rat": 0.1}}},
            {"faults": []},
            {"sede": 1},
            {"sticky": [{"op": "PutObject"}]},
            {"faults": {"UploadPart": {"spacing": "sometimes"}}},
            {"sticky": [{"op": "PutObject", "key_contains": "k", "kind": "404"}]},
            {"sticky": {"op": "PutObject"}},
        ],
    )
    def test_config_is_validated(self, bad):
        with pytest.raises(ValueError, match="faults|config|rate|kinds|burst|keys|sticky|spacing"):
            ProxyConfig.from_json(bad)


class TestProxy:
    def test_forwards_everything_unchanged_without_faults(self, proxy, bucket):
        s3 = client(proxy.url)
        upload(s3, "big/file.mp4")
        s3.put_object(Bucket=bucket, Key="small/ü n/file.txt", Body=b"hello", Metadata={"zoom-file-id": "f1"})
        s3.put_object_tagging(Bucket=bucket, Key="small/ü n/file.txt", Tagging={"TagSet": [{"Key": "a", "Value": "b"}]})
        assert s3.get_object(Bucket=bucket, Key="big/file.mp4")["Body"].read() == DATA
        head = s3.head_object(Bucket=bucket, Key="small/ü n/file.txt")
        assert head["ContentLength"] == 5
        assert head["Metadata"] == {"zoom-file-id": "f1"}
        with pytest.raises(ClientError) as info:
            s3.head_object(Bucket=bucket, Key="missing")
        assert info.value.response["Error"]["Code"] == "404"
        stats = proxy.stats()
        assert stats["faults_total"] == 0
        assert stats["requests"]["UploadPart"] == 3
        assert stats["requests"]["CompleteMultipartUpload"] == 1
        assert stats["requests"]["PutObject"] == 1

    @pytest.mark.parametrize(("kind", "code"), [("500", "InternalError"), ("503", "SlowDown")])
    def test_error_answers_reach_the_client_and_nothing_is_stored(self, proxy, bucket, kind, code):
        proxy.configure({"faults": {"PutObject": {"rate": 1.0, "kinds": [kind]}}})
        s3 = client(proxy.url)
        with pytest.raises(ClientError) as info:
            s3.put_object(Bucket=bucket, Key="k", Body=b"x")
        assert info.value.response["Error"]["Code"] == code
        assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == int(kind)
        assert "Contents" not in client(proxy.url).list_objects_v2(Bucket=bucket)
        assert proxy.stats()["faults"] == {f"PutObject:{kind}": 1}

    def test_drop_closes_the_connection_before_s3_sees_the_request(self, proxy, bucket):
        proxy.configure({"faults": {"PutObject": {"rate": 1.0, "kinds": ["drop"]}}})
        with pytest.raises((ConnectionClosedError, EndpointConnectionError)):
            client(proxy.url).put_object(Bucket=bucket, Key="k", Body=b"x")
        assert "Contents" not in client(proxy.url).list_objects_v2(Bucket=bucket)
        assert proxy.stats()["faults_by_kind"] == {"drop": 1}

    def test_drop_after_applies_the_request_but_loses_the_answer(self, proxy, bucket):
        proxy.configure({"faults": {"PutObject": {"rate": 1.0, "kinds": ["drop_after"]}}})
        with pytest.raises((ConnectionClosedError, EndpointConnectionError)):
            client(proxy.url).put_object(Bucket=bucket, Key="k", Body=b"stored anyway")
        assert client(proxy.url).get_object(Bucket=bucket, Key="k")["Body"].read() == b"stored anyway"
        assert proxy.stats()["upstream_status"]["PutObject:200"] == 1

    def test_a_failing_part_fails_the_upload_and_the_transfer_manager_aborts_it(self, proxy, bucket):
        proxy.configure({"faults": {"UploadPart": {"rate": 1.0, "kinds": ["500"]}}})
        s3 = client(proxy.url)
        with pytest.raises(ClientError):
            upload(s3, "big/file.mp4")
        assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
        stats = proxy.stats()
        assert stats["requests"]["AbortMultipartUpload"] == 1
        assert stats["faults_by_kind"]["500"] >= 1

    def test_sdk_retries_absorb_single_faults_but_each_one_is_counted(self, proxy, bucket):
        # botocore retries 5xx and dropped connections itself: the faults are seen (and counted) by the client
        # even when the caller never notices them.
        proxy.configure({"seed": 1, "faults": {"UploadPart": {"rate": 0.5, "kinds": ["500", "503", "drop"]}}})
        s3 = client(proxy.url, attempts=10)
        upload(s3, "big/file.mp4")
        assert s3.get_object(Bucket=bucket, Key="big/file.mp4")["Body"].read() == DATA
        stats = proxy.stats()
        assert stats["faults_total"] >= 1
        assert stats["requests"]["UploadPart"] == 3 + stats["faults_total"]
        assert [e["op"] for e in stats["events"]] == ["UploadPart"] * stats["faults_total"]

    def test_control_plane(self, proxy):
        base = f"{proxy.url}/_proxy"
        assert requests.get(f"{base}/health", timeout=5).json() == {"ok": True}
        config = requests.post(f"{base}/config", json={"faults": {"PutObject": {"rate": 0.5}}}, timeout=5).json()
        assert config["faults"]["PutObject"]["rate"] == 0.5
        refused = requests.post(f"{base}/config", json={"faults": {"PutObject": {"rate": 5}}}, timeout=5)
        assert refused.status_code == 400
        assert requests.get(f"{base}/config", timeout=5).json()["faults"]["PutObject"]["rate"] == 0.5
        assert requests.post(f"{base}/stats/reset", timeout=5).json() == {"ok": True}
        assert requests.get(f"{base}/stats", timeout=5).json()["requests"] == {}
        assert requests.get(f"{base}/nope", timeout=5).status_code == 404


def test_runs_as_a_process(moto_url, tmp_path, bucket):
    config = {"seed": 2, "faults": {"PutObject": {"rate": 1.0, "kinds": ["503"]}}}
    service = start_s3_proxy(tmp_path, moto_url, config)
    try:
        with pytest.raises(ClientError):
            client(service.url).put_object(Bucket=bucket, Key="k", Body=b"x")
        stats = requests.get(f"{service.url}/_proxy/stats", timeout=5).json()
        assert stats["faults"] == {"PutObject:503": 1}
    finally:
        service.stop()
    log = (tmp_path / "s3-fault-proxy.log").read_text()
    assert "PutObject PUT /proxy-test/k 503" in log
    assert "final stats" in log


def test_cli_rejects_a_bad_config():
    bad = json.dumps({"faults": {"PutObject": {"rate": 7}}})
    cmd = [sys.executable, "-m", "zoom_sandbox.s3_proxy", "--upstream", "http://127.0.0.1:9", "--config", bad]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "rate must be between 0 and 1" in proc.stderr


class TestTLS:
    """The proxy as an HTTPS front of moto, with a CA made by the test and verification on."""

    @pytest.fixture
    def tls(self, tmp_path):
        return make_tls(tmp_path / "tls")

    @pytest.fixture
    def https_proxy(self, moto_url, tls):
        with S3FaultProxy(moto_url, tls=tls) as running:
            yield running

    def https_client(self, proxy, tls, **config):
        return boto3.client(
            "s3", endpoint_url=proxy.url, region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s",
            verify=str(tls.ca_path), config=Config(retries={"total_max_attempts": 1}, **config),
        )  # fmt: skip

    def test_uploads_over_https_take_the_crc32_trailer_path_and_store_the_right_bytes(
        self, https_proxy, tls, bucket, moto_url
    ):
        assert https_proxy.url.startswith("https://")
        s3 = self.https_client(https_proxy, tls)
        upload(s3, "big.bin")  # 3 parts
        s3.put_object(Bucket=BUCKET, Key="small.bin", Body=b"hello")

        payloads = https_proxy.stats()["payloads"]
        assert payloads == {
            "UploadPart STREAMING-UNSIGNED-PAYLOAD-TRAILER x-amz-checksum-crc32 aws-chunked": 3,
            "PutObject STREAMING-UNSIGNED-PAYLOAD-TRAILER x-amz-checksum-crc32 aws-chunked": 1,
        }
        assert client(moto_url).get_object(Bucket=BUCKET, Key="big.bin")["Body"].read() == DATA
        assert s3.get_object(Bucket=BUCKET, Key="small.bin")["Body"].read() == b"hello"

    def test_when_required_sends_no_checksum_trailer(self, https_proxy, tls, bucket):
        s3 = self.https_client(
            https_proxy, tls, request_checksum_calculation="when_required", response_checksum_validation="when_required"
        )
        upload(s3, "big.bin")
        # the classic request every S3-compatible store takes: the body's SHA-256 signed, no aws-chunked, no trailer
        assert https_proxy.stats()["payloads"] == {"UploadPart sha256 - -": 3}

    def test_a_client_without_the_ca_is_refused(self, https_proxy, bucket):
        s3 = boto3.client(
            "s3", endpoint_url=https_proxy.url, region_name="us-east-1", aws_access_key_id="k",
            aws_secret_access_key="s", config=Config(retries={"total_max_attempts": 1}),
        )  # fmt: skip
        with pytest.raises(SSLError):
            s3.head_bucket(Bucket=BUCKET)
