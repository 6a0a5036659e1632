"""Each demo run owns a folder and holds its instance folder's demo lock while it lives.

Under the instance folder (`INSTANCE_PATH`, default `instance/`):

    demo.lock          flock()ed by the running demo for its whole life; the kernel releases
                       it when that process ends, however it ends, so a lock is never stale
    demo.json          what the running demo says about itself: pid, status, url, run folder
    demo-runs/<id>/    one folder per run: SQLite database, generated secrets, logs/

The lock is taken before anything else is touched, so a second run in the same instance
folder refuses before it has deleted, migrated or started anything.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

LOCK_NAME = "demo.lock"
STATE_NAME = "demo.json"
RUNS_NAME = "demo-runs"
#: Older run folders kept for their logs; the rest are removed when a run starts.
KEPT_RUNS = 5
#: A run folder may hold a marker naming a PostgreSQL schema it created and has not dropped.
SCHEMA_MARKER = "postgres-schema.json"


class DemoAlreadyRunning(Exception):
    """Another demo holds this instance folder's lock; the message says where and how to stop it."""

    def __init__(self, instance: Path, state: dict[str, Any]) -> None:
        self.state = state
        pid = state.get("pid", "unknown")
        url = state.get("url")
        where = f"open {url}" if url else "it is still starting; its URL is not known yet"
        super().__init__(
            f"A PriceBridge demo is already running here (PID {pid}): {where}\n"
            f"  its logs: {state.get('logs', instance / RUNS_NAME)}\n"
            f"  stop it first (Ctrl-C in its terminal, or `kill {pid}`), or run this one with "
            f"another INSTANCE_PATH to keep two demos apart."
        )


@dataclass
class Run:
    """One demo run: its id, its folder, and the open lock file that keeps it the only one."""

    instance: Path
    id: str
    folder: Path
    lock: IO[str]

    @property
    def logs(self) -> Path:
        return self.folder / "logs"

    def announce(self, **fields: object) -> None:
        """Write demo.json (atomically): what a second run prints when it refuses."""
        state = {
            "pid": os.getpid(),
            "run": self.id,
            "folder": str(self.folder),
            "logs": str(self.logs),
            **fields,
        }
        target = self.instance / STATE_NAME
        scratch = target.with_suffix(".json.tmp")
        scratch.write_text(json.dumps(state, indent=2) + "\n")
        scratch.replace(target)

    def release(self) -> None:
        """Forget demo.json, then let the lock go (closing the file releases the flock)."""
        (self.instance / STATE_NAME).unlink(missing_ok=True)
        self.lock.close()


def read_state(instance: Path, wait_seconds: float = 2.0) -> dict[str, Any]:
    """The running demo's demo.json; it writes it right after taking the lock, so wait a little."""
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            state = json.loads((instance / STATE_NAME).read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            if time.monotonic() >= deadline:
                return {}
            time.sleep(0.1)
            continue
        return state if isinstance(state, dict) else {}


def claim(instance: Path, now: datetime | None = None) -> Run:
    """Take the instance folder's demo lock and make this run's folder.

    Raises DemoAlreadyRunning (touching nothing) when another process holds the lock.
    """
    instance.mkdir(parents=True, exist_ok=True)
    lock = (instance / LOCK_NAME).open("a+")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        raise DemoAlreadyRunning(instance, read_state(instance)) from None
    try:
        started = now or datetime.now(UTC)
        run_id, folder = _new_folder(instance / RUNS_NAME, f"{started:%Y%m%d-%H%M%S}-{os.getpid()}")
        run = Run(instance=instance, id=run_id, folder=folder, lock=lock)
        run.announce(status="starting", started=started.isoformat(timespec="seconds"))
    except BaseException:
        lock.close()
        raise
    return run


def _new_folder(runs: Path, stem: str) -> tuple[str, Path]:
    """A run folder that did not exist before (the same process may start twice a second)."""
    for number in range(1, 100):
        run_id = stem if number == 1 else f"{stem}-{number}"
        try:
            (runs / run_id / "logs").mkdir(parents=True)
        except FileExistsError:
            continue
        return run_id, runs / run_id
    raise FileExistsError(f"no free run folder named {stem}-N in {runs}")


def earlier_runs(run: Run) -> list[Path]:
    """Run folders other than this one, oldest first (ids sort by start time)."""
    runs = sorted(p for p in (run.instance / RUNS_NAME).iterdir() if p.is_dir())
    return [p for p in runs if p != run.folder]


def prune(run: Run, drop_schema: Callable[[dict[str, str]], None]) -> None:
    """Under the lock: drop schemas earlier runs left behind, keep the newest few folders."""
    earlier = earlier_runs(run)
    for folder in earlier:
        marker = folder / SCHEMA_MARKER
        if marker.is_file():
            drop_schema(json.loads(marker.read_text()))
            marker.unlink()
    for folder in earlier[: max(0, len(earlier) - (KEPT_RUNS - 1))]:
        shutil.rmtree(folder)
