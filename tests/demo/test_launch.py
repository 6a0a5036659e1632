"""`make demo` started for real, three at once: a second run, each stop signal, the web port.

Each demo has its own instance folder (as two clones would), so these tests never meet a
developer's own demo. They take a while (three full starts), so they share them.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.demo.launch import Launched, gone, launch, left_in_groups, left_of, listening
from tests.support import free_port

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
LONG_RUNNING = {"redis", "shopify-simulator", "oxylabs-simulator", "web", "worker", "scheduler"}
MAKE = shutil.which("make")


@pytest.fixture(scope="module")
def demos(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Launched]]:
    """SIGHUP's demo runs through `make demo` on a free port; SIGINT's on PORT; SIGTERM's on
    PostgreSQL. All start at once; every one is stopped at the end, whatever happened."""
    base = tmp_path_factory.mktemp("demos")
    make = [str(MAKE), "--no-print-directory", "demo"] if MAKE else None
    started = {
        "SIGHUP": launch(base / "hup", make),
        "SIGINT": launch(base / "int", PORT=str(free_port())),
        "SIGTERM": launch(base / "term", DATABASE_URL=TEST_DATABASE_URL),
    }
    try:
        for demo in started.values():
            demo.wait_ready()
        yield started
    finally:
        for demo in started.values():
            if demo.process.poll() is None:
                demo.signal_group(signal.SIGTERM)
                demo.wait_exit()


def _port(url: object) -> int:
    return int(str(url).rsplit(":", 1)[1].split("/")[0])


def _groups(demo: Launched) -> set[int]:
    processes = demo.state()["processes"]
    assert isinstance(processes, dict)
    return {demo.pid, *(int(pid) for pid in processes.values())}


def test_the_url_comes_once_every_process_it_started_runs_and_listens(
    demos: dict[str, Launched],
) -> None:
    for demo in demos.values():
        state = demo.state()
        processes = state["processes"]
        assert isinstance(processes, dict)
        assert LONG_RUNNING | {"migrate"} == set(processes)
        for name in LONG_RUNNING:
            os.kill(int(processes[name]), 0)  # alive, or ProcessLookupError
        assert state["status"] == "running"
        assert str(state["url"]) in demo.text()
        web = int(processes["web"])
        assert ("127.0.0.1", _port(state["app_url"])) in listening(web)
        with urllib.request.urlopen(f"{state['app_url']}/readyz", timeout=5) as response:
            assert response.status == 200


def test_the_console_is_a_short_banner_then_one_line_per_event(
    demos: dict[str, Launched],
) -> None:
    demo = demos["SIGHUP"]
    deadline = time.monotonic() + 120
    change = re.compile(r"^\d\d:\d\d:\d\d  price change #\d+ product \d+: ")
    while not any(change.match(line) for line in demo.text().splitlines()):
        assert time.monotonic() < deadline, demo.text()
        time.sleep(0.5)
    before_banner = demo.text().split("PriceBridge is running")[0].strip().splitlines()
    # "Starting ...", after at most a line per setup step make had to do (install, build).
    assert before_banner[-1].startswith("Starting PriceBridge (run "), before_banner
    assert len(before_banner) <= 4, before_banner
    banner = demo.text().split("Events:")[0]
    assert "Things to try:" in banner
    assert f"Logs (JSON, one file per process): {demo.state()['logs']}" in banner
    assert '"log.level"' not in demo.text()  # the JSON logs stay in their files
    assert '"level"' not in demo.text()


def test_without_port_the_web_takes_a_free_port_on_loopback_only(
    demos: dict[str, Launched],
) -> None:
    state = demos["SIGHUP"].state()
    port = _port(state["app_url"])
    assert str(state["app_url"]).startswith("http://127.0.0.1:")
    web = int(state["processes"]["web"])  # type: ignore[index]
    assert {address for address, bound in listening(web) if bound == port} == {"127.0.0.1"}


def test_port_sets_the_web_port(demos: dict[str, Launched]) -> None:
    demo = demos["SIGINT"]
    assert _port(demo.state()["app_url"]) == int(demo.env["PORT"])


def test_a_second_demo_refuses_naming_the_first_and_harms_nothing(
    demos: dict[str, Launched],
) -> None:
    first = demos["SIGHUP"]
    before = first.state()
    runs_before = sorted(p.name for p in (first.instance / "demo-runs").iterdir())
    second = launch(first.instance, PORT=str(free_port()))
    assert second.wait_exit(60) == 1
    said = second.text()
    assert f"already running here (PID {before['pid']})" in said
    assert f"open {before['url']}" in said
    assert first.state() == before
    assert sorted(p.name for p in (first.instance / "demo-runs").iterdir()) == runs_before
    assert (Path(str(before["folder"])) / "demo.sqlite").is_file()
    for name in LONG_RUNNING:
        os.kill(int(before["processes"][name]), 0)  # type: ignore[index]
    with urllib.request.urlopen(f"{before['app_url']}/readyz", timeout=5) as response:
        assert response.status == 200


def test_a_postgresql_run_migrates_a_schema_of_its_own(demos: dict[str, Launched]) -> None:
    run = str(demos["SIGTERM"].state()["run"])
    schema = "pricebridge_demo_" + run.replace("-", "_")
    with psycopg.connect(TEST_DATABASE_URL) as connection:
        tables = connection.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s", (schema,)
        ).fetchone()
    assert tables is not None
    assert tables[0] > 5


def test_a_port_in_use_is_refused_before_anything_is_touched(tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        refused = launch(tmp_path / "instance", PORT=str(port))
        assert refused.wait_exit(60) != 0
    assert f"PORT {port} is in use by PID {os.getpid()}" in refused.text()
    assert list((tmp_path / "instance").iterdir()) == []


def test_a_process_that_fails_to_start_means_no_url_and_nothing_left(tmp_path: Path) -> None:
    # gunicorn.conf.py refuses WEB_CONCURRENCY=0, so the web process exits at start.
    failed = launch(tmp_path / "instance", WEB_CONCURRENCY="0")
    assert failed.wait_exit(120) == 1
    said = failed.text()
    assert "the demo cannot run: web (PID" in said
    assert "WEB_CONCURRENCY: 0 is outside" in said
    assert "PriceBridge is running" not in said
    assert "open http" not in said
    assert [line for line in said.splitlines() if line.startswith("stopped ")], said
    assert left_of(tmp_path / "instance") == []
    assert not (tmp_path / "instance" / "demo.json").exists()


@pytest.mark.parametrize(
    "signum", [signal.SIGHUP, signal.SIGINT, signal.SIGTERM], ids=lambda s: s.name
)
def test_each_stop_signal_to_the_group_leaves_no_process(
    demos: dict[str, Launched], signum: signal.Signals
) -> None:
    demo = demos[signum.name]
    state = demo.state()
    groups = _groups(demo)
    demo.signal_group(signum)
    demo.wait_exit(60)
    # Under make, make itself dies of SIGHUP at once: the demo goes on stopping, then ends.
    assert gone(int(str(state["pid"])), seconds=60)
    assert left_in_groups(groups) == []
    assert left_of(demo.instance) == []
    with socket.socket() as probe:  # the web port is free again (TIME_WAIT aside)
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", _port(state["app_url"])))
    assert not (demo.instance / "demo.json").exists()
    if signum == signal.SIGTERM:
        schema = "pricebridge_demo_" + str(state["run"]).replace("-", "_")
        with psycopg.connect(TEST_DATABASE_URL) as connection:
            found = connection.execute(
                "SELECT 1 FROM information_schema.schemata WHERE schema_name = %s", (schema,)
            ).fetchone()
        assert found is None


if sys.platform != "linux":  # pragma: no cover - the project runs on Linux
    pytestmark = pytest.mark.skip(reason="reads /proc")
