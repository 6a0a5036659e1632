"""`make demo`: the whole app on one machine, with nothing to set up.

Migrates the database (SQLite under instance/ unless DATABASE_URL is set), starts a private
Redis on a free port when REDIS_URL is unset, then runs web, worker and scheduler, waits for
/readyz and prints the URL to open. Ctrl-C stops everything it started.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
READY_TIMEOUT_SECONDS = 60.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def port_from_env(name: str, default: int) -> int:
    raw = os.environ.get(name, str(default))
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise SystemExit(f"{name}: {raw!r} is not a TCP port")
    return int(raw)


@dataclass
class Processes:
    started: list[tuple[str, subprocess.Popen[bytes]]] = field(default_factory=list)

    def start(self, name: str, command: Sequence[str], env: Mapping[str, str]) -> None:
        print(f"  starting {name}: {' '.join(command)}", flush=True)
        process = subprocess.Popen(command, cwd=ROOT, env=dict(env), start_new_session=True)
        self.started.append((name, process))

    def check_alive(self) -> None:
        for name, process in self.started:
            if process.poll() is not None:
                raise SystemExit(f"{name} exited with status {process.returncode}")

    def stop(self) -> None:
        """Stop in reverse order, so Redis outlives the processes that use it."""
        # A second Ctrl-C (or make's own SIGTERM) must not cut the shutdown short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for name, process in reversed(self.started):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                print(f"  {name} did not stop in time; killing it", flush=True)
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def wait_ready(url: str, processes: Processes) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    last_error = "no answer yet"
    while time.monotonic() < deadline:
        processes.check_alive()
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own URL
                if response.status == 200:
                    return
        except urllib.error.HTTPError as error:
            last_error = f"HTTP {error.code}"
        except OSError as error:
            last_error = str(error)
        time.sleep(0.3)
    raise SystemExit(f"{url} was not ready after {READY_TIMEOUT_SECONDS:.0f}s: {last_error}")


def _interrupt(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main() -> None:
    signal.signal(signal.SIGTERM, _interrupt)
    env = dict(os.environ)
    env.setdefault("PRICEBRIDGE_ENV", "development")
    env.setdefault("LOG_FORMAT", "text")
    web_port = port_from_env("PORT", 8000)
    env["PORT"] = str(web_port)
    env.setdefault("SHOPIFY_APP_URL", f"http://127.0.0.1:{web_port}")
    env.setdefault("WEB_CONCURRENCY", "1")
    processes = Processes()
    try:
        if "REDIS_URL" not in env:
            redis_server = shutil.which("redis-server")
            if redis_server is None:
                raise SystemExit("REDIS_URL is unset and no redis-server binary is on PATH")
            redis_port = free_port()
            processes.start(
                "redis",
                [
                    redis_server,
                    "--bind",
                    "127.0.0.1",
                    "--port",
                    str(redis_port),
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                ],
                env,
            )
            env["REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
        flask = [str(BIN / "flask"), "--app", "app"]
        print("  migrating the database", flush=True)
        subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True)
        gunicorn = [str(BIN / "gunicorn"), "--config", "gunicorn.conf.py", "app:create_app()"]
        processes.start("web", gunicorn, env)
        processes.start("worker", [*flask, "worker"], env)
        processes.start("scheduler", [*flask, "scheduler"], env)
        wait_ready(f"http://127.0.0.1:{web_port}/readyz", processes)
        print(f"\nPriceBridge is running: open http://127.0.0.1:{web_port}/readyz", flush=True)
        print("Press Ctrl-C to stop.\n", flush=True)
        while True:
            processes.check_alive()
            time.sleep(1)
    except KeyboardInterrupt:
        print("\nstopping", flush=True)
    finally:
        processes.stop()


if __name__ == "__main__":
    main()
