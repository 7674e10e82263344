"""Static and local checks of the Docker deployment files.

Docker is not available where this suite runs, so instead of ``docker compose config`` and
``docker build`` these tests parse ``docker-compose.yaml``, ``Dockerfile``, ``.env.example`` and
``.dockerignore`` and check what can be checked without a daemon. This module: a well-formed Compose file with the
service layout of the official Airflow 3 CeleryExecutor compose file, healthchecks and start-up order. The others:
one shared configuration for every Airflow component (test_compose_config.py), the sandbox profile and, by running
them locally, its services' commands (test_compose_sandbox.py), the documentation of every variable
(test_env_example.py), the image build (test_dockerfile.py, test_dockerfile_build.py).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.deploy.compose_file import (
    AIRFLOW_DAEMONS,
    DEPENDS_ON_CONDITIONS,
    KNOWN_HEALTHCHECK_KEYS,
    KNOWN_SERVICE_KEYS,
    KNOWN_TOP_LEVEL_KEYS,
    RESTART_POLICIES,
    as_argv,
    container_port,
    environment,
    healthcheck_text,
    iter_strings,
    iter_variable_refs,
)


# ----------------------------------------------------------------------------------------------------
# docker-compose.yaml: a well-formed Compose file
# ----------------------------------------------------------------------------------------------------
def test_compose_uses_only_known_keys(compose: dict[str, Any], services: dict[str, dict[str, Any]]) -> None:
    unknown = {key for key in compose if not key.startswith("x-")} - KNOWN_TOP_LEVEL_KEYS
    assert not unknown, f"unknown top-level keys: {unknown}"
    for name, service in services.items():
        assert re.fullmatch(r"[a-zA-Z0-9._-]+", name)
        assert set(service) <= KNOWN_SERVICE_KEYS, f"{name}: unknown keys {set(service) - KNOWN_SERVICE_KEYS}"
        assert "image" in service or "build" in service, f"{name} has neither image nor build"
        if "healthcheck" in service:
            assert set(service["healthcheck"]) <= KNOWN_HEALTHCHECK_KEYS, name
            test = service["healthcheck"]["test"]
            assert isinstance(test, str) or test[0] in {"CMD", "CMD-SHELL", "NONE"}, name
        if "restart" in service:
            assert service["restart"] in RESTART_POLICIES, name


def test_compose_interpolations_are_well_formed(compose: dict[str, Any]) -> None:
    refs = [ref for text in iter_strings(compose) for ref in iter_variable_refs(text)]
    assert refs, "no ${...} interpolation found at all"


def test_named_volumes_are_declared(compose: dict[str, Any], services: dict[str, dict[str, Any]]) -> None:
    declared = set(compose.get("volumes") or {})
    for name, service in services.items():
        for volume in service.get("volumes", []):
            source = str(volume).split(":", 1)[0]
            if not source.startswith(("$", ".", "/", "~")):
                assert source in declared, f"{name} uses undeclared named volume {source!r}"


def test_depends_on_targets_exist_and_respect_profiles(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        for target, spec in (service.get("depends_on") or {}).items():
            assert target in services, f"{name} depends on unknown service {target!r}"
            assert target != name
            assert spec["condition"] in DEPENDS_ON_CONDITIONS, f"{name} -> {target}: {spec}"
            if "healthy" in spec["condition"]:
                assert "healthcheck" in services[target], f"{name} waits for {target} healthy: no healthcheck"
            # A service outside a profile may not depend on one that only exists in a profile.
            if services[target].get("profiles"):
                assert set(service.get("profiles", [])) & set(services[target]["profiles"]), (
                    f"{name} depends on {target}, which only runs in profiles {services[target]['profiles']}"
                )


# ----------------------------------------------------------------------------------------------------
# docker-compose.yaml: the official Airflow 3 CeleryExecutor layout
# ----------------------------------------------------------------------------------------------------
def test_backing_services(services: dict[str, dict[str, Any]]) -> None:
    assert services["postgres"]["image"] == "postgres:16"
    assert "pg_isready" in healthcheck_text(services["postgres"])
    assert any("/var/lib/postgresql/data" in str(v) for v in services["postgres"]["volumes"])
    assert services["redis"]["image"] == "redis:7.2-bookworm"
    assert "redis-cli ping" in healthcheck_text(services["redis"])


@pytest.mark.parametrize(("name", "argv"), AIRFLOW_DAEMONS.items())
def test_airflow_daemon_commands(services: dict[str, dict[str, Any]], name: str, argv: list[str]) -> None:
    service = services[name]
    assert as_argv(service["command"]) == argv
    assert "entrypoint" not in service, f"{name} must run through the image's entrypoint"
    assert not service.get("profiles"), f"{name} must start with a plain `docker compose up`"
    assert service.get("restart") == "always"


def test_flower_is_optional(services: dict[str, dict[str, Any]]) -> None:
    assert as_argv(services["flower"]["command"]) == ["celery", "flower"]
    assert services["flower"]["profiles"] == ["flower"]
    assert any(container_port(p) == 5555 for p in services["flower"]["ports"])


def test_airflow_init_migrates_and_creates_admin(services: dict[str, dict[str, Any]]) -> None:
    init = services["airflow-init"]
    env = environment(init)
    assert env["_AIRFLOW_DB_MIGRATE"] == "true"
    assert env["_AIRFLOW_WWW_USER_CREATE"] == "true"
    assert "_AIRFLOW_WWW_USER_USERNAME" in env
    password = list(iter_variable_refs(env["_AIRFLOW_WWW_USER_PASSWORD"]))
    assert password == [("_AIRFLOW_WWW_USER_PASSWORD", ":?")], "the admin password must be required"
    assert str(init["user"]) == "0:0", "init chowns the mounted folders, so it runs as root"
    assert init.get("restart", "no") == "no"
    script = as_argv(init["command"])[-1]
    assert "/entrypoint " in script, "init must go through the image entrypoint (migration, admin user)"
    assert "chown" in script


def test_worker_can_be_scaled(services: dict[str, dict[str, Any]]) -> None:
    worker = services["airflow-worker"]
    for key in ("container_name", "hostname", "ports"):
        assert key not in worker, f"airflow-worker sets {key}: `--scale airflow-worker=N` would clash"
    assert environment(worker)["DUMB_INIT_SETSID"] == "0", "needed for warm Celery shutdown"


# ----------------------------------------------------------------------------------------------------
# Healthchecks and start-up order
# ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "probe"),
    [
        ("airflow-apiserver", "http://localhost:8080/api/v2/version"),
        ("airflow-scheduler", "http://localhost:8974/health"),
        ("airflow-dag-processor", "airflow jobs check --job-type DagProcessorJob"),
        ("airflow-worker", "celery_executor.app inspect ping"),
        ("airflow-triggerer", "airflow jobs check --job-type TriggererJob"),
        ("flower", "http://localhost:5555/"),
        ("zoom-emulator", "/_emulator/health"),
        ("s3", "/moto-api/"),
    ],
)
def test_healthchecks(services: dict[str, dict[str, Any]], name: str, probe: str) -> None:
    assert probe in healthcheck_text(services[name])


def test_every_long_running_service_has_a_healthcheck(services: dict[str, dict[str, Any]]) -> None:
    one_shot = {"airflow-init", "airflow-cli", "sandbox-bucket"}
    for name, service in services.items():
        if name not in one_shot:
            assert "healthcheck" in service, f"{name} has no healthcheck"


def test_start_up_order(services: dict[str, dict[str, Any]]) -> None:
    for name in [*AIRFLOW_DAEMONS, "flower"]:
        condition = services[name]["depends_on"]["airflow-init"]["condition"]
        assert condition == "service_completed_successfully", name
    assert services["airflow-worker"]["depends_on"]["airflow-apiserver"]["condition"] == "service_healthy"
    assert "airflow-init" not in services["airflow-init"]["depends_on"]
    assert services["sandbox-bucket"]["depends_on"]["s3"]["condition"] == "service_healthy"


def test_scheduler_health_server_is_enabled(common_env: dict[str, str]) -> None:
    assert common_env["AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK"] == "true"
