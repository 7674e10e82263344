"""The deployment files, parsed once per test module: docker-compose.yaml, its services, the ``x-airflow-common``
block and its environment, and .env.example.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from dotenv import dotenv_values

from tests.deploy.compose_file import COMPOSE_FILE, ENV_EXAMPLE, environment


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


@pytest.fixture(scope="module")
def common(compose: dict[str, Any]) -> dict[str, Any]:
    return compose["x-airflow-common"]


@pytest.fixture(scope="module")
def common_env(common: dict[str, Any]) -> dict[str, str]:
    return environment(common)


@pytest.fixture(scope="module")
def env_example() -> dict[str, str | None]:
    return dotenv_values(ENV_EXAMPLE)
