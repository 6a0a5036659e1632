"""bin/start: sets PROMETHEUS_MULTIPROC_DIR and empties it before the process starts."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.support import ROOT

STUB = """#!/bin/sh
echo "dir=$PROMETHEUS_MULTIPROC_DIR"
echo "files=$(ls "$PROMETHEUS_MULTIPROC_DIR" | tr '\\n' ' ')"
echo "args=$*"
"""


def start(kind: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    inherited = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    stubs = tmp_path / "bin"
    stubs.mkdir(exist_ok=True)
    for name in ("flask", "gunicorn"):
        (stubs / name).write_text(STUB)
        (stubs / name).chmod(0o755)
    return subprocess.run(
        [str(ROOT / "bin" / "start"), kind],
        env={**inherited, "PATH": f"{stubs}:{os.environ['PATH']}", **env},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_the_folder_is_emptied_of_an_earlier_runs_files(tmp_path: Path) -> None:
    folder = tmp_path / "metrics"
    folder.mkdir()
    (folder / "counter_4242.db").write_bytes(b"stale")
    (folder / "keep.txt").write_text("not a metrics file")
    done = start("worker", tmp_path, PROMETHEUS_MULTIPROC_DIR=str(folder))
    assert done.returncode == 0, done.stderr
    assert f"dir={folder}" in done.stdout
    assert "counter_4242.db" not in done.stdout
    assert "keep.txt" in done.stdout
    assert "args=--app app worker" in done.stdout


def test_without_a_folder_each_kind_gets_its_own(tmp_path: Path) -> None:
    done = start("web", tmp_path, TMPDIR=str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert f"dir={tmp_path}/pricebridge-metrics/web" in done.stdout
    assert (tmp_path / "pricebridge-metrics" / "web").is_dir()
    assert "args=--config gunicorn.conf.py app:create_app()" in done.stdout


def test_an_unknown_process_is_refused(tmp_path: Path) -> None:
    done = start("webserver", tmp_path)
    assert done.returncode == 64
    assert "usage: bin/start web|worker|scheduler|release" in done.stderr
