"""docker-compose.yaml and .env.example as this suite reads them: the service layout it expects, compose's variable
interpolation (``$$``, ``${NAME:-default}``, ``${NAME:?error}``...) and the commands, ports, healthchecks and
environments of services.
"""

from __future__ import annotations

import io
import re
import shlex
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from dotenv import dotenv_values

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yaml"
ENV_EXAMPLE = ROOT / ".env.example"

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


def sandbox_env_block() -> dict[str, str | None]:
    """The commented-out assignments of the SANDBOX section of .env.example, parsed as an env file."""
    text = ENV_EXAMPLE.read_text()
    assert "SANDBOX" in text, ".env.example has no SANDBOX section"
    section = text[text.index("SANDBOX") :]
    lines = [re.sub(r"^#\s*", "", line) for line in section.splitlines() if re.match(r"#\s*[A-Z_][A-Z0-9_]*=", line)]
    return dotenv_values(stream=io.StringIO("\n".join(lines)))
