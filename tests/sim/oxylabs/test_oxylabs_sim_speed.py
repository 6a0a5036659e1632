"""What keeps the simulator instant: memoised pages that equal fresh ones, and a server that
keeps connections alive."""

from __future__ import annotations

import http.client
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import requests

from simulators.oxylabs.catalogue import Catalogue, Memo
from simulators.oxylabs.content import _page, product_content
from tests.sim.oxylabs.support import START, payload

ROOT = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").exists())


def test_a_memo_computes_each_answer_once_and_forgets_the_least_recently_used() -> None:
    memo: Memo[str] = Memo(2)
    calls: list[str] = []

    def compute(key: str) -> str:
        calls.append(key)
        return key.upper()

    assert memo.get("a", lambda: compute("a")) == "A"
    assert memo.get("b", lambda: compute("b")) == "B"
    assert memo.get("a", lambda: compute("a")) == "A"  # remembered; now the most recent
    assert memo.get("c", lambda: compute("c")) == "C"  # forgets b
    assert len(memo) == 2
    assert memo.get("b", lambda: compute("b")) == "B"
    assert calls == ["a", "b", "c", "b"]


def test_a_memo_needs_room() -> None:
    with pytest.raises(ValueError, match="at least one answer, got 0"):
        Memo(0)


@pytest.mark.parametrize("minutes", [0, 7, 59, 60, 61, 24 * 60 + 1, 3 * 24 * 60 + 13])
def test_a_remembered_page_is_the_page_computed_afresh(minutes: int) -> None:
    catalogue = Catalogue(seed=2, price_period_seconds=3600)
    at = START + timedelta(minutes=minutes)
    for asin in ("B0CYVN8CCQ", "B084Y7CHX5", "B000000007"):
        for domain, currency in (("com", None), ("co.uk", "GBP"), ("de", "USD")):
            # Another moment first: the memo must not answer it for this one.
            product_content(catalogue, asin, domain, currency, True, at - timedelta(hours=30))
            remembered = product_content(catalogue, asin, domain, currency, True, at)
            again = product_content(catalogue, asin, domain, currency, True, at)
            assert again is remembered
            assert remembered == _page(Catalogue(seed=2), asin, domain, currency, True, at)


def test_pages_move_with_the_price_period() -> None:
    catalogue = Catalogue(seed=1, price_period_seconds=60)
    prices = {
        product_content(catalogue, "B0CYVN8CCQ", "com", None, True, START + timedelta(minutes=m))[
            "price_upper"
        ]
        for m in range(0, 24 * 60, 30)
    }
    assert len(prices) > 3


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_served_simulator_keeps_connections_alive_and_stops_quickly() -> None:
    port = _free_port()
    command = [sys.executable, "-m", "simulators.oxylabs", "--port", str(port), "--threads", "4"]
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        session = requests.Session()
        for _ in range(100):
            try:
                session.get(f"{url}/_sim/stats", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.05)
        auth = ("sim-user", "sim-pass")
        submitted = session.post(
            f"{url}/v1/queries/batch", json=payload(["B0CYVN8CCQ", "B084Y7CHX5"]), auth=auth
        )
        assert submitted.status_code == 200
        answers = [
            session.get(f"{url}/v1/queries/{job['id']}/results", auth=auth, timeout=5)
            for job in submitted.json()["queries"]
        ]
        assert [a.json()["results"][0]["content"]["asin"] for a in answers] == [
            "B0CYVN8CCQ",
            "B084Y7CHX5",
        ]
        assert {a.headers.get("Connection") for a in answers} == {"keep-alive"}
        assert session.get(f"{url}/_sim/stats").json()["requests"] == 3
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        sockets = []
        for _ in range(3):
            connection.request("GET", "/_sim/stats")
            connection.getresponse().read()
            sockets.append(connection.sock)
        connection.close()
        assert sockets[0] is not None
        assert sockets == [sockets[0]] * 3  # one connection served every request
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0
