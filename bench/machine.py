"""The machine a report's figures came from: what a reader needs to weigh them."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def describe_machine() -> list[tuple[str, str]]:
    return [
        ("CPU", _cpu_model()),
        ("cores (usable)", f"{len(os.sched_getaffinity(0))} of {os.cpu_count()}"),
        ("memory", _memory()),
        ("load average before", " ".join(f"{v:.2f}" for v in os.getloadavg())),
        ("kernel", f"{platform.system()} {platform.release()}"),
        ("Python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("PostgreSQL", _postgres()),
        ("Redis", _command_line(["redis-server", "--version"])),
        ("commit", _command_line(["git", "-C", str(ROOT), "describe", "--always", "--dirty"])),
    ]


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def _postgres() -> str:
    url = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=3) as connection:
            row = connection.execute("SHOW server_version").fetchone()
        return f"{row[0] if row else '?'} ({url.split('@')[-1]})"
    except Exception as error:  # noqa: BLE001 - the report says why it could not tell
        return f"not reachable: {type(error).__name__}"


def _command_line(command: list[str]) -> str:
    if shutil.which(command[0]) is None:
        return f"{command[0]} not installed"
    done = subprocess.run(command, capture_output=True, text=True, timeout=10, check=False)
    return (
        (done.stdout or done.stderr).strip().splitlines()[0] if done.stdout or done.stderr else "?"
    )
