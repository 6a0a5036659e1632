"""The real client against a live simulator on a free port: the two must agree end to end."""

from __future__ import annotations

import random
from typing import Any

import pytest
import requests

from app.ingest.oxylabs import JobStatus, OxylabsClient
from app.ingest.oxylabs_errors import (
    AuthError,
    FaultedJobError,
    MalformedResponseError,
    RetryableError,
    UnconfirmedError,
)
from tests.sim.oxylabs.support import LiveSimulator


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def _client(
    sim: LiveSimulator, sleep: Sleeps, password: str = "sim-pass", **timeouts: float
) -> OxylabsClient:
    return OxylabsClient(
        username="sim-user",
        password=password,
        realtime_url=f"{sim.url}/realtime/v1/queries",
        data_url=sim.url,
        max_retries=3,
        sleep=sleep,
        rng=random.Random(1),
        **timeouts,  # type: ignore[arg-type]
    )


def _configure(sim: LiveSimulator, **changes: Any) -> None:
    requests.post(f"{sim.url}/_sim/config", json=changes, timeout=5).raise_for_status()


def _stats(sim: LiveSimulator) -> dict[str, Any]:
    body: dict[str, Any] = requests.get(f"{sim.url}/_sim/stats", timeout=5).json()
    return body


def test_realtime_round_trip(live_sim: LiveSimulator) -> None:
    result = _client(live_sim, Sleeps()).realtime("B0CYVN8CCQ", "co.uk", "SW1A 1AA", "GBP")
    assert result["content"]["asin"] == "B0CYVN8CCQ"
    assert result["content"]["currency"] == "GBP"
    assert result["url"] == "https://www.amazon.co.uk/dp/B0CYVN8CCQ?th=1&psc=1&language=en_US"


def test_batch_round_trip_with_latency(live_sim: LiveSimulator) -> None:
    client = _client(live_sim, Sleeps())
    asins = ["B0CYVN8CCQ", "B084Y7CHX5", "B0846G5N74"]
    jobs = client.submit_batch(asins, "com", "90210", "USD")
    assert [job.asin for job in jobs] == asins
    assert {client.job_status(job.job_id) for job in jobs} == {JobStatus.PENDING}
    assert client.fetch_result(jobs[0].job_id) is None
    live_sim.clock.advance(5)
    assert [client.job_status(job.job_id) for job in jobs] == [
        JobStatus.DONE,
        JobStatus.DONE,
        JobStatus.FAULTED,
    ]
    results = [client.fetch_result(job.job_id) for job in jobs]
    assert [r["status_code"] for r in results if r] == [200, 200, 404]
    assert results[0] is not None
    assert results[0]["content"]["asin"] == "B0CYVN8CCQ"
    assert _stats(live_sim)["results_billed"] == 3


def test_same_clock_same_answer_and_time_moves_prices(live_sim: LiveSimulator) -> None:
    client = _client(live_sim, Sleeps())

    def price() -> Any:
        return client.realtime("B0CYVN8CCQ", "com", "90210", "USD")["content"]["price_upper"]

    first, again = price(), price()
    assert first == again
    seen = {first}
    for _ in range(24):
        live_sim.clock.advance(3600)
        seen.add(price())
    assert len(seen) > 1


def test_wrong_credentials_fail_at_once(live_sim: LiveSimulator) -> None:
    sleeps = Sleeps()
    with pytest.raises(AuthError, match="Oxylabs rejected the credentials: Client not found"):
        _client(live_sim, sleeps, password="wrong").realtime("B0CYVN8CCQ", "com", None, "USD")
    assert sleeps == []
    assert _stats(live_sim)["requests"] == 1


def test_injected_faults_are_retried_honouring_retry_after(live_sim: LiveSimulator) -> None:
    _configure(live_sim, next_faults=["429", "612", "524"], retry_after_seconds=2)
    sleeps = Sleeps()
    result = _client(live_sim, sleeps).realtime("B0CYVN8CCQ", "com", None, "USD")
    assert result["status_code"] == 200
    assert sleeps[0] == 2.0
    assert len(sleeps) == 3
    stats = _stats(live_sim)
    assert stats["by_status"] == {"200": 1, "429": 1, "524": 1, "612": 1}
    assert stats["results_billed"] == 1


def test_persistent_failure_exhausts_retries(live_sim: LiveSimulator) -> None:
    _configure(live_sim, next_faults=["502"] * 4)
    with pytest.raises(RetryableError, match="HTTP 502"):
        _client(live_sim, Sleeps()).job_status("1")


def test_a_broken_answer_to_a_query_is_billed_and_unconfirmed(live_sim: LiveSimulator) -> None:
    """The simulator did the query (Oxylabs bills it) and its answer was cut short on the
    way: the client cannot tell, so it says so instead of asking again."""
    _configure(live_sim, next_faults=["malformed"])
    with pytest.raises(UnconfirmedError):
        _client(live_sim, Sleeps()).realtime("B0CYVN8CCQ", "com", None, "USD")
    assert _stats(live_sim)["results_billed"] == 1


def test_an_answer_held_past_the_read_timeout_is_billed_and_unconfirmed(
    live_sim: LiveSimulator,
) -> None:
    _configure(live_sim, next_faults=["timeout"], stall_seconds=1.0)
    client = _client(live_sim, Sleeps(), realtime_read_timeout=0.3, read_timeout=0.3)
    with pytest.raises(UnconfirmedError, match="lost after sending"):
        client.realtime("B0CYVN8CCQ", "com", None, "USD")
    _configure(live_sim, next_faults=["timeout"])
    with pytest.raises(UnconfirmedError):
        client.submit_batch(["B0CYVN8CCQ", "B084Y7CHX5"], "com", None, "USD")
    assert _stats(live_sim)["results_billed"] == 3


def test_a_broken_answer_to_a_read_is_malformed_and_bills_nothing(
    live_sim: LiveSimulator,
) -> None:
    _configure(live_sim, job_latency_seconds=0)
    client = _client(live_sim, Sleeps())
    (job,) = client.submit_batch(["B0CYVN8CCQ"], "com", None, "USD")
    _configure(live_sim, next_faults=["malformed"])
    with pytest.raises(MalformedResponseError):
        client.fetch_result(job.job_id)
    assert client.fetch_result(job.job_id) is not None
    assert _stats(live_sim)["results_billed"] == 1


def test_faulted_job_surfaces_as_faulted(live_sim: LiveSimulator) -> None:
    _configure(live_sim, next_faulted_jobs=1)
    client = _client(live_sim, Sleeps())
    (job,) = client.submit_batch(["B0CYVN8CCQ"], "com", None, "USD")
    live_sim.clock.advance(5)
    assert client.job_status(job.job_id) is JobStatus.FAULTED
    with pytest.raises(FaultedJobError):
        client.fetch_result(job.job_id)
    assert _stats(live_sim)["results_billed"] == 0
