"""Health checks for the demo's processes, each checked against the process the demo started.

A port answering is not enough: another program (an earlier demo, anything on PORT) may hold
it. So every check that talks to a port first asks the kernel which process listens there and
requires it to be the child the demo started, or one of that child's own processes.
"""

from __future__ import annotations

import contextlib
import time
import urllib.error
import urllib.request
from collections.abc import Callable

import psutil
from redis import Redis
from redis.exceptions import RedisError
from rq import Worker

from demo.processes import Child, ChildFailed, Children, exit_status

READY_TIMEOUT_SECONDS = 90.0
#: `app.jobs.scheduler.LOCK_KEY`: the scheduler that runs holds it (checked by a test).
SCHEDULER_LOCK_KEY = "pricebridge:scheduler:lock"

#: A check answers None when ready, else what it is still waiting for.
Check = Callable[[], str | None]


def wait_for(child: Child, check: Check, children: Children) -> None:
    """Poll `check` until it passes; raise ChildFailed if any child exits or time runs out."""
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while True:
        children.check_alive()
        reason = check()
        if reason is None:
            return
        if time.monotonic() >= deadline:
            raise ChildFailed(
                f"{child.name} (PID {child.pid}) was not ready after "
                f"{READY_TIMEOUT_SECONDS:.0f}s: {reason}; its log ({child.log}):\n"
                f"{child.log_tail()}"
            )
        time.sleep(0.2)


def listener_of(port: int) -> psutil.Process | None:
    """The process listening on a loopback TCP port, if the kernel tells us."""
    with contextlib.suppress(psutil.AccessDenied):
        for connection in psutil.net_connections(kind="tcp"):
            if connection.status == psutil.CONN_LISTEN and connection.laddr.port == port:
                if connection.pid is None:
                    return None
                with contextlib.suppress(psutil.NoSuchProcess):
                    return psutil.Process(connection.pid)
    return None


def describe(process: psutil.Process | None) -> str:
    if process is None:
        return "a process this demo did not start"
    with contextlib.suppress(psutil.Error):
        return f"PID {process.pid} ({' '.join(process.cmdline()[:3])})"
    return f"PID {process.pid}"


def holds_port(child: Child, port: int) -> str | None:
    """None if the child (or a process of its own) listens on the port; raises ChildFailed if
    another process does."""
    holder = listener_of(port)
    if holder is None:
        return f"nothing listens on port {port} yet"
    if holder.pid in {process.pid for process in child.tree()}:
        return None
    raise ChildFailed(
        f"port {port} is held by {describe(holder)}, not by {child.name} (PID {child.pid}), "
        "which this demo started"
    )


def answers_http(child: Child, port: int, path: str) -> Check:
    def check() -> str | None:
        not_yet = holds_port(child, port)
        if not_yet:
            return not_yet
        url = f"http://127.0.0.1:{port}{path}"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return None if response.status == 200 else f"{url} answered {response.status}"
        except urllib.error.HTTPError as error:
            return f"{url} answered {error.code}"
        except OSError as error:
            return f"{url}: {error}"

    return check


def answers_ping(child: Child, port: int) -> Check:
    def check() -> str | None:
        not_yet = holds_port(child, port)
        if not_yet:
            return not_yet
        try:
            with Redis(host="127.0.0.1", port=port, socket_timeout=2) as redis:
                return None if redis.ping() else "no PONG"
        except RedisError as error:
            return f"redis: {error}"

    return check


def finished(child: Child) -> Check:
    """A one-shot child (the migration): ready once it has exited with status 0."""

    def check() -> str | None:
        status = exit_status(child.pid)
        if status is None:
            return f"{child.name} is still running"
        if status != "status 0":
            raise ChildFailed(
                f"{child.name} failed ({status}); its log ({child.log}):\n{child.log_tail()}"
            )
        return None

    return check


def worker_registered(child: Child, redis: Redis) -> Check:
    """RQ registers each worker with its PID; ours must be among them."""

    def check() -> str | None:
        pids = {worker.pid for worker in Worker.all(connection=redis)}
        return None if child.pid in pids else f"no RQ worker with PID {child.pid} registered"

    return check


def scheduler_holds_lock(redis: Redis) -> Check:
    """Only this run's scheduler talks to this run's private Redis, so the lock is its own."""

    def check() -> str | None:
        return None if redis.exists(SCHEDULER_LOCK_KEY) else "the scheduler holds no lock yet"

    return check
