"""One configuration for every Airflow component (compose's ``x-airflow-common``): executor, database and broker,
the shared secrets, the Task Execution API URL, the mounted folders, the login, and the scripts airflow-init runs
(run here); and the process-level full-stack test (tests/fullstack) configured the same way.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.deploy.compose_file import (
    AIRFLOW_SERVICES,
    ROOT,
    SHARED_SECRETS,
    MissingVariable,
    as_argv,
    container_port,
    environment,
    healthcheck_text,
    interpolate,
    iter_variable_refs,
    url_port,
)


@pytest.mark.parametrize("name", AIRFLOW_SERVICES)
def test_airflow_service_shares_common_config(
    services: dict[str, dict[str, Any]], common: dict[str, Any], common_env: dict[str, str], name: str
) -> None:
    service = services[name]
    env = environment(service)
    differing = {key: env.get(key) for key, value in common_env.items() if env.get(key) != value}
    assert not differing, f"{name} overrides or lacks x-airflow-common environment: {differing}"
    for key in ("image", "build", "env_file", "volumes"):
        assert service[key] == common[key], f"{name}: {key} differs from x-airflow-common"
    if name != "airflow-init":
        assert service["user"] == common["user"] == "${AIRFLOW_UID:-50000}:0"
    for dependency in ("postgres", "redis"):
        assert service["depends_on"][dependency]["condition"] == "service_healthy", name


def test_common_environment(common_env: dict[str, str], services: dict[str, dict[str, Any]]) -> None:
    assert common_env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert common_env["AIRFLOW__CORE__LOAD_EXAMPLES"].lower() == "false"
    assert common_env["AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK"].lower() == "true"
    assert "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION" in common_env
    resolved = {key: interpolate(value, {}) for key, value in common_env.items() if key not in SHARED_SECRETS}

    database = urlsplit(resolved["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
    assert (database.scheme, database.hostname) == ("postgresql+psycopg2", "postgres")
    assert "postgres" in services
    backend = urlsplit(resolved["AIRFLOW__CELERY__RESULT_BACKEND"])
    assert (backend.scheme, backend.hostname) == ("db+postgresql", "postgres")
    assert (backend.username, backend.password, backend.path) == (
        database.username,
        database.password,
        database.path,
    )
    broker = urlsplit(resolved["AIRFLOW__CELERY__BROKER_URL"])
    assert (broker.scheme, broker.hostname, broker.port or 6379) == ("redis", "redis", 6379)
    assert "redis" in services

    postgres_env = {key: interpolate(value, {}) for key, value in environment(services["postgres"]).items()}
    assert database.username == postgres_env["POSTGRES_USER"]
    assert database.password == postgres_env["POSTGRES_PASSWORD"]
    assert database.path == "/" + postgres_env["POSTGRES_DB"]


@pytest.mark.parametrize("secret", SHARED_SECRETS)
def test_shared_secrets_are_required_and_not_hardcoded(common_env: dict[str, str], secret: str) -> None:
    """One value for every component, taken from the env file, never a default baked into the file."""
    expression = common_env[secret]
    refs = list(iter_variable_refs(expression))
    assert refs == [(secret, ":?")], f"{secret} must be exactly ${{{secret}:?...}}, got {expression!r}"
    assert re.fullmatch(r"\$\{[A-Z_]+:\?[^}]*\}", expression), expression
    with pytest.raises(MissingVariable):
        interpolate(expression, {secret: ""})


def test_execution_api_url_points_at_the_apiserver(
    common_env: dict[str, str], services: dict[str, dict[str, Any]]
) -> None:
    url = urlsplit(common_env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"])
    apiserver = services["airflow-apiserver"]
    assert url.hostname == "airflow-apiserver"
    assert url.path == "/execution/"
    published = {container_port(p) for p in apiserver["ports"]}
    assert url_port(url.geturl()) in published, f"{url.geturl()} vs apiserver ports {apiserver['ports']}"
    health = re.search(r"https?://\S+", healthcheck_text(apiserver))
    assert health, "apiserver healthcheck has no URL"
    assert url_port(health[0]) == url_port(url.geturl())
    assert urlsplit(health[0]).path == "/api/v2/version"


def test_airflow_folders_are_mounted(common: dict[str, Any]) -> None:
    mounts = {}
    for volume in common["volumes"]:
        source, target = interpolate(volume, {}).split(":")[:2]
        mounts[target] = source
    assert mounts == {
        "/opt/airflow/dags": "./dags",
        "/opt/airflow/logs": "./logs",
        "/opt/airflow/config": "./config",
        "/opt/airflow/plugins": "./plugins",
    }
    for folder in ("dags", "plugins"):
        assert (ROOT / folder).is_dir(), f"{folder}/ is mounted but missing from the repository"


def test_simple_auth_manager_login_comes_from_the_env_file(
    common_env: dict[str, str], services: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    """airflow-init writes the SimpleAuthManager password file from _AIRFLOW_WWW_USER_* (run it here)."""
    users = common_env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS"]
    assert users == "${_AIRFLOW_WWW_USER_USERNAME:-airflow}:admin"
    init_env = environment(services["airflow-init"])
    assert init_env["_AIRFLOW_WWW_USER_USERNAME"] == "${_AIRFLOW_WWW_USER_USERNAME:-airflow}"
    passwords_file = common_env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"]
    assert passwords_file.startswith("/opt/airflow/config/"), "must live on the shared ./config mount"

    script = interpolate(as_argv(services["airflow-init"]["command"])[-1], {"AIRFLOW_UID": "1000"})
    snippet = re.search(r"python -c '(.*?)'", script, re.DOTALL)
    assert snippet, "airflow-init does not write the password file"
    target = tmp_path / "passwords.json"
    env = {
        **os.environ,
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(target),
        "_AIRFLOW_WWW_USER_USERNAME": "ops",
        "_AIRFLOW_WWW_USER_PASSWORD": "s3cr3t pass",
    }
    subprocess.run([sys.executable, "-c", snippet[1]], env=env, check=True, timeout=60)
    assert json.loads(target.read_text()) == {"ops": "s3cr3t pass"}
    assert target.stat().st_mode & 0o077 == 0, "password file must not be group/world readable"


def test_airflow_init_script_is_valid(services: dict[str, dict[str, Any]]) -> None:
    script = interpolate(as_argv(services["airflow-init"]["command"])[-1], {})
    subprocess.run(["bash", "-n"], input=script, text=True, check=True, timeout=60)
    inner = re.search(r"<<'EOF'\n(.*?)\nEOF\n", script, re.DOTALL)
    assert inner, "no checks script"
    subprocess.run(["bash", "-n"], input=inner[1], text=True, check=True, timeout=60)
    python = re.search(r"<<'PY'\n(.*?)\nPY\n", inner[1] + "\n", re.DOTALL)
    assert python, "no Fernet key check"
    compile(python[1], "fernet-check", "exec")


# ----------------------------------------------------------------------------------------------------
# The process-level full-stack test runs the same configuration as compose
# ----------------------------------------------------------------------------------------------------
def test_fullstack_settings_mirror_compose(common_env: dict[str, str]) -> None:
    """``tests/fullstack/stack_config.py`` (``AIRFLOW_ENV``) must configure Airflow the way compose does.

    Hosts and ports differ (processes on 127.0.0.1 instead of compose service names), so URLs are compared
    by scheme and path; secrets must be set for every process, their values are the stack's own.
    """
    stack_file = ROOT / "tests" / "fullstack" / "stack_config.py"
    if not stack_file.exists():
        pytest.skip("tests/fullstack/stack_config.py does not exist yet")
    spec = importlib.util.spec_from_file_location("_fullstack_stack_for_deploy_test", stack_file)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    fullstack: dict[str, str] = module.AIRFLOW_ENV

    def resolved(key: str) -> str:
        return interpolate(common_env[key], {})

    for key in ("AIRFLOW__CORE__EXECUTOR", "AIRFLOW__CORE__LOAD_EXAMPLES"):
        assert fullstack.get(key, "").lower() == resolved(key).lower(), key
    auth_manager = fullstack.get("AIRFLOW__CORE__AUTH_MANAGER", resolved("AIRFLOW__CORE__AUTH_MANAGER"))
    assert auth_manager == resolved("AIRFLOW__CORE__AUTH_MANAGER")
    for key in (
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
        "AIRFLOW__CELERY__RESULT_BACKEND",
        "AIRFLOW__CELERY__BROKER_URL",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL",
    ):
        assert key in fullstack, f"AIRFLOW_ENV lacks {key}"
        ours, theirs = urlsplit(resolved(key)), urlsplit(fullstack[key])
        assert theirs.scheme == ours.scheme, key
        if key == "AIRFLOW__CORE__EXECUTION_API_SERVER_URL":
            assert theirs.path == ours.path, key
    for secret in SHARED_SECRETS:
        assert fullstack.get(secret), f"AIRFLOW_ENV must set {secret} (one value for every process)"
