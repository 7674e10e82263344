"""Static and local checks of the Docker deployment files.

Docker is not available where this suite runs, so instead of ``docker compose config`` and
``docker build`` these tests parse ``docker-compose.yaml``, ``Dockerfile``, ``.env.example`` and
``.dockerignore`` and check what can be checked without a daemon: the service layout of the official
Airflow 3 CeleryExecutor compose file, one shared configuration for every Airflow component, the
sandbox profile, healthchecks and start-up order, the image build, the documentation of every
variable, and (by running them locally) the scripts embedded in the compose file.

The Dockerfile has two targets: ``production`` (the default; requirements and the product only) for the
Airflow services and ``sandbox`` (production plus sandbox/) for the sandbox services. Its build is checked
by staging each stage's COPYs into a temporary directory, building the wheel that stage's pip would build, and
running the stage's own build checks against it (see also test_packaging.py for the wheels themselves).
"""

from __future__ import annotations

import ast
import base64
import importlib.metadata
import importlib.util
import io
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import boto3
import pytest
import yaml
from dotenv import dotenv_values
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from tests.deploy.wheels import Wheel, build_wheels

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yaml"
DOCKERFILE = ROOT / "Dockerfile"
ENV_EXAMPLE = ROOT / ".env.example"
DOCKERIGNORE = ROOT / ".dockerignore"
REQUIREMENTS = ROOT / "requirements.txt"
PYPROJECT = ROOT / "pyproject.toml"
SANDBOX_PYPROJECT = ROOT / "sandbox" / "pyproject.toml"

BASE_IMAGE = "apache/airflow:3.3.2-python3.11"
# ENV of the official base image that the Dockerfile may use without defining it.
BASE_IMAGE_ENV = {"AIRFLOW_VERSION"}
# The images compose builds from the Dockerfile's two targets (distinct names: one never replaces the other).
PRODUCTION_IMAGE = "zoom-archiver:latest"
SANDBOX_IMAGE = "zoom-archiver-sandbox:latest"
# Our packages: the product (pyproject.toml) and the development sandbox (sandbox/pyproject.toml).
FIRST_PARTY_PACKAGES = {"zoom_archiver", "zoom_emulator", "zoom_sandbox"}

# Long-running Airflow components (official layout) and the command each one runs.
AIRFLOW_DAEMONS = {
    "airflow-apiserver": ["api-server"],
    "airflow-scheduler": ["scheduler"],
    "airflow-dag-processor": ["dag-processor"],
    "airflow-worker": ["celery", "worker"],
    "airflow-triggerer": ["triggerer"],
}
# Every service that runs Airflow code and must therefore share the x-airflow-common configuration.
AIRFLOW_SERVICES = [*AIRFLOW_DAEMONS, "airflow-init", "airflow-cli", "flower"]
SANDBOX_SERVICES = ["zoom-emulator", "s3", "sandbox-bucket"]
SHARED_SECRETS = ["AIRFLOW__CORE__FERNET_KEY", "AIRFLOW__API_AUTH__JWT_SECRET", "AIRFLOW__API__SECRET_KEY"]

# Keys of the Compose Specification that this project may use (a subset; anything else is a typo).
KNOWN_TOP_LEVEL_KEYS = {"version", "name", "include", "services", "networks", "volumes", "secrets", "configs"}
KNOWN_SERVICE_KEYS = {
    "build", "command", "container_name", "depends_on", "entrypoint", "env_file", "environment",
    "expose", "extra_hosts", "healthcheck", "hostname", "image", "init", "labels", "logging",
    "networks", "profiles", "ports", "pull_policy", "restart", "secrets", "stop_grace_period",
    "stop_signal", "user", "volumes", "working_dir", "deploy", "ulimits", "configs", "tmpfs",
}  # fmt: skip
KNOWN_BUILD_KEYS = {"context", "dockerfile", "target", "args", "labels", "cache_from", "tags", "platforms"}
KNOWN_HEALTHCHECK_KEYS = {"test", "interval", "timeout", "retries", "start_period", "start_interval", "disable"}
DEPENDS_ON_CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}
RESTART_POLICIES = {"no", "always", "on-failure", "unless-stopped"}


# ----------------------------------------------------------------------------------------------------
# Helpers
# ----------------------------------------------------------------------------------------------------
# Compose interpolation: $$ (a literal $), ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?err},
# ${NAME?err}, ${NAME:+alt}, ${NAME+alt} and $NAME.
_INTERPOLATION = re.compile(
    r"\$(?:(?P<escaped>\$)"
    r"|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}"
    r"|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))"
)


class MissingVariable(Exception):
    pass


def iter_variable_refs(text: str) -> Iterator[tuple[str, str | None]]:
    """Yield ``(name, operator)`` for every interpolation in ``text``; fail on malformed ``$``."""
    position = 0
    for match in _INTERPOLATION.finditer(text):
        between = text[position : match.start()]
        assert "$" not in between, f"invalid interpolation (use $$ for a literal $) in {text!r}"
        position = match.end()
        if match["escaped"]:
            continue
        yield (match["braced"] or match["bare"]), match["op"]
    assert "$" not in text[position:], f"invalid interpolation (use $$ for a literal $) in {text!r}"


def interpolate(text: str, env: dict[str, str]) -> str:
    """Resolve ``text`` the way docker compose does (the subset of the syntax listed above)."""

    def replace(match: re.Match[str]) -> str:
        if match["escaped"]:
            return "$"
        name = match["braced"] or match["bare"]
        op, arg = match["op"], match["arg"] or ""
        value = env.get(name)
        if op == ":-":
            return value if value else arg
        if op == "-":
            return arg if value is None else value
        if op in (":?", "?") and (value is None or (op == ":?" and not value)):
            raise MissingVariable(f"{name}: {arg}")
        if op == ":+":
            return arg if value else ""
        if op == "+":
            return "" if value is None else arg
        return value or ""

    return _INTERPOLATION.sub(replace, text)


def iter_strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from iter_strings(key)
            yield from iter_strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from iter_strings(item)


def as_argv(command: str | list[str]) -> list[str]:
    return shlex.split(command) if isinstance(command, str) else [str(part) for part in command]


def option(argv: list[str], flag: str) -> str:
    assert flag in argv, f"{flag} missing from {argv}"
    return argv[argv.index(flag) + 1]


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: str(value) for key, value in env.items()}


def container_port(mapping: str | int) -> int:
    """``"127.0.0.1:8080:80/tcp"`` -> 80."""
    return int(str(mapping).rsplit(":", 1)[-1].split("/")[0])


def healthcheck_text(service: dict[str, Any]) -> str:
    test = service["healthcheck"]["test"]
    return " ".join(test) if isinstance(test, list) else test


def url_port(url: str) -> int:
    parts = urlsplit(url)
    return parts.port or {"http": 80, "https": 443}[parts.scheme]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def dockerfile_instructions() -> list[tuple[str, str]]:
    """``[(INSTRUCTION, arguments)]`` with comments dropped and continuation lines joined."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in DOCKERFILE.read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        pending += line
        keyword, _, arguments = pending.partition(" ")
        instructions.append((keyword.upper(), " ".join(arguments.split())))
        pending = ""
    assert not pending, "Dockerfile ends with a line continuation"
    return instructions


@dataclass
class Stage:
    """One build stage: ``FROM base [AS name]`` and its instructions, with its ARG/ENV values substituted."""

    name: str | None
    base: str
    instructions: list[tuple[str, str]] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    # ``$NAME`` references that no ARG or ENV of this stage (or ENV of the stage it extends) defines.
    undefined: set[str] = field(default_factory=set)

    @property
    def label(self) -> str:
        return self.name or f"FROM {self.base}"

    def copies(self) -> list[tuple[list[str], str]]:
        """``[(sources, destination)]`` of this stage's COPYs."""
        copies = []
        for keyword, arguments in self.instructions:
            if keyword == "COPY":
                parts = [part for part in shlex.split(arguments) if not part.startswith("--")]
                copies.append((parts[:-1], parts[-1]))
        return copies

    def runs(self) -> list[list[list[str]]]:
        """Each RUN of this stage as its shell commands (split at ``&&``), each an argv list."""
        return [
            [shlex.split(part) for part in arguments.split("&&")]
            for keyword, arguments in self.instructions
            if keyword == "RUN"
        ]

    def commands(self) -> list[list[str]]:
        return [argv for run in self.runs() for argv in run]


def dockerfile_stages() -> list[Stage]:
    """The build stages, in order. ARGs are scoped like Docker's: an ARG before the first FROM only reaches
    the FROM lines and the stages that declare it again, a stage's ARGs end with it, ENV is inherited."""
    global_args: dict[str, str] = {}
    stages: list[Stage] = []
    args: dict[str, str] = {}

    def substitute(text: str, known: dict[str, str], undefined: set[str]) -> str:
        def replace(match: re.Match[str]) -> str:
            if match[1] in known:
                return known[match[1]]
            undefined.add(match[1])
            return match[0]

        return re.sub(r"\$\{?(\w+)\}?", replace, text)

    for keyword, arguments in dockerfile_instructions():
        if keyword == "FROM":
            parts = [part for part in substitute(arguments, global_args, set()).split() if not part.startswith("--")]
            assert len(parts) in (1, 3), f"FROM {arguments}"
            name = parts[2] if len(parts) == 3 and parts[1].lower() == "as" else None
            parent = next((stage for stage in stages if stage.name == parts[0]), None)
            stages.append(Stage(name, parts[0], env=dict(parent.env) if parent else {}))
            args = {}
            continue
        if not stages:
            assert keyword == "ARG", f"{keyword} before the first FROM"
            arg, _, default = arguments.partition("=")
            global_args[arg] = default
            continue
        stage = stages[-1]
        expanded = substitute(arguments, {**stage.env, **args}, stage.undefined)
        if keyword == "ARG":
            arg, has_default, default = expanded.partition("=")
            if has_default:
                args[arg] = default
            elif arg in global_args:
                args[arg] = global_args[arg]
        elif keyword == "ENV":
            for assignment in shlex.split(expanded):
                variable, _, value = assignment.partition("=")
                stage.env[variable] = value
        stage.instructions.append((keyword, expanded))
    assert stages, "the Dockerfile has no FROM"
    return stages


def dockerfile_stage(name: str) -> Stage:
    matches = [stage for stage in dockerfile_stages() if stage.name == name]
    assert len(matches) == 1, f"the Dockerfile has {len(matches)} stages named {name!r}"
    return matches[0]


def stage_chain(name: str) -> list[Stage]:
    """The stage ``name`` and the stages it is built FROM, the external base image's stage first."""
    stages = {stage.name: stage for stage in dockerfile_stages() if stage.name}
    chain = [stages[name]]
    while chain[0].base in stages:
        chain.insert(0, stages[chain[0].base])
    return chain


def external_base_images() -> list[str]:
    stages = dockerfile_stages()
    names = {stage.name for stage in stages}
    return [stage.base for stage in stages if stage.base not in names]


def dockerfile_copies() -> list[tuple[list[str], str]]:
    """``[(sources, destination)]`` of every COPY of every stage."""
    return [copy for stage in dockerfile_stages() for copy in stage.copies()]


def dockerignore_patterns() -> list[str]:
    return [line.strip() for line in DOCKERIGNORE.read_text().splitlines() if line.strip() and not line.startswith("#")]


def project_installs(stage: Stage) -> list[tuple[list[str], list[list[str]]]]:
    """``[(pip install --no-deps argv, the commands after it in the same RUN)]``: an install and its build checks."""
    installs = []
    for run in stage.runs():
        for index, argv in enumerate(run):
            if argv[:2] == ["pip", "install"] and "--no-deps" in argv:
                installs.append((argv, run[index + 1 :]))
    return installs


def stage_filesystem(name: str, root: Path) -> Path:
    """Carry out the COPYs of stage ``name`` (and of the stages it extends) into ``root``, honouring
    .dockerignore: the project files pip finds in that image."""
    patterns = dockerignore_patterns()
    for stage in stage_chain(name):
        for sources, destination in stage.copies():
            target = root / destination.lstrip("/")
            for source in sources:
                path = ROOT / source
                if path.is_dir():
                    for file in sorted(path.rglob("*")):
                        if file.is_file() and not dockerignore_excludes(file.relative_to(ROOT).as_posix(), patterns):
                            (target / file.relative_to(path)).parent.mkdir(parents=True, exist_ok=True)
                            shutil.copy2(file, target / file.relative_to(path))
                elif not dockerignore_excludes(source, patterns):
                    into = target / path.name if destination.endswith("/") or len(sources) > 1 else target
                    into.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, into)
    return root


def pinned_version(requirements_text: str, distribution: str) -> str:
    match = re.search(rf"^{re.escape(distribution)}==(\S+)\s*$", requirements_text, re.MULTILINE | re.IGNORECASE)
    assert match, f"{distribution} is not pinned with == in requirements.txt"
    return match.group(1)


def sandbox_env_block() -> dict[str, str | None]:
    """The commented-out assignments of the SANDBOX section of .env.example, parsed as an env file."""
    text = ENV_EXAMPLE.read_text()
    assert "SANDBOX" in text, ".env.example has no SANDBOX section"
    section = text[text.index("SANDBOX") :]
    lines = [re.sub(r"^#\s*", "", line) for line in section.splitlines() if re.match(r"#\s*[A-Z_][A-Z0-9_]*=", line)]
    return dotenv_values(stream=io.StringIO("\n".join(lines)))


def dockerignore_excludes(path: str, patterns: list[str]) -> bool:
    """Whether ``path`` (relative to the context) is left out of the build context (last match wins)."""
    excluded = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!").strip().lstrip("/")
        pattern = pattern.removeprefix("./").rstrip("/")
        regex = ""
        index = 0
        while index < len(pattern):
            if pattern.startswith("**/", index):
                regex, index = regex + "(?:.*/)?", index + 3
            elif pattern.startswith("**", index):
                regex, index = regex + ".*", index + 2
            elif pattern[index] == "*":
                regex, index = regex + "[^/]*", index + 1
            elif pattern[index] == "?":
                regex, index = regex + "[^/]", index + 1
            else:
                regex, index = regex + re.escape(pattern[index]), index + 1
        parts = path.strip("/").split("/")
        candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]  # the path or a parent dir
        if any(re.fullmatch(regex, candidate) for candidate in candidates):
            excluded = not negate
    return excluded


# ----------------------------------------------------------------------------------------------------
# Fixtures
# ----------------------------------------------------------------------------------------------------
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
# One configuration for every Airflow component
# ----------------------------------------------------------------------------------------------------
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


# ----------------------------------------------------------------------------------------------------
# Sandbox profile
# ----------------------------------------------------------------------------------------------------
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


# ----------------------------------------------------------------------------------------------------
# Dockerfile
# ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "target", "image"),
    [(name, "production", PRODUCTION_IMAGE) for name in AIRFLOW_SERVICES]
    + [(name, "sandbox", SANDBOX_IMAGE) for name in SANDBOX_SERVICES],
)
def test_services_build_our_dockerfile(services: dict[str, dict[str, Any]], name: str, target: str, image: str) -> None:
    """Airflow services run the production target, sandbox services the sandbox target, each under its own name."""
    service = services[name]
    build = service["build"]
    assert isinstance(build, dict), f"{name}: build must name its Dockerfile target"
    assert set(build) <= KNOWN_BUILD_KEYS, f"{name}: unknown build keys {set(build) - KNOWN_BUILD_KEYS}"
    dockerfile = build.get("dockerfile", "Dockerfile")
    assert (ROOT / build.get("context", ".") / dockerfile).resolve() == DOCKERFILE
    assert build["target"] == target, f"{name} must run the {target} image"
    dockerfile_stage(target)  # the target exists
    assert interpolate(service["image"], {}) == image


def test_dockerfile_stages() -> None:
    """``production`` on the official image, ``sandbox`` on top of it, and a plain ``docker build .`` builds
    production (Docker builds the last stage when no --target is given)."""
    stages = dockerfile_stages()
    assert external_base_images() == [BASE_IMAGE]
    production, sandbox = dockerfile_stage("production"), dockerfile_stage("sandbox")
    assert production.base == BASE_IMAGE
    assert sandbox.base == "production", "the sandbox image must be the production image plus the sandbox"
    names = [stage.name for stage in stages]
    for index, stage in enumerate(stages):
        assert stage.base == BASE_IMAGE or stage.base in names[:index], f"{stage.label}: unknown base {stage.base}"
    default = stages[-1]
    assert default.name == "production" or (default.base == "production" and not default.instructions), (
        f"`docker build .` builds the last stage ({default.label}), which must be the production image"
    )


def test_dockerfile_variables_are_defined_in_their_stage() -> None:
    """A stage only sees its own ARGs: one used in another stage would silently expand to nothing."""
    for stage in dockerfile_stages():
        assert stage.undefined <= BASE_IMAGE_ENV, f"{stage.label} uses undefined {stage.undefined - BASE_IMAGE_ENV}"


def test_dockerfile_installs_pinned_requirements_then_the_project() -> None:
    production = dockerfile_stage("production")
    copies = production.copies()
    commands = production.commands()
    pip_installs = [argv for argv in commands if argv[:2] == ["pip", "install"]]

    requirements_dest = next(dest for sources, dest in copies if sources == ["requirements.txt"])
    requirement_installs = [argv for argv in pip_installs if "-r" in argv and option(argv, "-r") == requirements_dest]
    assert requirement_installs, f"no `pip install -r {requirements_dest}`"
    for argv in requirement_installs:
        assert "-c" not in argv, "our exact pins are the constraints"
        assert "--constraint" not in argv, "our exact pins are the constraints"
        assert "apache-airflow==${AIRFLOW_VERSION}" in argv, "keep the base image's Airflow pinned"

    # The product: pyproject.toml, README.md (its readme) and plugins/ copied into one directory, installed
    # with --no-deps (everything is pinned above), after the requirements (cached layer first).
    project_dir = next(dest for sources, dest in copies if "pyproject.toml" in sources).rstrip("/")
    project_files = {
        source.rstrip("/")
        for sources, dest in copies
        for source in sources
        if dest.rstrip("/") in (project_dir, f"{project_dir}/{source.rstrip('/')}")
    }
    assert {"pyproject.toml", "README.md", "plugins"} <= project_files
    installs = [argv for argv, _ in project_installs(production) if argv[-1] == project_dir]
    assert installs, f"no `pip install --no-deps {project_dir}`"
    assert pip_installs.index(requirement_installs[0]) < pip_installs.index(installs[0])
    entry_point_checks = [argv for argv in commands if argv[0] == "python" and "apache_airflow_provider" in argv[-1]]
    assert entry_point_checks, "the build should fail when the provider entry point is not registered"

    assert (["dags/"], "/opt/airflow/dags/") in copies


def test_production_image_leaves_the_sandbox_out(tmp_path: Path) -> None:
    """Nothing of sandbox/ is copied into (``COPY . ...`` would copy it too) or installed in the production image."""
    for stage in stage_chain("production"):
        for sources, _ in stage.copies():
            for source in sources:
                path = source.rstrip("/").removeprefix("./") or "."
                assert path != ".", f"{stage.label}: COPY {source} copies the whole context, sandbox/ included"
                assert path.split("/")[0] != "sandbox", f"{stage.label}: COPY {source}"
        for argv in stage.commands():
            if argv[:2] == ["pip", "install"]:
                assert not any("sandbox" in part or "zoom_emulator" in part for part in argv), argv
    production_files = stage_filesystem("production", tmp_path)
    leaked = [path for path in production_files.rglob("*") if path.name in {"zoom_emulator", "zoom_sandbox"}]
    assert not leaked, f"sandbox packages in the production image: {leaked}"


def test_sandbox_image_adds_the_sandbox_package_to_the_production_image() -> None:
    sandbox = dockerfile_stage("sandbox")
    assert sandbox.base == "production"
    copies = sandbox.copies()
    sources = [source.rstrip("/") for copied, _ in copies for source in copied]
    assert all(source.split("/")[0] == "sandbox" for source in sources), f"the sandbox stage copies {sources}"
    for needed in ("sandbox/pyproject.toml", "sandbox/zoom_emulator", "sandbox/zoom_sandbox"):
        assert any(needed == source or needed.startswith(f"{source}/") for source in sources), f"{needed} not copied"
    sandbox_dir = next(dest for copied, dest in copies if any(s.endswith("pyproject.toml") for s in copied))
    sandbox_dir = sandbox_dir.removesuffix("pyproject.toml").rstrip("/")
    installs = project_installs(sandbox)
    assert [argv[-1] for argv, _ in installs] == [sandbox_dir], f"expected one `pip install --no-deps {sandbox_dir}`"
    # Only the sandbox on top: the pinned third-party packages are the production stage's.
    pip_installs = [argv for argv in sandbox.commands() if argv[:2] == ["pip", "install"]]
    assert pip_installs == [installs[0][0]], f"the sandbox stage installs more: {pip_installs}"


def without_output_redirect(argv: list[str]) -> list[str]:
    return argv[:-2] if argv[-2:] == [">", "/dev/null"] else argv


@pytest.fixture(scope="module")
def image_wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Wheel]:
    """The wheel each stage's ``pip install --no-deps DIR`` builds, from exactly the files the stage copies."""
    sources = {}
    for name in ("production", "sandbox"):
        installs = project_installs(dockerfile_stage(name))
        assert len(installs) == 1, f"{name}: expected one `pip install --no-deps`, found {installs}"
        root = stage_filesystem(name, tmp_path_factory.mktemp(f"{name}-image"))
        sources[name] = root / installs[0][0][-1].lstrip("/")
    return build_wheels(sources, tmp_path_factory.mktemp("image-wheels"))


@pytest.fixture(scope="module")
def third_party_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This virtualenv's site-packages without this project's two distributions (the requirements only)."""
    site = tmp_path_factory.mktemp("third-party-site")
    for folder in {Path(sysconfig.get_paths()[key]) for key in ("purelib", "platlib")}:
        for entry in folder.iterdir():
            ours = entry.name.startswith(("__editable__", "airflow_zoom_archiver", *FIRST_PARTY_PACKAGES))
            if not ours and not entry.name.endswith(".pth") and not (site / entry.name).exists():
                (site / entry.name).symlink_to(entry)
    return site


def failed_checks(checks: list[list[str]], site_dirs: list[Path], cwd: Path) -> list[str]:
    """Run build checks (``python ...`` commands) on an interpreter that sees only ``site_dirs``."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    env["PYTHONPATH"] = os.pathsep.join(str(folder) for folder in site_dirs)
    failed = []
    for argv in map(without_output_redirect, checks):
        assert argv[0] == "python", f"not a python build check: {argv}"
        assert not {">", "<", "|", ";"} & set(argv), f"a shell construct this test cannot run: {argv}"
        # -S: no site-packages of this virtualenv (where the project is installed in editable mode).
        result = subprocess.run(
            [sys.executable, "-S", *argv[1:]], env=env, cwd=cwd, capture_output=True, text=True, timeout=120
        )
        if result.returncode != 0:
            failed.append(f"{shlex.join(argv)}: {(result.stderr or result.stdout).strip()[-300:]}")
    return failed


def test_dockerfile_build_checks_pass_on_their_image_and_catch_a_broken_one(
    image_wheels: dict[str, Wheel], third_party_site: Path, tmp_path: Path
) -> None:
    """Build each stage's wheel from the files it copies, install it as pip would, run the stage's build checks.

    They must pass on the image the stage builds, and fail when what they guard is broken: sandbox packages in
    the production image, a missing provider entry point, a missing sandbox package or ``zoom-emulator`` script.
    """
    product, sandbox = image_wheels["production"], image_wheels["sandbox"]
    assert product.top_level == {"zoom_archiver"}, product.top_level
    assert sandbox.top_level == {"zoom_emulator", "zoom_sandbox"}, sandbox.top_level
    product_site = product.unpack(tmp_path / "product")
    sandbox_site = sandbox.unpack(tmp_path / "sandbox")
    # Broken installs: metadata without the code, or the code without the entry points.
    no_provider_site = product.unpack(tmp_path / "no-provider", skip=[f"{product.dist_info}/entry_points.txt"])
    no_product_code_site = product.unpack(tmp_path / "no-product-code", skip=["zoom_archiver/"])
    no_script_site = sandbox.unpack(tmp_path / "no-script", skip=[f"{sandbox.dist_info}/entry_points.txt"])
    no_emulator_site = sandbox.unpack(tmp_path / "no-emulator", skip=["zoom_emulator/"])
    no_sandbox_helpers_site = sandbox.unpack(tmp_path / "no-sandbox-helpers", skip=["zoom_sandbox/"])
    production_checks = project_installs(dockerfile_stage("production"))[0][1]
    sandbox_checks = project_installs(dockerfile_stage("sandbox"))[0][1]
    assert production_checks, "the production install is not checked"
    assert sandbox_checks, "the sandbox install is not checked"
    cwd = tmp_path  # not the checkout: nothing importable by accident

    def failed(checks: list[list[str]], *sites: Path) -> list[str]:
        return failed_checks(checks, [*sites, third_party_site], cwd)

    assert failed(production_checks, product_site) == []
    assert failed(sandbox_checks, product_site, sandbox_site) == []
    assert failed(production_checks, product_site, sandbox_site), "production checks miss sandbox packages"
    assert failed(production_checks, no_provider_site), "production checks miss a lost provider entry point"
    assert failed(production_checks, no_product_code_site), "production checks miss a missing zoom_archiver"
    assert failed(sandbox_checks, product_site), "sandbox checks miss a missing sandbox install"
    assert failed(sandbox_checks, product_site, no_emulator_site), "sandbox checks miss a missing zoom_emulator"
    assert failed(sandbox_checks, product_site, no_sandbox_helpers_site), "sandbox checks miss a missing zoom_sandbox"
    assert failed(sandbox_checks, product_site, no_script_site), "sandbox checks miss a missing zoom-emulator script"
    assert failed(sandbox_checks, no_provider_site, sandbox_site), "sandbox checks miss a lost provider entry point"


@pytest.mark.parametrize(
    ("image", "folders"),
    [("production", ["plugins/zoom_archiver", "dags"]), ("sandbox", ["sandbox/zoom_emulator", "sandbox/zoom_sandbox"])],
)
def test_image_code_imports_only_what_the_image_installs(image: str, folders: list[str]) -> None:
    """Both images install our packages with --no-deps: every third-party import must be pinned in
    requirements.txt, and the product (and its DAGs) must never import the sandbox."""
    first_party = {"production": {"zoom_archiver"}, "sandbox": FIRST_PARTY_PACKAGES}[image]
    pinned = {
        canonicalize_name(line.split("==", 1)[0])
        for line in REQUIREMENTS.read_text().splitlines()
        if "==" in line and not line.lstrip().startswith("#")
    }
    distributions = importlib.metadata.packages_distributions()
    for folder in folders:
        for module in sorted(imported_modules(ROOT / folder) - set(sys.stdlib_module_names)):
            if module in FIRST_PARTY_PACKAGES:
                assert module in first_party, f"{folder} imports {module}, which the {image} image does not have"
                continue
            owners = distributions.get(module, [])
            assert owners, f"{folder} imports {module}, which no installed distribution provides"
            assert {canonicalize_name(owner) for owner in owners} & pinned, (
                f"{folder} imports {module} ({owners}), not pinned in requirements.txt, so not in the {image} image"
            )


def imported_modules(folder: Path) -> set[str]:
    """The top-level names of every absolute import in the ``.py`` files under ``folder``."""
    modules = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                modules.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module.split(".")[0])
    return modules


def test_dockerfile_runs_as_airflow_and_bakes_in_no_secrets() -> None:
    """Every RUN of every stage runs as ``airflow`` (USER carries over to stages built FROM it), as does every image."""
    users: dict[str, str | None] = {}
    for stage in dockerfile_stages():
        user = users.get(stage.base)  # None: the external base image's own default, not relied upon
        for keyword, arguments in stage.instructions:
            if keyword == "USER":
                user = arguments
            elif keyword == "RUN":
                assert user == "airflow", f"{stage.label}: RUN as {user!r}: {arguments[:60]}"
        assert user == "airflow", f"{stage.label} ends as user {user!r}"
        if stage.name:
            users[stage.name] = user
    for keyword, arguments in dockerfile_instructions():
        if keyword in {"ENV", "ARG", "LABEL"}:
            assert not re.search(r"(KEY|SECRET|PASSWORD|TOKEN|AIRFLOW_CONN_)\w*=", arguments, re.IGNORECASE), (
                f"{keyword} {arguments}"
            )


def test_dockerfile_copy_sources_exist_and_reach_the_build_context() -> None:
    patterns = dockerignore_patterns()
    for sources, _ in dockerfile_copies():
        for source in sources:
            assert (ROOT / source).exists(), f"COPY source {source} does not exist"
            assert not dockerignore_excludes(source, patterns), f"{source} is excluded by .dockerignore"


def test_dockerignore_keeps_secrets_and_local_state_out() -> None:
    patterns = dockerignore_patterns()
    for path in [".env", ".env.production", ".git/config", ".venv/bin/python", "config/airflow.cfg",
                 "logs/scheduler/latest", "plugins/zoom_archiver/__pycache__/x.pyc",
                 "sandbox/airflow_zoom_archiver_sandbox.egg-info/PKG-INFO"]:  # fmt: skip
        assert dockerignore_excludes(path, patterns), f"{path} would be sent to the Docker daemon"
    for path in ["plugins/zoom_archiver/keys.py", "dags/zoom_recordings_to_s3.py", "sandbox/zoom_emulator"]:
        assert not dockerignore_excludes(path, patterns), path


def test_airflow_version_is_the_same_everywhere() -> None:
    requirements = REQUIREMENTS.read_text()
    match = re.fullmatch(r"apache/airflow:(?P<airflow>[\d.]+)-python(?P<python>\d+\.\d+)", BASE_IMAGE)
    assert match
    assert external_base_images() == [BASE_IMAGE]
    assert pinned_version(requirements, "apache-airflow") == match["airflow"]
    assert pinned_version(requirements, "apache-airflow-core") == match["airflow"]
    requires_python = re.search(r'^requires-python\s*=\s*"([^"]+)"', PYPROJECT.read_text(), re.MULTILINE)
    assert requires_python, "pyproject.toml has no requires-python"
    assert SpecifierSet(requires_python[1]).contains(f"{match['python']}.0"), "image Python vs pyproject"
    sandbox_requires = re.search(r'^requires-python\s*=\s*"([^"]+)"', SANDBOX_PYPROJECT.read_text(), re.MULTILINE)
    assert sandbox_requires, "sandbox/pyproject.toml has no requires-python"
    assert SpecifierSet(sandbox_requires[1]).contains(f"{match['python']}.0"), "image Python vs sandbox/pyproject"


def test_image_contains_the_sandbox_servers() -> None:
    """The sandbox image adds sandbox/ with --no-deps: the servers its services run come from requirements.txt."""
    requirements = REQUIREMENTS.read_text()
    for distribution in ("moto", "apache-airflow-providers-celery", "flower", "psycopg2-binary", "redis", "boto3"):
        pinned_version(requirements, distribution)


# ----------------------------------------------------------------------------------------------------
# .env.example
# ----------------------------------------------------------------------------------------------------
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


# ----------------------------------------------------------------------------------------------------
# The process-level full-stack test runs the same configuration as compose
# ----------------------------------------------------------------------------------------------------
def test_fullstack_settings_mirror_compose(common_env: dict[str, str]) -> None:
    """``tests/fullstack/stack.py`` (``AIRFLOW_ENV``) must configure Airflow the way compose does.

    Hosts and ports differ (processes on 127.0.0.1 instead of compose service names), so URLs are compared
    by scheme and path; secrets must be set for every process, their values are the stack's own.
    """
    stack_file = ROOT / "tests" / "fullstack" / "stack.py"
    if not stack_file.exists():
        pytest.skip("tests/fullstack/stack.py does not exist yet")
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
