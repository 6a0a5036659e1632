"""The Makefile's Python probe: silent when it finds a Python, clear when it finds none."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAKE = shutil.which("make")
pytestmark = pytest.mark.skipif(MAKE is None, reason="make is not installed")


def _shim(folder: Path, name: str) -> None:
    """A pyenv shim for a version that is not active: found on PATH, fails when run."""
    path = folder / name
    path.write_text(
        f"#!/bin/sh\necho 'pyenv: {name}: command not found' >&2\n"
        f"echo 'The `{name}` command exists in these Python versions:' >&2\nexit 127\n"
    )
    path.chmod(0o755)


def _probe(path: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHON", "MAKEFLAGS", "MFLAGS"}}
    env["PATH"] = path
    # -n: print the recipe without running it; -B: as if nothing were installed yet.
    return subprocess.run(
        [str(MAKE), "-n", "-B", "--no-print-directory", "install"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_probe_prints_nothing_past_pyenv_shims_and_picks_a_working_python(
    tmp_path: Path,
) -> None:
    shims = tmp_path / "shims"
    real = tmp_path / "real"
    shims.mkdir()
    real.mkdir()
    for name in ("python3.13", "python3.12"):
        _shim(shims, name)
    (real / "python3.11").symlink_to(sys.executable)
    done = _probe(f"{shims}:{real}:/usr/bin:/bin")
    assert done.stderr == ""
    assert 'test -n "python3.11"' in done.stdout
    assert "pyenv" not in done.stdout


def test_without_a_python_the_install_says_what_is_required(tmp_path: Path) -> None:
    project = tmp_path / "project"
    tools = tmp_path / "tools"
    project.mkdir()
    tools.mkdir()
    for name in ("Makefile", "requirements.txt", "requirements-dev.txt"):
        shutil.copy(ROOT / name, project / name)
    (tools / "make").symlink_to(str(MAKE))
    _shim(tools, "python3.13")
    done = subprocess.run(
        [str(tools / "make"), "--no-print-directory", "install"],
        cwd=project,
        env={"PATH": str(tools)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    assert "Python 3.11 or newer is required" in done.stderr
    assert "pyenv" not in done.stderr
    assert not (project / ".venv").exists()
