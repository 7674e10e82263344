"""The Dockerfile has two targets: ``production`` (the default; requirements and the product only) for the Airflow
services and ``sandbox`` (production plus sandbox/) for the sandbox services. Checked here without Docker: the
stages, their installs, users, build context, and one Airflow version everywhere.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from packaging.specifiers import SpecifierSet

from tests.deploy.compose_file import (
    AIRFLOW_SERVICES,
    KNOWN_BUILD_KEYS,
    SANDBOX_SERVICES,
    interpolate,
    option,
)
from tests.deploy.dockerfile import (
    BASE_IMAGE,
    BASE_IMAGE_ENV,
    DOCKERFILE,
    PRODUCTION_IMAGE,
    PYPROJECT,
    REQUIREMENTS,
    ROOT,
    SANDBOX_IMAGE,
    SANDBOX_PYPROJECT,
    SANDBOX_REQUIREMENTS,
    dockerfile_copies,
    dockerfile_instructions,
    dockerfile_stage,
    dockerfile_stages,
    dockerignore_excludes,
    dockerignore_patterns,
    external_base_images,
    pinned_version,
    project_installs,
    stage_chain,
    stage_filesystem,
)

# The Airflow of the default build (the AIRFLOW_VERSION build argument, which also names the base image).
IMAGE_AIRFLOW = BASE_IMAGE.split(":")[1].split("-")[0]


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
        assert f"apache-airflow=={IMAGE_AIRFLOW}" in argv, "keep the base image's Airflow pinned"

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
    assert all(source.split("/")[0] == "sandbox" or source == "requirements-sandbox.txt" for source in sources), (
        f"the sandbox stage copies {sources}"
    )
    for needed in ("sandbox/pyproject.toml", "sandbox/zoom_emulator", "sandbox/zoom_sandbox"):
        assert any(needed == source or needed.startswith(f"{source}/") for source in sources), f"{needed} not copied"
    sandbox_dir = next(dest for copied, dest in copies if any(s.endswith("pyproject.toml") for s in copied))
    sandbox_dir = sandbox_dir.removesuffix("pyproject.toml").rstrip("/")
    installs = project_installs(sandbox)
    assert [argv[-1] for argv, _ in installs] == [sandbox_dir], f"expected one `pip install --no-deps {sandbox_dir}`"
    # Only the sandbox's servers and the sandbox on top, with the production stage's Airflow kept.
    pip_installs = [argv for argv in sandbox.commands() if argv[:2] == ["pip", "install"]]
    servers_dest = next(dest for copied, dest in copies if copied == ["requirements-sandbox.txt"])
    servers = [argv for argv in pip_installs if "-r" in argv and option(argv, "-r") == servers_dest]
    assert len(servers) == 1, pip_installs
    assert f"apache-airflow=={IMAGE_AIRFLOW}" in servers[0], "keep the production stage's Airflow"
    assert pip_installs == [servers[0], installs[0][0]], f"the sandbox stage installs more: {pip_installs}"


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
    """The sandbox image adds sandbox/ with --no-deps: the servers its services run come from the runtime pins
    (the compose stack's Celery, PostgreSQL and Redis clients) and requirements-sandbox.txt (moto)."""
    requirements = REQUIREMENTS.read_text()
    for distribution in ("apache-airflow-providers-celery", "flower", "psycopg2-binary", "redis", "boto3"):
        pinned_version(requirements, distribution)
    for distribution in ("moto", "trustme"):
        pinned_version(SANDBOX_REQUIREMENTS.read_text(), distribution)


def test_production_image_carries_the_api_server_plugins(tmp_path: Path) -> None:
    """The webhook receiver and the archive page load from the image alone (no bind mount of ./plugins): every
    plugin file of the repository is in Airflow's plugins folder of the production image."""
    files = stage_filesystem("production", tmp_path)
    wanted = sorted(path.name for path in (ROOT / "plugins").glob("*_plugin.py"))
    assert wanted, "the repository's plugin files"
    assert sorted(path.name for path in (files / "opt/airflow/plugins").glob("*.py")) == wanted
