"""The processes a demo starts: each in a session of its own, logging to a file of its own.

A child in its own session gets none of the terminal's signals (a Ctrl-C would otherwise reach
gunicorn, the worker and Redis at once, in no order); the demo stops them itself, in reverse
order, by process group, so a worker's work horse or gunicorn's workers go too. Each child also
asks the kernel to send it SIGTERM if the demo dies without stopping it (PR_SET_PDEATHSIG).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psutil

STOP_SECONDS = 10.0
ASK_AGAIN_SECONDS = 2.0
_PR_SET_PDEATHSIG = 1
_STOP_SIGNALS = (signal.SIGHUP, signal.SIGINT, signal.SIGTERM)


class ChildFailed(Exception):
    """A process the demo started exited, or did not get ready; the message shows its log."""


def _die_with_the_demo() -> None:
    """Runs in the child between fork and exec: the signals held while forking are let go
    (a blocked mask survives exec), and on Linux the child goes when the demo goes."""
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Hold SIGHUP/SIGINT/SIGTERM while a child is forked and recorded, so none goes untracked."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]
    log: Path
    stop_signal: signal.Signals

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log.read_text(errors="replace")
        except FileNotFoundError:
            return "(no log)"
        return "\n".join("    " + line for line in text.splitlines()[-lines:])

    def tree(self) -> list[psutil.Process]:
        """The child and every process it started (gunicorn's workers, a work horse)."""
        try:
            root = psutil.Process(self.pid)
            return [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []


@dataclass
class Children:
    """Every process one demo run started, in start order."""

    cwd: Path
    logs: Path
    started: list[Child] = field(default_factory=list)

    def start(
        self,
        name: str,
        command: Sequence[str],
        env: Mapping[str, str],
        stop_signal: signal.Signals = signal.SIGTERM,
    ) -> Child:
        log = self.logs / f"{name}.log"
        with log.open("ab") as output, signals_held():
            process = subprocess.Popen(
                list(command),
                cwd=self.cwd,
                env=dict(env),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_the_demo,
            )
            child = Child(name, process, log, stop_signal)
            self.started.append(child)
        return child

    def check_alive(self) -> None:
        """Raise ChildFailed if a long-running child has exited (without reaping it)."""
        for child in self.started:
            if child.name in ONE_SHOT or child.process.returncode is not None:
                continue
            status = exit_status(child.pid)
            if status is not None:
                raise ChildFailed(
                    f"{child.name} (PID {child.pid}) exited ({status}); "
                    f"its log ({child.log}):\n{child.log_tail()}"
                )

    def stop(self) -> list[tuple[str, float, bool]]:
        """Stop every child and its whole group: all at once, except the first started
        (Redis), which outlives its users. Returns (name, seconds, killed) for each."""
        began = time.monotonic()
        first, rest = self.started[:1], self.started[1:]
        stopped = []
        for wave in (rest, first):
            # Descendants that left the group (RQ runs each job in a work horse of its own
            # session) are found by parentage now, and killed if they outlive their parent.
            descendants = {child.pid: child.tree()[1:] for child in wave}
            for child in wave:
                ask_to_stop(child)
            for child in wave:
                killed = finish(child)
                _kill_survivors(descendants[child.pid])
                stopped.append((child.name, time.monotonic() - began, killed))
        return stopped


#: Children that are meant to exit (their readiness is having exited with status 0).
ONE_SHOT = frozenset({"migrate"})


def exit_status(pid: int) -> str | None:
    """How the child ended, or None while it runs; it stays unreaped, so its PID (its process
    group's id) cannot be given to another process while the demo may still signal that group."""
    info = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    if info is None:
        return None
    if info.si_code == os.CLD_EXITED:
        return f"status {info.si_status}"
    return f"signal {signal.Signals(info.si_status).name}"


def _exited(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while exit_status(pid) is None:
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
    return True


def _signal_group(pgid: int, signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):  # the whole group has already gone
        os.killpg(pgid, signum)


def _kill_survivors(processes: list[psutil.Process]) -> None:
    """Kill whichever of these still runs (psutil checks each is the same process, not a new
    one that reuses its PID), and wait for them."""
    alive = [process for process in processes if process.is_running()]
    for process in alive:
        with contextlib.suppress(psutil.NoSuchProcess):  # it ended on its own meanwhile
            process.kill()
    psutil.wait_procs(alive, timeout=STOP_SECONDS)


def ask_to_stop(child: Child) -> None:
    if child.process.returncode is None and exit_status(child.pid) is None:
        _signal_group(child.pid, child.stop_signal)


def finish(child: Child) -> bool:
    """Wait for a child asked to stop, and its whole group; True if it had to be killed."""
    if child.process.returncode is not None:  # reaped already
        return False
    # A second signal is a second Ctrl-C: RQ's worker then stops its running job (cold
    # shutdown) instead of finishing it; the run's data is its own, so nothing needs the job.
    if not _exited(child.pid, ASK_AGAIN_SECONDS):
        _signal_group(child.pid, child.stop_signal)
    killed = not _exited(child.pid, STOP_SECONDS - ASK_AGAIN_SECONDS)
    if killed:
        _signal_group(child.pid, signal.SIGKILL)
    # The leader has exited but is not reaped, so its group id is still ours: whatever is left
    # in the group (a work horse, a gunicorn worker) goes now, then the leader is reaped.
    _signal_group(child.pid, signal.SIGKILL)
    child.process.wait()
    return killed
