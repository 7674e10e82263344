"""Build wheels the way ``pip install <dir>`` does in the Dockerfile, and look inside them.

pip builds a local project in place (``build/`` and ``*.egg-info`` appear next to its sources), so the callers
always build from a copy of the sources in a temporary directory, never from the working tree.
"""

from __future__ import annotations

import configparser
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from email.parser import HeaderParser
from functools import cached_property
from pathlib import Path
from typing import IO

import pytest

BUILD_TIMEOUT = 600  # seconds; pip sets up an isolated build environment (setuptools, wheel) for each build


@dataclass(frozen=True)
class Wheel:
    path: Path
    build_log: str = ""  # pip's verbose output of the build (the build backend's warnings included)

    @cached_property
    def names(self) -> list[str]:
        with zipfile.ZipFile(self.path) as archive:
            return archive.namelist()

    @cached_property
    def dist_info(self) -> str:
        folders = {name.split("/", 1)[0] for name in self.names if name.split("/", 1)[0].endswith(".dist-info")}
        assert len(folders) == 1, f"{self.path.name}: expected one .dist-info folder, found {folders}"
        return folders.pop()

    def read(self, name: str) -> str:
        with zipfile.ZipFile(self.path) as archive:
            return archive.read(name).decode()

    @property
    def top_level(self) -> set[str]:
        """The packages and modules the wheel installs into site-packages (not its metadata or .data)."""
        return {
            name.split("/", 1)[0] for name in self.names if not name.split("/", 1)[0].endswith((".dist-info", ".data"))
        }

    @property
    def modules(self) -> set[str]:
        """Every ``.py`` file of the wheel, as a path relative to site-packages."""
        return {name for name in self.names if name.endswith(".py") and not name.startswith(self.dist_info)}

    @property
    def entry_points(self) -> dict[str, dict[str, str]]:
        name = f"{self.dist_info}/entry_points.txt"
        if name not in self.names:
            return {}
        parser = configparser.ConfigParser(delimiters=("=",), interpolation=None)
        parser.optionxform = str  # type: ignore[assignment,method-assign]  # names are case-sensitive
        parser.read_string(self.read(name))
        return {
            group: {key.strip(): value.strip() for key, value in parser[group].items()} for group in parser.sections()
        }

    @property
    def distribution(self) -> str:
        return HeaderParser().parsestr(self.read(f"{self.dist_info}/METADATA"))["Name"]

    def unpack(self, target: Path, *, skip: Iterable[str] = ()) -> Path:
        """Install this (pure-Python) wheel into ``target`` the way pip lays it out in site-packages.

        ``skip`` leaves out members (a name ending in ``/``: everything under it), for example the entry points or
        a package, to fake a broken install.
        """
        skipped = set(skip)
        folders = tuple(name for name in skipped if name.endswith("/"))
        with zipfile.ZipFile(self.path) as archive:
            members = [name for name in archive.namelist() if name not in skipped and not name.startswith(folders)]
            archive.extractall(target, members=members)
        return target


def build_wheels(sources: Mapping[str, Path], out: Path) -> dict[str, Wheel]:
    """``pip wheel --no-deps`` each source directory (in parallel), one output folder per key."""
    env = {**os.environ, "PIP_NO_INPUT": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    builds: dict[str, tuple[subprocess.Popen[bytes], Path, IO[bytes]]] = {}
    try:
        for key, source in sources.items():
            wheel_dir = out / key
            wheel_dir.mkdir(parents=True)
            log = tempfile.NamedTemporaryFile(prefix=f"pip-wheel-{key}-", suffix=".log")  # noqa: SIM115
            # An absolute path: a bare name such as "sandbox" would be looked up on the package index.
            argv = [sys.executable, "-m", "pip", "wheel", "-v", "--no-deps", "--wheel-dir", str(wheel_dir)]
            argv.append(str(source.resolve()))
            process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, cwd=out, env=env)
            builds[key] = (process, wheel_dir, log)
        deadline = time.monotonic() + BUILD_TIMEOUT
        wheels = {}
        for key, (process, wheel_dir, log) in builds.items():
            returncode = process.wait(timeout=max(1.0, deadline - time.monotonic()))
            log.seek(0)
            output = log.read().decode(errors="replace")
            if returncode != 0:
                pytest.fail(f"pip wheel of {sources[key]} failed ({returncode}):\n{output[-4000:]}")
            built = list(wheel_dir.glob("*.whl"))
            assert len(built) == 1, f"pip wheel of {sources[key]} left {built}:\n{output[-2000:]}"
            wheels[key] = Wheel(built[0], output)
        return wheels
    finally:
        for process, _, log in builds.values():
            if process.poll() is None:
                process.kill()
                process.wait()
            log.close()
