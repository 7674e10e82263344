"""``make demo``'s choice between the sandbox and real credentials (``zoom_sandbox.demo``), without starting anything:
``.env.example`` as shipped (or with its compose sandbox block) never passes as real credentials, and real ones are
used only once the user confirmed that a whole account gets archived."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from dotenv import dotenv_values
from zoom_sandbox import demo
from zoom_sandbox.services import Service

ROOT = Path(__file__).resolve().parents[2]
ENV_EXAMPLE = ROOT / ".env.example"

REAL = {
    "AIRFLOW_CONN_ZOOM_DEFAULT": json.dumps(
        {"conn_type": "zoom", "login": "abcDEF123", "password": "s3cr3t-value", "host": "https://api.zoom.us/v2",
         "extra": {"account_id": "Acc0unt1d"}}
    ),
    "AIRFLOW_CONN_AWS_DEFAULT": json.dumps({"conn_type": "aws", "extra": {"region_name": "eu-west-1"}}),
    "AIRFLOW_VAR_ZOOM_ARCHIVE_BUCKET": "acme-zoom-archive",
}  # fmt: skip


def example_env(*, sandbox_block: bool = False) -> dict[str, str]:
    """What the demo reads from ``.env.example`` copied to ``.env`` (optionally with its sandbox block uncommented)."""
    text = ENV_EXAMPLE.read_text()
    if sandbox_block:
        head, _, block = text.partition("# SANDBOX")
        text = head + re.sub(r"^#\s*(?=[A-Z_][A-Z0-9_]*=)", "", block, flags=re.MULTILINE)
    values = dotenv_values(stream=io.StringIO(text))
    return {k: v for k, v in values.items() if v is not None and k.startswith(demo.PASSED_PREFIXES)}


def test_env_example_as_shipped_is_refused_as_placeholders() -> None:
    problem = demo.real_credentials_problem(example_env())
    assert problem is not None
    assert "placeholders" in problem
    assert "AIRFLOW_CONN_ZOOM_DEFAULT" in problem
    assert "AIRFLOW_VAR_ZOOM_ARCHIVE_BUCKET" in problem  # the bucket is a <placeholder> too, not a real-looking name


def test_env_example_with_the_compose_sandbox_block_is_refused() -> None:
    problem = demo.real_credentials_problem(example_env(sandbox_block=True))
    assert problem is not None
    assert "compose sandbox" in problem


def test_env_example_does_not_confirm_a_real_account() -> None:
    assert not demo.real_account_confirmed(example_env())


@pytest.mark.parametrize("key", list(REAL))
def test_one_placeholder_left_is_enough_to_refuse(key: str) -> None:
    env = dict(REAL)
    env[key] = env[key].replace("acme-zoom-archive", "<your-bucket-name>").replace("abcDEF123", "<zoom-client-id>")
    if env[key] == REAL[key]:
        env[key] = ""
    assert demo.real_credentials_problem(env) is not None
    assert demo.real_credentials_problem(REAL) is None


def test_real_credentials_without_confirmation_start_nothing(tmp_path: Path) -> None:
    started: list[Service] = []
    with pytest.raises(SystemExit) as stopped:
        demo._sandbox_unless_real(dict(REAL), ".env", tmp_path, started)
    message = str(stopped.value)
    assert "every user of that Zoom account" in message
    assert "s3://acme-zoom-archive/" in message
    assert "ZOOM_DEMO_REAL_ACCOUNT=yes" in message
    assert "s3cr3t-value" not in message
    assert started == []


@pytest.mark.parametrize("flag", ["yes", "YES", " yes "])
def test_real_credentials_confirmed_use_the_real_services(tmp_path: Path, flag: str) -> None:
    started: list[Service] = []
    env = {**REAL, demo.REAL_ACCOUNT_FLAG: flag}
    assert demo._sandbox_unless_real(env, ".env", tmp_path, started) is None
    assert started == []


@pytest.mark.parametrize("flag", ["", "no", "true", "1"])
def test_only_yes_confirms(flag: str) -> None:
    assert not demo.real_account_confirmed({demo.REAL_ACCOUNT_FLAG: flag})
