"""The product wheel holds the product only; the development sandbox is a wheel of its own.

``pyproject.toml`` (airflow-zoom-archiver) must package ``zoom_archiver`` and nothing else: no Zoom emulator, no
sandbox helpers, no tests, no ``zoom-emulator`` script, but the ``apache_airflow_provider`` entry point that
registers the ``zoom`` connection type. ``sandbox/pyproject.toml`` (airflow-zoom-archiver-sandbox) packages
``zoom_emulator`` and ``zoom_sandbox`` with their subpackages and the ``zoom-emulator`` script.

Both wheels are built with ``pip wheel --no-deps`` from a copy of the checkout, the way ``pip install .`` and
``pip install sandbox`` see it (the in-tree build's ``build/`` and ``*.egg-info`` stay in the copy).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.deploy.wheels import Wheel, build_wheels

ROOT = Path(__file__).resolve().parents[2]

PRODUCT_PACKAGES = {"zoom_archiver"}
SANDBOX_PACKAGES = {"zoom_emulator", "zoom_sandbox"}
PROVIDER_ENTRY_POINT = "zoom_archiver:get_provider_info"
EMULATOR_SCRIPT = ("zoom-emulator", "zoom_emulator.__main__:main")

# Not part of a checkout (ignored by git) or local state: left out of the copy that gets built.
IGNORED_ANYWHERE = {".git", ".venv", "venv", "__pycache__", "build", "dist", ".pytest_cache", ".ruff_cache",
                    ".mypy_cache", ".hypothesis", "node_modules"}  # fmt: skip
IGNORED_AT_ROOT = {".airflow_test_home", ".sandbox", "logs", "config", "bench-results", ".idea", ".vscode"}


def checkout_ignore(directory: str, names: list[str]) -> set[str]:
    ignored = {
        name
        for name in names
        if name in IGNORED_ANYWHERE or name.endswith((".egg-info", ".pyc")) or name.startswith(".env")
    }
    if Path(directory).resolve() == ROOT:
        ignored |= IGNORED_AT_ROOT & set(names)
    return ignored


def python_modules(package_root: Path, packages: set[str]) -> set[str]:
    """The ``.py`` files of ``packages`` under ``package_root``, as paths relative to it."""
    return {
        path.relative_to(package_root).as_posix()
        for package in packages
        for path in (package_root / package).rglob("*.py")
        if "__pycache__" not in path.parts
    }


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tree = tmp_path_factory.mktemp("checkout") / "zoom-archiver"
    shutil.copytree(ROOT, tree, symlinks=True, ignore=checkout_ignore)
    return tree


@pytest.fixture(scope="module")
def wheels(checkout: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Wheel]:
    return build_wheels({"product": checkout, "sandbox": checkout / "sandbox"}, tmp_path_factory.mktemp("wheels"))


@pytest.fixture(scope="module")
def product(wheels: dict[str, Wheel]) -> Wheel:
    return wheels["product"]


@pytest.fixture(scope="module")
def sandbox(wheels: dict[str, Wheel]) -> Wheel:
    return wheels["sandbox"]


# ----------------------------------------------------------------------------------------------------
# The product wheel (pyproject.toml)
# ----------------------------------------------------------------------------------------------------
def test_product_wheel_holds_zoom_archiver_only(product: Wheel) -> None:
    assert product.distribution == "airflow-zoom-archiver"
    assert product.top_level == PRODUCT_PACKAGES, (
        f"the product wheel must hold zoom_archiver only, it holds {sorted(product.top_level)}"
    )
    assert not product.top_level & {*SANDBOX_PACKAGES, "tests", "sandbox", "dags", "benchmarks", "plugins"}


def test_product_wheel_holds_all_of_zoom_archiver(product: Wheel, checkout: Path) -> None:
    """Subpackages included (hooks, notifications): the image runs the installed copy when nothing is mounted."""
    expected = python_modules(checkout / "plugins", PRODUCT_PACKAGES)
    assert {"zoom_archiver/__init__.py", "zoom_archiver/hooks/zoom.py"} <= expected
    assert product.modules == expected


def test_product_wheel_registers_the_zoom_provider(product: Wheel) -> None:
    providers = product.entry_points.get("apache_airflow_provider", {})
    assert PROVIDER_ENTRY_POINT in providers.values(), f"apache_airflow_provider entry points: {providers}"


def test_product_wheel_has_no_emulator_script(product: Wheel) -> None:
    scripts = product.entry_points.get("console_scripts", {})
    assert EMULATOR_SCRIPT[0] not in scripts, "zoom-emulator belongs to the sandbox package"
    for name, target in scripts.items():
        assert target.split(".", 1)[0].split(":", 1)[0] in PRODUCT_PACKAGES, f"console script {name} -> {target}"
    assert not any(".data/scripts/" in name for name in product.names), "the product wheel installs scripts"


# ----------------------------------------------------------------------------------------------------
# The sandbox wheel (sandbox/pyproject.toml)
# ----------------------------------------------------------------------------------------------------
def test_sandbox_wheel_holds_the_emulator_and_the_sandbox(sandbox: Wheel, checkout: Path) -> None:
    assert sandbox.distribution == "airflow-zoom-archiver-sandbox"
    assert sandbox.top_level == SANDBOX_PACKAGES, f"the sandbox wheel holds {sorted(sandbox.top_level)}"
    expected = python_modules(checkout / "sandbox", SANDBOX_PACKAGES)
    # Subpackages too: the S3 fault proxy is zoom_sandbox.s3_proxy.
    assert {"zoom_emulator/__main__.py", "zoom_sandbox/__init__.py", "zoom_sandbox/s3_proxy/__init__.py"} <= expected
    assert sandbox.modules == expected


def test_sandbox_wheel_has_the_emulator_script_and_no_provider(sandbox: Wheel) -> None:
    name, target = EMULATOR_SCRIPT
    assert sandbox.entry_points.get("console_scripts", {}).get(name) == target
    assert "apache_airflow_provider" not in sandbox.entry_points, "the sandbox is not an Airflow provider"


@pytest.mark.parametrize("name", ["product", "sandbox"])
def test_builds_print_no_deprecation_warning(wheels: dict[str, Wheel], name: str) -> None:
    """An install prints no setuptools deprecation banner (the licence as an SPDX string, not a table)."""
    log = wheels[name].build_log
    assert "running bdist_wheel" in log or "Building wheel" in log, "the verbose build output was not kept"
    assert "deprecat" not in log.lower(), log[-3000:]
