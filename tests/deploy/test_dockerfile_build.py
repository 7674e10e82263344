"""The image build, checked without Docker: each stage's COPYs are staged into a temporary directory, the wheel that
stage's pip would build is built from them, and the stage's own build checks run against it (see also
test_packaging.py for the wheels themselves); the code of each image imports only what that image installs.
"""

from __future__ import annotations

import ast
import importlib.metadata
import os
import shlex
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name

from tests.deploy.dockerfile import (
    FIRST_PARTY_PACKAGES,
    REQUIREMENTS,
    ROOT,
    SANDBOX_REQUIREMENTS,
    dockerfile_stage,
    project_installs,
    stage_filesystem,
)
from tests.deploy.wheels import Wheel, build_wheels


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
    """Both images install our packages with --no-deps: every third-party import must be pinned in the runtime pins
    (requirements.txt; the sandbox image adds requirements-sandbox.txt), and the product (and its DAGs) must never
    import the sandbox."""
    first_party = {"production": {"zoom_archiver"}, "sandbox": FIRST_PARTY_PACKAGES}[image]
    files = {"production": [REQUIREMENTS], "sandbox": [REQUIREMENTS, SANDBOX_REQUIREMENTS]}[image]
    pinned = {
        canonicalize_name(line.split("==", 1)[0])
        for path in files
        for line in path.read_text().splitlines()
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
                f"{folder} imports {module} ({owners}), pinned in none of {[p.name for p in files]}: not in {image}"
            )


def imported_modules(folder: Path) -> set[str]:
    """The top-level names of every absolute import in the ``.py`` files under ``folder`` (but those under
    ``if TYPE_CHECKING:``, which only the type checker reads: stubs are development tools)."""
    modules = set()
    for path in folder.rglob("*.py"):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
                node.body = []
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module.split(".")[0])
    return modules
