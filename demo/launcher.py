"""`python -m demo` (what `make demo` runs): claim the run, then start everything.

Only the standard library is loaded before the instance folder's demo lock is taken, so a
second `make demo` refuses at once, having touched nothing, naming the running demo's URL and
PID. The processes themselves are started by `demo.stack`, imported once the lock is held.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import time
from pathlib import Path
from types import FrameType

from demo import runs

ROOT = Path(__file__).resolve().parent.parent
STOP_SIGNALS = (signal.SIGHUP, signal.SIGINT, signal.SIGTERM)


class StopDemo(BaseException):
    """A stop signal arrived (raised in the main thread by the handler, like Ctrl-C)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _on_signal(signum: int, _frame: FrameType | None) -> None:
    raise StopDemo(signum)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def web_port(env: dict[str, str]) -> int:
    """PORT if set (it must be free on 127.0.0.1), else a free loopback port."""
    raw = env.get("PORT", "").strip()
    if not raw:
        return free_port()
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise SystemExit(f"PORT: {raw!r} is not a TCP port")
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", int(raw)))
        except OSError:
            from demo.readiness import describe, listener_of

            holder = describe(listener_of(int(raw)))
            raise SystemExit(
                f"PORT {raw} is in use by {holder}; unset PORT or pick another"
            ) from None
    return int(raw)


def main() -> int:
    began = time.monotonic()
    for signum in STOP_SIGNALS:
        signal.signal(signum, _on_signal)
    instance = (ROOT / os.environ.get("INSTANCE_PATH", "instance")).resolve()
    try:
        port = web_port(dict(os.environ))
        run = runs.claim(instance)
    except runs.DemoAlreadyRunning as refusal:
        sys.stderr.write(f"{refusal}\n")
        return 1
    except StopDemo:
        return 1
    try:
        from demo.stack import run_demo
    except StopDemo:
        run.release()
        return 1
    return run_demo(run, port, began)
