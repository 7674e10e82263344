""".env.example documents every variable compose reads, holds no secret value, and its connections and Variables
(the commented-out sandbox block included) point at the right services.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

from tests.deploy.compose_file import (
    ENV_EXAMPLE,
    SHARED_SECRETS,
    as_argv,
    iter_strings,
    iter_variable_refs,
    option,
    sandbox_env_block,
)


def test_required_variables_are_in_env_example(compose: dict[str, Any], env_example: dict[str, str | None]) -> None:
    refs = {ref for text in iter_strings(compose) for ref in iter_variable_refs(text)}
    required = {name for name, op in refs if op in (None, ":?", "?")}
    assert required, "expected required variables (the shared secrets)"
    missing = required - set(env_example)
    assert not missing, f"referenced without a default but not assigned in .env.example: {missing}"
    text = ENV_EXAMPLE.read_text()
    undocumented = {name for name, _ in refs if not re.search(rf"^#?\s*{name}=", text, re.MULTILINE)}
    assert not undocumented, f"not mentioned in .env.example: {undocumented}"


def test_env_example_contains_no_secret_values(env_example: dict[str, str | None]) -> None:
    for secret in [*SHARED_SECRETS, "_AIRFLOW_WWW_USER_PASSWORD"]:
        assert env_example[secret] == "", f"{secret} must be an empty placeholder in .env.example"
    zoom = json.loads(env_example["AIRFLOW_CONN_ZOOM_DEFAULT"] or "")
    assert zoom["login"].startswith("<"), "client id must be a <placeholder>"
    assert zoom["password"].startswith("<"), "client secret must be a <placeholder>"


def test_env_example_connections(env_example: dict[str, str | None]) -> None:
    zoom = json.loads(env_example["AIRFLOW_CONN_ZOOM_DEFAULT"] or "")
    assert zoom["conn_type"] == "zoom"
    assert zoom["host"].startswith("https://")
    assert zoom["host"].rstrip("/").endswith("/v2")
    assert {"account_id", "oauth_token_url"} <= set(zoom["extra"])
    assert urlsplit(zoom["extra"]["oauth_token_url"]).scheme == "https"
    aws = json.loads(env_example["AIRFLOW_CONN_AWS_DEFAULT"] or "")
    assert aws["conn_type"] == "aws"
    assert aws["extra"]["region_name"]


def test_env_example_variables(env_example: dict[str, str | None]) -> None:
    assert env_example["AIRFLOW_VAR_ZOOM_ARCHIVE_BUCKET"]
    assert env_example["AIRFLOW_VAR_ZOOM_ARCHIVE_PREFIX"] == "zoom"
    assert env_example["AIRFLOW_UID"] == "50000"


def test_env_example_sandbox_block_targets_the_sandbox_services(services: dict[str, dict[str, Any]]) -> None:
    sandbox = sandbox_env_block()
    emulator_argv = as_argv(services["zoom-emulator"]["command"])
    api_port = int(option(emulator_argv, "--api-port"))
    s3_port = int(option(as_argv(services["s3"]["command"]), "-p"))

    zoom = json.loads(sandbox["AIRFLOW_CONN_ZOOM_DEFAULT"] or "")
    assert zoom["conn_type"] == "zoom"
    host = urlsplit(zoom["host"])
    assert (host.hostname, host.port, host.path.rstrip("/")) == ("zoom-emulator", api_port, "/v2")
    token_url = urlsplit(zoom["extra"]["oauth_token_url"])
    assert (token_url.hostname, token_url.port) == ("zoom-emulator", api_port)
    assert option(emulator_argv, "--cdn-host-name") in zoom["extra"]["download_hosts"]
    assert zoom["extra"]["allow_http_downloads"] is True
    assert zoom["extra"]["account_id"]

    aws = json.loads(sandbox["AIRFLOW_CONN_AWS_DEFAULT"] or "")
    assert aws["conn_type"] == "aws"
    endpoint = urlsplit(aws["extra"]["endpoint_url"])
    assert (endpoint.hostname, endpoint.port) == ("s3", s3_port)
    assert sandbox["AIRFLOW_VAR_ZOOM_ARCHIVE_BUCKET"]
