"""The demo launcher's parts, without starting a demo: lock, run folders, stores, console,
process groups and port ownership."""

from __future__ import annotations

import fnmatch
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from redis import Redis

from app.jobs.scheduler import LOCK_KEY
from app.observability.logging import EcsFormatter
from app.realtime.events import channel
from demo import processes, readiness, runs, stores
from demo.console import EventLines, events_pattern, log_line
from tests.demo.launch import ROOT, left_in_groups

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")


def test_a_second_claim_refuses_with_the_first_runs_pid_and_url(tmp_path: Path) -> None:
    first = runs.claim(tmp_path)
    first.announce(status="running", url="http://127.0.0.1:5555/store/demo/apps/k")
    with pytest.raises(runs.DemoAlreadyRunning) as refused:
        runs.claim(tmp_path)
    assert f"(PID {os.getpid()}): open http://127.0.0.1:5555/store/demo/apps/k" in str(
        refused.value
    )
    assert [p.name for p in (tmp_path / runs.RUNS_NAME).iterdir()] == [first.id]
    first.release()
    second = runs.claim(tmp_path)  # the lock went with the first run
    assert second.folder.is_dir()
    second.release()


def test_a_refusal_while_the_first_is_starting_says_so(tmp_path: Path) -> None:
    first = runs.claim(tmp_path)
    with pytest.raises(runs.DemoAlreadyRunning, match="still starting"):
        runs.claim(tmp_path)
    first.release()


def test_prune_keeps_the_newest_runs_and_drops_their_leftover_schemas(tmp_path: Path) -> None:
    old = tmp_path / runs.RUNS_NAME
    for number in range(8):
        (old / f"20260101-00000{number}-1").mkdir(parents=True)
    marker = {"server_url": "postgresql://x", "schema": "pricebridge_demo_left"}
    (old / "20260101-000007-1" / runs.SCHEMA_MARKER).write_text(json.dumps(marker))
    dropped: list[dict[str, str]] = []
    run = runs.claim(tmp_path)
    runs.prune(run, dropped.append)
    assert dropped == [marker]
    kept = sorted(p.name for p in old.iterdir())
    assert len(kept) == runs.KEPT_RUNS
    assert run.id in kept
    assert "20260101-000007-1" in kept
    run.release()


def test_a_database_the_demo_cannot_own_is_refused(tmp_path: Path) -> None:
    run = runs.claim(tmp_path)
    with pytest.raises(stores.StoreRefused, match="leave DATABASE_URL unset"):
        stores.fresh_database(run, "mysql://db/x")
    with pytest.raises(stores.StoreRefused, match="already sets `options`"):
        stores.fresh_database(run, f"{TEST_DATABASE_URL}?options=-csearch_path%3Dpublic")
    assert stores.fresh_database(run, None).url.endswith(f"{run.id}/demo.sqlite")
    run.release()


def _schema_exists(name: str) -> bool:
    with psycopg.connect(TEST_DATABASE_URL) as connection:
        found = connection.execute(
            "SELECT 1 FROM information_schema.schemata WHERE schema_name = %s", (name,)
        ).fetchone()
    return found is not None


def test_a_postgresql_schema_left_by_a_killed_run_is_dropped_by_the_next(tmp_path: Path) -> None:
    killed = runs.claim(tmp_path)
    database = stores.fresh_database(killed, TEST_DATABASE_URL)
    assert database.schema is not None
    assert _schema_exists(database.schema)
    assert "search_path" in database.url
    killed.lock.close()  # as if killed: no release, no drop; the kernel lets the lock go
    later = runs.claim(tmp_path)
    runs.prune(later, stores.drop_schema)
    assert not _schema_exists(database.schema)
    later.release()


def test_events_pattern_and_scheduler_lock_are_the_apps() -> None:
    for db in (0, 3):
        redis = Redis(db=db)  # no connection is made: only the name is built
        assert fnmatch.fnmatchcase(channel(42, redis), events_pattern(redis))
        assert not fnmatch.fnmatchcase(channel(42, Redis(db=db + 1)), events_pattern(redis))
    assert readiness.SCHEDULER_LOCK_KEY == LOCK_KEY


def _observation(product: int, price: str, availability: str = "in_stock") -> dict[str, object]:
    return {
        "type": "observation",
        "data": {"product_id": product, "price": price, "currency": "USD",
                 "availability": availability, "quarantined": False},
    }  # fmt: skip


def test_an_observation_gets_a_line_only_when_something_changed() -> None:
    lines = EventLines()
    assert lines.line(_observation(1, "10.00")) is None
    assert lines.line(_observation(1, "10.00")) is None
    assert (
        lines.line(_observation(1, "9.50")) == "observation  product 1: 10.00 → 9.50 USD, in_stock"
    )
    assert lines.line(_observation(1, "9.50", "out_of_stock")) == (
        "observation  product 1: 9.50 USD, out_of_stock"
    )
    assert lines.tally(lines.tally_at + 31) == "observations 1 first for their product, 1 unchanged"
    assert lines.tally(lines.tally_at + 1) is None


def test_price_changes_pushes_and_errors_get_one_line_each() -> None:
    lines = EventLines()
    change = {"id": 7, "product_id": 3, "currency": "USD", "previous_price": "18.00"}
    proposed = {**change, "state": "proposed", "proposed_price": "21.99"}
    pushed = {**change, "state": "pushed", "confirmed_price": "21.99"}
    failed = {**change, "state": "failed", "error": "throttled"}
    held = {**change, "state": "held", "held_reason": "below_floor", "held_message": None}
    assert lines.line({"type": "price_change", "data": proposed}) == (
        "price change #7 product 3: 18.00 → 21.99 USD"
    )
    assert lines.line({"type": "price_change", "data": pushed}) == (
        "push         #7 product 3: Shopify confirmed 21.99 USD"
    )
    assert lines.line({"type": "price_change", "data": failed}) == (
        "push         #7 product 3 failed: throttled"
    )
    assert lines.line({"type": "price_change", "data": held}) == (
        "price change #7 product 3: held (below_floor)"
    )
    assert lines.line({"type": "price_change", "data": {**change, "state": "pushing"}}) is None
    error = {"type": "error", "data": {"code": "provider_needs_attention", "message": "401"}}
    assert lines.line(error) == "error        provider_needs_attention: 401"


def test_only_error_lines_of_a_log_reach_the_console() -> None:
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "push failed", None, None)
    assert log_line("worker", EcsFormatter().format(record)) == "error        worker: push failed"
    ecs = ({"log.level": "info", "message": "OK"}, {"log.level": "error", "message": "push failed"})
    gunicorn = ({"level": "INFO", "msg": "OK"}, {"level": "ERROR", "msg": "push failed"})
    for info, error in (ecs, gunicorn):
        assert log_line("worker", json.dumps(info)) is None
        assert log_line("worker", json.dumps(error)) == "error        worker: push failed"
    assert log_line("web", "Traceback (most recent call last):") == (
        "error        web: a traceback (see logs/web.log)"
    )
    assert log_line("web", '127.0.0.1 - - "GET /readyz HTTP/1.1" 200') is None


def test_a_child_that_will_not_stop_is_killed_with_everything_it_started(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(processes, "STOP_SECONDS", 1.0)
    monkeypatch.setattr(processes, "ASK_AGAIN_SECONDS", 0.3)
    children = processes.Children(tmp_path, tmp_path)
    stubborn = "trap '' TERM; sleep 60 & sleep 60 & wait"
    child = children.start("stubborn", ["sh", "-c", stubborn], dict(os.environ))
    time.sleep(0.3)
    assert len(left_in_groups({child.pid})) == 3
    [(name, _seconds, killed)] = children.stop()
    assert (name, killed) == ("stubborn", True)
    assert left_in_groups({child.pid}) == []


def test_a_grandchild_in_a_session_of_its_own_goes_too(tmp_path: Path) -> None:
    # RQ runs each job in a work horse that calls setsid(): out of the worker's group.
    children = processes.Children(tmp_path, tmp_path)
    child = children.start("worker", ["sh", "-c", "setsid sleep 60 & wait"], dict(os.environ))

    def horse_in_its_own_session() -> bool:
        # `setsid` calls setsid() and then execs `sleep`: until then it is in the worker's group.
        grandchildren = child.tree()[1:]
        return len(grandchildren) == 1 and grandchildren[0].name() == "sleep"

    try:
        deadline = time.monotonic() + 30
        while not horse_in_its_own_session() and time.monotonic() < deadline:
            time.sleep(0.05)
        [horse] = child.tree()[1:]
        assert os.getpgid(horse.pid) != child.pid
    finally:
        children.stop()  # a failed check leaves no process to warn about in the next test
    assert not horse.is_running()


def test_a_child_gets_the_stop_signals_though_they_are_held_while_it_is_forked(
    tmp_path: Path,
) -> None:
    children = processes.Children(tmp_path, tmp_path)
    child = children.start("sleeper", ["sleep", "60"], dict(os.environ))
    [(_name, seconds, killed)] = children.stop()
    assert not killed
    assert seconds < processes.ASK_AGAIN_SECONDS
    assert child.process.returncode == -signal.SIGTERM


def test_a_port_held_by_another_process_is_named_not_taken_for_the_child(
    tmp_path: Path,
) -> None:
    children = processes.Children(tmp_path, tmp_path)
    child = children.start("sleeper", ["sleep", "60"], dict(os.environ))
    try:
        with socket.socket() as other:
            other.bind(("127.0.0.1", 0))
            other.listen()
            port = other.getsockname()[1]
            with pytest.raises(processes.ChildFailed, match=f"held by PID {os.getpid()}"):
                readiness.holds_port(child, port)
        assert readiness.holds_port(child, port) == f"nothing listens on port {port} yet"
    finally:
        children.stop()


def test_a_child_that_exits_is_reported_with_its_log(tmp_path: Path) -> None:
    children = processes.Children(tmp_path, tmp_path)
    children.start("web", [sys.executable, "-c", "print('Address in use'); raise SystemExit(3)"],
                   dict(os.environ))  # fmt: skip
    time.sleep(1.0)
    with pytest.raises(processes.ChildFailed, match=r"web \(PID \d+\) exited \(status 3\)"):
        children.check_alive()
    assert "Address in use" in (tmp_path / "web.log").read_text()
    children.stop()


def test_a_refusal_loads_nothing_but_the_standard_library(tmp_path: Path) -> None:
    """A second `make demo` answers before Flask, SQLAlchemy, Redis or the app are imported."""
    held = runs.claim(tmp_path)
    held.announce(status="running", url="http://127.0.0.1:5555/store/demo/apps/k")
    heavy = ("app", "flask", "sqlalchemy", "redis", "rq", "psycopg", "psutil")
    code = (
        "import sys; from demo.launcher import main; status = main(); "
        f"print(sorted(m for m in {heavy!r} if m in sys.modules)); sys.exit(status)"
    )
    env = {**os.environ, "INSTANCE_PATH": str(tmp_path)}
    env.pop("PORT", None)
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip
    held.release()
    assert done.returncode == 1
    assert done.stdout.strip() == "[]"
    assert f"already running here (PID {os.getpid()})" in done.stderr
