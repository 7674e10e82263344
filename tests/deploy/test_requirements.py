"""The runtime pins (what the production image installs) hold no test, lint or type-check tool, the development
pins build on them, the Dockerfile installs them, and pyproject.toml's ranges admit them (and every lock the
compatibility matrix proved, compat/locks/)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import tomllib
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.deploy.compose_file import option
from tests.deploy.dockerfile import (
    DEV_REQUIREMENTS,
    PYPROJECT,
    REQUIREMENTS,
    ROOT,
    SANDBOX_REQUIREMENTS,
    dockerfile_stage,
)

LOCKS = sorted((ROOT / "compat" / "locks").glob("airflow-*-python*.txt"))
# Tools of development and CI only: none may reach an image that runs Airflow.
TEST_TOOLS = {"pytest", "moto", "hypothesis", "ruff", "mypy", "playwright", "requests-mock", "responses", "aiosmtpd",
              "trustme", "execnet", "iniconfig", "cfn-lint"}  # fmt: skip
TEST_TOOL_PREFIXES = ("pytest-", "types-", "mypy-", "mypy_")


def pins(path: Path) -> dict[str, str]:
    """``{distribution: version}`` of a pins file's ``name==version`` lines."""
    found = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            found[canonicalize_name(name.split("[")[0])] = version.strip()
    return found


def tools_in(distributions: set[str]) -> set[str]:
    return {d for d in distributions if d in TEST_TOOLS or d.startswith(TEST_TOOL_PREFIXES) or d.endswith("-stubs")}


def test_the_tool_check_catches_a_tool() -> None:
    assert tools_in({"pytest-xdist", "moto", "botocore-stubs", "types-requests", "requests"}) == {
        "pytest-xdist", "moto", "botocore-stubs", "types-requests"}  # fmt: skip


@pytest.mark.parametrize("path", [REQUIREMENTS, *LOCKS], ids=lambda path: path.name)
def test_runtime_pins_hold_no_test_tool(path: Path) -> None:
    runtime = pins(path)
    assert "apache-airflow" in runtime, f"{path.name} does not pin Airflow"
    assert not tools_in(set(runtime)), f"test tools in {path.name}: {sorted(tools_in(set(runtime)))}"
    assert not {"airflow-zoom-archiver", "airflow-zoom-archiver-sandbox"} & set(runtime), "our own packages"


def test_development_pins_are_the_runtime_pins_plus_tools() -> None:
    lines = [line.strip() for line in DEV_REQUIREMENTS.read_text().splitlines()]
    assert "-r requirements.txt" in lines
    assert "-r requirements-sandbox.txt" in lines
    dev, runtime, sandbox = pins(DEV_REQUIREMENTS), pins(REQUIREMENTS), pins(SANDBOX_REQUIREMENTS)
    assert not set(dev) & set(runtime), f"pinned twice: {sorted(set(dev) & set(runtime))}"
    assert not set(sandbox) & set(runtime), f"pinned twice: {sorted(set(sandbox) & set(runtime))}"
    assert {"pytest", "ruff", "mypy"} <= set(dev)


def test_make_install_installs_the_development_pins() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert "pip install --quiet -r requirements-dev.txt" in makefile
    stamp = re.search(r"^\$\(STAMP\):(.*)$", makefile, re.MULTILINE)
    assert stamp
    assert {"requirements.txt", "requirements-dev.txt", "requirements-sandbox.txt"} <= set(stamp[1].split())


def test_production_image_installs_the_runtime_pins() -> None:
    production = dockerfile_stage("production")
    installs = [argv for argv in production.commands() if argv[:2] == ["pip", "install"] and "-r" in argv]
    assert len(installs) == 1, installs
    copies = dict((tuple(sources), dest) for sources, dest in production.copies())
    assert option(installs[0], "-r") == copies[("requirements.txt",)], "the default build installs requirements.txt"
    assert ("compat/locks/",) in copies, "the other Airflow versions' runtime pins are in the image's context"
    text = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^ARG AIRFLOW_VERSION=\S+$", text, re.MULTILINE)
    assert re.search(r"^ARG PYTHON_VERSION=\S+$", text, re.MULTILINE)
    assert "FROM apache/airflow:${AIRFLOW_VERSION}-python${PYTHON_VERSION} AS production" in text


@pytest.mark.parametrize("path", [REQUIREMENTS, *LOCKS], ids=lambda path: path.name)
def test_pyproject_ranges_admit_every_proven_set(path: Path) -> None:
    """The wheel installs into each proven set without pip changing a version (our ranges are not narrower)."""
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    resolved = pins(path)
    for requirement in map(Requirement, project["dependencies"]):
        name = canonicalize_name(requirement.name)
        assert name in resolved, f"{path.name} lacks {name}"
        assert requirement.specifier.contains(resolved[name], prereleases=True), f"{requirement} vs {resolved[name]}"


def test_lock_names_match_their_airflow() -> None:
    for path in LOCKS:
        match = re.fullmatch(r"airflow-(?P<airflow>[\d.]+)-python(?P<python>\d+\.\d+)\.txt", path.name)
        assert match, path.name
        assert pins(path)["apache-airflow"] == match["airflow"], path.name


def test_licence_is_an_spdx_expression() -> None:
    """PEP 639: a plain SPDX string (a ``{text = ...}`` table makes setuptools print a deprecation banner)."""
    for path in (PYPROJECT, ROOT / "sandbox" / "pyproject.toml"):
        data = tomllib.loads(path.read_text())
        assert data["project"]["license"] == "Apache-2.0", path
        assert Requirement(data["build-system"]["requires"][0]).specifier.contains("77"), path
