"""Start real demos the way a user does, and find every process one of them started."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[2]
READY_SECONDS = 180.0


@dataclass
class Launched:
    """A demo started in a session of its own, as from a terminal; its output in a file."""

    process: subprocess.Popen[bytes]
    instance: Path
    output: Path
    env: dict[str, str]

    @property
    def pid(self) -> int:
        return self.process.pid

    def text(self) -> str:
        return self.output.read_text(errors="replace")

    def state(self) -> dict[str, object]:
        loaded = json.loads((self.instance / "demo.json").read_text())
        assert isinstance(loaded, dict)
        return loaded

    def wait_ready(self) -> str:
        """The admin URL, once the demo prints it; fails with the output if it never does."""
        deadline = time.monotonic() + READY_SECONDS
        while time.monotonic() < deadline:
            for line in self.text().splitlines():
                if "PriceBridge is running" in line and "open " in line:
                    return line.rsplit("open ", 1)[1].strip()
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError(f"the demo printed no URL:\n{self.text()}")

    def signal_group(self, signum: int) -> None:
        """What a terminal does: the signal to the whole foreground process group."""
        os.killpg(self.pid, signum)

    def wait_exit(self, seconds: float = 60.0) -> int:
        return self.process.wait(timeout=seconds)


def launch(instance: Path, command: Sequence[str] | None = None, **env: str) -> Launched:
    instance.mkdir(parents=True, exist_ok=True)
    output = instance.parent / f"{instance.name}.out"
    environment = {k: v for k, v in os.environ.items() if k not in {"PORT", "DATABASE_URL"}}
    environment.update(INSTANCE_PATH=str(instance), **env)
    with output.open("wb") as sink:
        process = subprocess.Popen(
            list(command or [sys.executable, "-m", "demo"]),
            cwd=ROOT,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Launched(process, instance, output, env)


def left_in_groups(groups: set[int]) -> list[str]:
    """Every live process in any of these process groups (zombies are already gone)."""
    found = []
    for process in psutil.process_iter(["pid", "name", "status"]):
        try:
            if os.getpgid(process.pid) in groups and process.status() != psutil.STATUS_ZOMBIE:
                found.append(f"{process.pid} {' '.join(process.cmdline())}")
        except (ProcessLookupError, psutil.NoSuchProcess):
            continue
    return found


def left_of(instance: Path) -> list[str]:
    """Every live process whose environment points into this instance folder: each process a
    demo starts gets INSTANCE_PATH=<its run folder>, whatever its process group."""
    found = []
    for process in psutil.process_iter(["pid"]):
        try:
            ours = process.environ().get("INSTANCE_PATH", "").startswith(str(instance))
            if ours and process.status() != psutil.STATUS_ZOMBIE:
                found.append(f"{process.pid} {' '.join(process.cmdline())}")
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


def gone(pid: int, seconds: float) -> bool:
    """Whether the process has ended (and been reaped) within the time."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.1)
    return False


def listening(pid: int) -> list[tuple[str, int]]:
    """(address, port) of every TCP socket a process and its children listen on."""
    root = psutil.Process(pid)
    found = []
    for process in [root, *root.children(recursive=True)]:
        for connection in process.net_connections(kind="tcp"):
            if connection.status == psutil.CONN_LISTEN:
                found.append((connection.laddr.ip, connection.laddr.port))
    return found


STOP_SIGNALS = (signal.SIGHUP, signal.SIGINT, signal.SIGTERM)
