"""The sandbox profile of docker-compose.yaml: the Zoom emulator, moto's S3 server and the job that creates the bucket,
only in that profile, on their own image; the s3 and zoom-emulator services' own commands are run here.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode, urlsplit

import boto3
import pytest

from tests.deploy.compose_file import (
    SANDBOX_SERVICES,
    as_argv,
    container_port,
    environment,
    free_port,
    healthcheck_text,
    interpolate,
    option,
    sandbox_env_block,
    url_port,
)


def test_sandbox_services_only_run_in_the_sandbox_profile(services: dict[str, dict[str, Any]]) -> None:
    for name in SANDBOX_SERVICES:
        assert services[name]["profiles"] == ["sandbox"], name
        # One sandbox image for the three (x-sandbox-common), never the image the Airflow services run.
        for key in ("image", "build"):
            assert services[name][key] == services[SANDBOX_SERVICES[0]][key], f"{name}: {key}"
        assert services[name]["image"] != services["airflow-apiserver"]["image"], f"{name}: production image"
        assert services[name]["build"] != services["airflow-apiserver"]["build"], f"{name}: production build"
    for name, service in services.items():
        if name not in SANDBOX_SERVICES:
            assert "sandbox" not in service.get("profiles", []), name
            assert not set(service.get("depends_on") or {}) & set(SANDBOX_SERVICES), name


def test_zoom_emulator_service(services: dict[str, dict[str, Any]]) -> None:
    emulator = services["zoom-emulator"]
    argv = as_argv(emulator["command"])
    assert argv[:3] == ["python", "-m", "zoom_emulator"]
    assert option(argv, "--seed") == "demo"
    assert option(argv, "--bind") == "0.0.0.0", "must listen beyond the container's loopback"
    # The emulator writes its own host names into the URLs it returns: they must be the service name.
    assert option(argv, "--api-host-name") == option(argv, "--cdn-host-name") == "zoom-emulator"
    api_port, cdn_port = int(option(argv, "--api-port")), int(option(argv, "--cdn-port"))
    assert (api_port, cdn_port) == (9010, 9011)
    assert {container_port(p) for p in emulator["ports"]} == {api_port, cdn_port}
    health = re.search(r"https?://\S+", healthcheck_text(emulator))
    assert health, "zoom-emulator healthcheck has no URL"
    assert url_port(health[0]) == api_port


def test_s3_service_runs_moto_on_the_published_port(services: dict[str, dict[str, Any]]) -> None:
    argv = as_argv(services["s3"]["command"])
    assert argv[:3] == ["python", "-m", "moto.server"]
    assert option(argv, "-H") == "0.0.0.0"
    port = int(option(argv, "-p"))
    assert {container_port(p) for p in services["s3"]["ports"]} == {port}
    health = re.search(r"https?://\S+", healthcheck_text(services["s3"]))
    assert health, "s3 healthcheck has no URL"
    assert url_port(health[0]) == port
    endpoint = urlsplit(environment(services["sandbox-bucket"])["SANDBOX_S3_ENDPOINT_URL"])
    assert (endpoint.hostname, endpoint.port) == ("s3", port)


def with_option(argv: list[str], flag: str, value: str) -> list[str]:
    argv = list(argv)
    argv[argv.index(flag) + 1] = value
    return argv


def local_health_url(service: dict[str, Any], port: int) -> str:
    """The service's healthcheck URL, pointed at 127.0.0.1:``port``."""
    health = re.search(r"https?://\S+", healthcheck_text(service))
    assert health, "healthcheck has no URL"
    return urlsplit(health[0])._replace(netloc=f"127.0.0.1:{port}").geturl()


@contextmanager
def running(argv: list[str], health_url: str) -> Iterator[None]:
    """Run a service's ``python ...`` command locally until its healthcheck URL answers 200."""
    assert argv[0] == "python"
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen([sys.executable, *argv[1:]], stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    with urllib.request.urlopen(health_url, timeout=2) as response:
                        assert response.status == 200
                        break
                except OSError:
                    if process.poll() is not None:
                        log.seek(0)
                        pytest.fail(f"{argv} exited: {log.read().decode(errors='replace')[-2000:]}")
                    assert time.monotonic() < deadline, f"{health_url} never answered 200"
                    time.sleep(0.2)
            yield
        finally:
            process.terminate()
            process.wait(timeout=30)


def test_s3_service_command_and_sandbox_bucket_job(services: dict[str, dict[str, Any]]) -> None:
    """Run the s3 service's own command locally, probe its healthcheck, run sandbox-bucket twice."""
    port = free_port()
    argv = with_option(with_option(as_argv(services["s3"]["command"]), "-H", "127.0.0.1"), "-p", str(port))
    bucket_job = services["sandbox-bucket"]
    assert bucket_job["env_file"] == ["${ENV_FILE_PATH:-.env}"], "reads the bucket name from the env file"
    job_argv = as_argv(bucket_job["command"])
    assert job_argv[:2] == ["python", "-c"]
    script = interpolate(job_argv[2], {})
    endpoint = f"http://127.0.0.1:{port}"
    with running(argv, local_health_url(services["s3"], port)):
        env = {
            **os.environ,
            "AIRFLOW_VAR_ZOOM_ARCHIVE_BUCKET": "zoom-archive-test",
            "SANDBOX_S3_ENDPOINT_URL": endpoint,
        }
        for _ in range(2):  # idempotent: every `docker compose --profile sandbox up` runs it again
            subprocess.run([sys.executable, "-c", script], env=env, check=True, timeout=60)
        s3 = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="sandbox",
            aws_secret_access_key="sandbox",
        )
        assert "zoom-archive-test" in {bucket["Name"] for bucket in s3.list_buckets()["Buckets"]}


def test_zoom_emulator_service_command_accepts_the_sandbox_connection(services: dict[str, dict[str, Any]]) -> None:
    """Run the zoom-emulator service's own command locally and log in with .env.example's sandbox block."""
    emulator = services["zoom-emulator"]
    api_port, cdn_port = free_port(), free_port()
    argv = as_argv(emulator["command"])
    argv = with_option(with_option(argv, "--api-port", str(api_port)), "--cdn-port", str(cdn_port))
    argv = with_option(argv, "--bind", "127.0.0.1")
    zoom = json.loads(sandbox_env_block()["AIRFLOW_CONN_ZOOM_DEFAULT"] or "")

    def local(url: str) -> str:
        return urlsplit(url)._replace(netloc=f"127.0.0.1:{api_port}").geturl()

    with running(argv, local_health_url(emulator, api_port)):
        credentials = base64.b64encode(f"{zoom['login']}:{zoom['password']}".encode()).decode()
        form = urlencode({"grant_type": "account_credentials", "account_id": zoom["extra"]["account_id"]})
        token_request = urllib.request.Request(
            local(zoom["extra"]["oauth_token_url"]),
            data=form.encode(),
            headers={"Authorization": f"Basic {credentials}"},
        )
        with urllib.request.urlopen(token_request, timeout=10) as response:
            token = json.load(response)
        # The emulator names itself with --api-host-name: the host the workers reach it by.
        assert urlsplit(token["api_url"]).hostname == urlsplit(zoom["host"]).hostname == "zoom-emulator"
        users_request = urllib.request.Request(
            local(zoom["host"]).rstrip("/") + "/users",
            headers={"Authorization": f"Bearer {token['access_token']}"},
        )
        with urllib.request.urlopen(users_request, timeout=10) as response:
            assert response.status == 200
            assert json.load(response)["users"], "the demo seed has users"
