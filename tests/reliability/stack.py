"""The whole of PriceBridge as separate processes, on dependencies the suite owns.

`Stack` starts a PRIVATE redis-server and a PRIVATE PostgreSQL cluster (initdb into a temporary
folder, pg_ctl on a free port), both simulators, and the app's `web` (gunicorn), `worker` and
`scheduler`, each writing its log to a file the secrets scan reads. The shared 127.0.0.1:5432
and :6379 services other test sessions use are never stopped: every fault is injected into the
suite's own copies.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support import ROOT, make_env

BIN = Path(sys.executable).parent
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(check: Callable[[], bool], timeout: float, what: str, poll: float = 0.1) -> float:
    """Poll `check` until it is true; return the seconds it took, or fail naming `what`."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if check():
            return time.monotonic() - start
        time.sleep(poll)
    raise AssertionError(f"{what}: not true after {timeout:.0f} s")


def http_json(
    method: str, url: str, body: Any = None, headers: Mapping[str, str] | None = None
) -> tuple[int, Any]:
    status, decoded, _ = http_call(method, url, body, headers)
    return status, decoded


def http_call(
    method: str, url: str, body: Any = None, headers: Mapping[str, str] | None = None
) -> tuple[int, Any, Mapping[str, str]]:
    """One JSON request: the status, the decoded body and the response's headers."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, _decoded(response.read()), response.headers
    except urllib.error.HTTPError as error:
        return error.code, _decoded(error.read()), error.headers


def _decoded(raw: bytes) -> Any:
    """JSON when the body is JSON, else its text (an HTML page, a plain-text reason)."""
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode(errors="replace")


def _as_postgres(command: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root: run them as the `postgres` user then."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


@dataclass
class Process:
    name: str
    command: list[str]
    env: dict[str, str]
    log_path: Path
    popen: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.popen = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def cpu_seconds(self) -> float:
        """CPU the process has used, with its children that exited (RQ's work horses)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        # utime, stime, cutime, cstime: fields 14-17 of proc(5), counted from the state.
        return sum(int(value) for value in fields[11:15]) / os.sysconf("SC_CLK_TCK")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15) -> None:
        if self.popen is None:
            return
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, sig)
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait()
        self.popen = None


@dataclass
class PrivateRedis:
    folder: Path
    port: int = field(default_factory=free_port)
    process: Process | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = [
            shutil.which("redis-server") or "redis-server",
            "--bind",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--save",
            "",
            "--appendonly",
            "no",
        ]
        self.process = Process("redis", command, dict(os.environ), self.folder / "redis.log")
        self.process.start()
        wait_until(self._answers, 10, "private redis-server starts")

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop(signal.SIGKILL)  # a crash: what is in memory is gone


@dataclass
class PrivatePostgres:
    folder: Path
    port: int = field(default_factory=free_port)

    @property
    def data(self) -> Path:
        return self.folder / "pgdata"

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/pricebridge"

    def init(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        subprocess.run(
            _as_postgres(
                [
                    str(PG_BIN / "initdb"),
                    "-D",
                    str(self.data),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "--no-sync",
                    "-E",
                    "UTF8",
                ]
            ),
            check=True,
            capture_output=True,
        )
        self.start()
        subprocess.run(
            [
                str(PG_BIN / "createdb"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "pricebridge",
            ],
            check=True,
            capture_output=True,
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run(
            _as_postgres(
                [
                    str(PG_BIN / "pg_ctl"),
                    "-D",
                    str(self.data),
                    "-l",
                    str(self.folder / "postgres.log"),
                    "-o",
                    options,
                    "-w",
                    "start",
                ]
            ),
            check=True,
            capture_output=True,
        )

    def stop(self, mode: str = "immediate") -> None:
        subprocess.run(
            _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"]),
            check=False,
            capture_output=True,
        )

    def dump(self) -> str:
        return subprocess.run(
            [
                str(PG_BIN / "pg_dump"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "--data-only",
                "pricebridge",
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout


@dataclass
class Stack:
    folder: Path
    redis: PrivateRedis = field(init=False)
    postgres: PrivatePostgres = field(init=False)
    env: dict[str, str] = field(init=False)
    processes: dict[str, Process] = field(default_factory=dict)
    web_port: int = field(default_factory=free_port)
    shopify_url: str = ""
    oxylabs_url: str = ""

    def __post_init__(self) -> None:
        self.redis = PrivateRedis(self.folder)
        # Not under pytest's tmp folder: the `postgres` user cannot traverse root's 0700 one.
        self.postgres = PrivatePostgres(Path(tempfile.mkdtemp(prefix="pricebridge-pg-")))

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def start(self) -> None:
        self.redis.start()
        self.postgres.init()
        self.env = {
            **os.environ,
            **make_env(
                self.folder,
                DATABASE_URL=self.postgres.url,
                REDIS_URL=self.redis.url,
                SHOPIFY_APP_URL=self.web_url,
                PORT=str(self.web_port),
                WEB_CONCURRENCY="1",
                WEB_THREADS="16",
                LOG_LEVEL="INFO",
                SCHEDULER_TICK_SECONDS="1",
            ),
        }
        self._start_simulators()
        subprocess.run(
            [str(BIN / "flask"), "--app", "app", "db", "upgrade"],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
        )
        self.start_process(
            "web", [str(BIN / "gunicorn"), "--config", "gunicorn.conf.py", "app:create_app()"]
        )
        self.start_process("worker", [str(BIN / "flask"), "--app", "app", "worker"])
        self.start_process("scheduler", [str(BIN / "flask"), "--app", "app", "scheduler"])
        wait_until(lambda: self._answers(f"{self.web_url}/readyz"), 60, "web ready")

    def _start_simulators(self) -> None:
        shopify_port, oxylabs_port = free_port(), free_port()
        self.shopify_url = f"http://127.0.0.1:{shopify_port}"
        self.oxylabs_url = f"http://127.0.0.1:{oxylabs_port}"
        self.start_process(
            "shopify-simulator",
            [
                sys.executable,
                "-m",
                "simulators.shopify",
                "--port",
                str(shopify_port),
                "--api-key",
                self.env["SHOPIFY_API_KEY"],
                "--api-secret",
                self.env["SHOPIFY_API_SECRET"],
                "--app-url",
                self.web_url,
            ],
        )
        self.start_process(
            "oxylabs-simulator",
            [
                sys.executable,
                "-m",
                "simulators.oxylabs",
                "--port",
                str(oxylabs_port),
            ],
        )
        self.env.update(
            SHOPIFY_ADMIN_ORIGIN=f"{self.shopify_url}/shops/{{shop}}",
            OXYLABS_USERNAME="sim-user",
            OXYLABS_PASSWORD="sim-pass",
            OXYLABS_REALTIME_URL=f"{self.oxylabs_url}/realtime/v1/queries",
            OXYLABS_DATA_URL=self.oxylabs_url,
        )
        wait_until(lambda: self._answers(f"{self.shopify_url}/_sim/shops"), 30, "shopify sim")
        wait_until(lambda: self._answers(f"{self.oxylabs_url}/_sim/stats"), 30, "oxylabs sim")

    @staticmethod
    def _answers(url: str) -> bool:
        try:
            return http_json("GET", url)[0] == 200
        except OSError:
            return False

    def start_process(self, name: str, command: list[str]) -> Process:
        process = Process(name, command, self.env, self.folder / f"{name}.log")
        process.start()
        self.processes[name] = process
        return process

    def restart(self, name: str) -> None:
        process = self.processes[name]
        process.stop()
        process.start()

    def stop(self) -> None:
        for process in reversed(list(self.processes.values())):
            process.stop()
        self.postgres.stop("fast")
        for log in self.postgres.folder.glob("*.log"):
            shutil.copy(log, self.folder / f"postgres-{log.name}")
        shutil.rmtree(self.postgres.folder, ignore_errors=True)
        self.redis.stop()

    def configure_oxylabs(self, **changes: Any) -> None:
        """Change the Oxylabs simulator's settings (latency, faults) while the stack runs."""
        status, body = http_json("POST", f"{self.oxylabs_url}/_sim/config", changes)
        assert status == 200, body

    def oxylabs_stats(self) -> dict[str, Any]:
        status, body = http_json("GET", f"{self.oxylabs_url}/_sim/stats")
        assert status == 200, body
        return dict(body)

    def log_files(self) -> Iterator[Path]:
        yield from sorted(self.folder.glob("*.log"))


@contextmanager
def running_stack(folder: Path) -> Iterator[Stack]:
    stack = Stack(folder)
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()
