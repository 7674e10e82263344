"""The Dockerfile as Docker reads it: instructions, build stages with Docker's ARG and ENV scoping, each stage's COPYs
(and what .dockerignore leaves out of the build context), the project installs with the build checks that follow
them, and a stage's files staged into a directory (the project files pip finds in that image).
"""

from __future__ import annotations

import re
import shlex
import shutil
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
REQUIREMENTS = ROOT / "requirements.txt"
SANDBOX_REQUIREMENTS = ROOT / "requirements-sandbox.txt"
DEV_REQUIREMENTS = ROOT / "requirements-dev.txt"
PYPROJECT = ROOT / "pyproject.toml"
SANDBOX_PYPROJECT = ROOT / "sandbox" / "pyproject.toml"

# The default build (the Dockerfile's AIRFLOW_VERSION and PYTHON_VERSION build arguments).
BASE_IMAGE = "apache/airflow:3.3.2-python3.11"
# ENV of the official base image that the Dockerfile may use without defining it.
BASE_IMAGE_ENV = {"AIRFLOW_VERSION"}
# The images compose builds from the Dockerfile's two targets (distinct names: one never replaces the other).
PRODUCTION_IMAGE = "zoom-archiver:latest"
SANDBOX_IMAGE = "zoom-archiver-sandbox:latest"
# Our packages: the product (pyproject.toml) and the development sandbox (sandbox/pyproject.toml).
FIRST_PARTY_PACKAGES = {"zoom_archiver", "zoom_emulator", "zoom_sandbox"}


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
