"""The simulator's HTTP surface through Flask's test client."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest
from flask.testing import FlaskClient

from simulators.oxylabs import ManualClock
from tests.sim.oxylabs.shapes import mismatches
from tests.sim.oxylabs.support import AUTH, payload, real_fixture


def _stats(client: FlaskClient) -> dict[str, Any]:
    body = client.get("/_sim/stats").get_json()
    assert isinstance(body, dict)
    return body


def _configure(client: FlaskClient, **changes: Any) -> None:
    response = client.post("/_sim/config", json=changes)
    assert response.status_code == 200, response.get_json()


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "Authorization header not provided"),
        ({"Authorization": "Basic !!!"}, "Invalid authorization header"),
        ({"Authorization": "Bearer " + base64.b64encode(b"a:b").decode()}, "Invalid authorization"),
        ({"Authorization": "Basic " + base64.b64encode(b"sim-user:nope").decode()}, "Client not"),
    ],
)
def test_basic_auth_is_required(
    sim_client: FlaskClient, headers: dict[str, str], message: str
) -> None:
    response = sim_client.post("/realtime/v1/queries", json=payload("B0CYVN8CCQ"), headers=headers)
    assert response.status_code == 401
    assert response.get_json()["message"].startswith(message)


def test_realtime_answers_like_the_real_api(sim_client: FlaskClient) -> None:
    real = real_fixture("real_amazon_product_in_stock_3p_seller_B0CYVN8CCQ.json")
    response = sim_client.post("/realtime/v1/queries", json=payload("B0CYVN8CCQ"), headers=AUTH)
    body = response.get_json()
    assert response.status_code == 200
    assert body.keys() == real.keys()
    assert body["job"].keys() == real["job"].keys()
    result = body["results"][0]
    assert result.keys() - {"type"} == real["results"][0].keys()
    assert result["status_code"] == 200
    assert result["job_id"] == body["job"]["id"]
    assert result["created_at"] == "2025-06-23 17:56:37"
    assert body["job"]["status"] == "done"
    assert {"key": "currency", "value": "USD"} in body["job"]["context"]


def test_dead_asin_comes_back_as_the_real_faulted_404(sim_client: FlaskClient) -> None:
    real = real_fixture("real_amazon_product_faulted_404_B0846G5N74.json")
    body = sim_client.post(
        "/realtime/v1/queries", json=payload("B0846G5N74"), headers=AUTH
    ).get_json()
    assert body["results"][0]["content"] == real["results"][0]["content"]
    assert body["results"][0]["status_code"] == 404
    assert body["job"]["status"] == "faulted"
    assert mismatches(body["job"], real["job"]) == ["content: extra ['proxy_plan']"]


def test_push_pull_is_204_until_the_latency_has_passed(
    sim_client: FlaskClient, sim_clock: ManualClock
) -> None:
    real = real_fixture("real_push_pull_job_submit_response.json")
    submitted = sim_client.post("/v1/queries", json=payload("B0CYVN8CCQ"), headers=AUTH)
    job = submitted.get_json()
    assert job.keys() == real.keys()
    assert [link["rel"] for link in job["_links"]] == [link["rel"] for link in real["_links"]]
    assert job["status"] == "pending"
    assert submitted.headers["x-ratelimit-jobs-remaining"] == "49"
    results_url = f"/v1/queries/{job['id']}/results"
    assert sim_client.get(results_url, headers=AUTH).status_code == 204
    sim_clock.advance(4.9)
    assert (
        sim_client.get(f"/v1/queries/{job['id']}", headers=AUTH).get_json()["status"] == "pending"
    )
    sim_clock.advance(0.1)
    assert sim_client.get(f"/v1/queries/{job['id']}", headers=AUTH).get_json()["status"] == "done"
    done = sim_client.get(results_url, headers=AUTH)
    assert done.status_code == 200
    assert done.get_json()["results"][0]["content"]["asin"] == "B0CYVN8CCQ"


def test_batch_submits_one_job_per_query(sim_client: FlaskClient) -> None:
    real = real_fixture("real_batch_push_pull_submit_response.json")
    asins = ["B0CYVN8CCQ", "B084Y7CHX5", "B0846G5N74"]
    body = sim_client.post("/v1/queries/batch", json=payload(asins), headers=AUTH).get_json()
    assert body.keys() == real.keys()
    assert [job["query"] for job in body["queries"]] == asins
    assert len({job["id"] for job in body["queries"]}) == 3
    assert all(job.keys() == real["queries"][0].keys() for job in body["queries"])


def test_push_pull_latency_holds_the_answer_not_the_job(sim_client: FlaskClient) -> None:
    """A batch exists from the moment it was received: a client that gave up waiting for the
    answer (or died) has still submitted it."""
    _configure(sim_client, push_pull_latency_seconds=0.3)
    started = time.monotonic()
    body = sim_client.post("/v1/queries/batch", json=payload(["B0CYVN8CCQ"]), headers=AUTH)
    assert time.monotonic() - started >= 0.3
    assert _stats(sim_client)["jobs_submitted"] == 1
    (job,) = body.get_json()["queries"]
    started = time.monotonic()
    assert sim_client.get(f"/v1/queries/{job['id']}/results", headers=AUTH).status_code == 204
    assert time.monotonic() - started >= 0.3
    response = sim_client.post("/_sim/config", json={"push_pull_latency_seconds": -1})
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("path", "body", "status", "message"),
    [
        ("/v1/queries", "not json", 422, "Unprocessable"),
        ("/v1/queries", payload("B0CYVN8CCQ", source="google_search"), 400, "Unsupported source"),
        ("/v1/queries", payload("B0CYVN8CCQ", parse=False), 400, "parsed results only"),
        ("/v1/queries", payload("B0CYVN8CCQ", domain="moon"), 400, "unsupported Amazon domain"),
        ("/v1/queries", payload(["B0CYVN8CCQ"]), 400, "query must be a string"),
        ("/v1/queries/batch", payload("B0CYVN8CCQ"), 400, "query must be a list"),
        ("/v1/queries/batch", payload(["B0CYVN8CCQ"] * 5001), 400, "at most 5000"),
    ],
)
def test_bad_requests_are_refused(
    sim_client: FlaskClient, path: str, body: Any, status: int, message: str
) -> None:
    kwargs = {"data": body, "content_type": "application/json"} if isinstance(body, str) else {}
    response = sim_client.post(path, headers=AUTH, **(kwargs or {"json": body}))
    assert response.status_code == status
    assert message in response.get_json()["message"]


def test_unknown_job_is_404(sim_client: FlaskClient) -> None:
    assert sim_client.get("/v1/queries/123/results", headers=AUTH).status_code == 404


def test_next_faults_answer_in_order_with_rate_headers(sim_client: FlaskClient) -> None:
    _configure(sim_client, next_faults=["429", "524", "612", "malformed"], retry_after_seconds=3)
    statuses = []
    for _ in range(5):
        response = sim_client.post("/v1/queries", json=payload("B0CYVN8CCQ"), headers=AUTH)
        statuses.append(response.status_code)
        if response.status_code == 429:
            assert response.headers["x-ratelimit-jobs-remaining"] == "0"
            assert response.headers["Retry-After"] == "3"
        if len(statuses) == 4:
            with pytest.raises(json.JSONDecodeError):
                json.loads(response.data)
    assert statuses == [429, 524, 612, 200, 200]


def test_fault_rates_are_reproducible_with_the_same_seed(sim_client: FlaskClient) -> None:
    def run() -> list[int]:
        _configure(sim_client, fault_rates={"500": 0.3, "502": 0.2}, fault_seed=11)
        _configure(sim_client, fault_seed=12)
        _configure(sim_client, fault_seed=11)
        return [sim_client.get("/v1/queries/1", headers=AUTH).status_code for _ in range(30)]

    first, second = run(), run()
    assert first == second
    assert {500, 502, 404} == set(first)


def test_faulted_jobs_have_no_result(sim_client: FlaskClient, sim_clock: ManualClock) -> None:
    _configure(sim_client, next_faulted_jobs=1)
    job = sim_client.post("/v1/queries", json=payload("B0CYVN8CCQ"), headers=AUTH).get_json()
    sim_clock.advance(5)
    body = sim_client.get(f"/v1/queries/{job['id']}/results", headers=AUTH).get_json()
    assert body["results"] == []
    assert body["job"]["status"] == "faulted"
    _configure(sim_client, next_faulted_jobs=1)
    response = sim_client.post("/realtime/v1/queries", json=payload("B0CYVN8CCQ"), headers=AUTH)
    assert response.status_code == 613


def test_billing_counts_results_not_failures(sim_client: FlaskClient) -> None:
    sim_client.post("/realtime/v1/queries", json=payload("B0CYVN8CCQ"), headers=AUTH)
    sim_client.post("/realtime/v1/queries", json=payload("B0846G5N74"), headers=AUTH)
    _configure(sim_client, next_faults=["429", "500", "613"], next_faulted_jobs=1)
    for _ in range(4):
        sim_client.post("/v1/queries", json=payload("B0CYVN8CCQ"), headers=AUTH)
    sim_client.post("/v1/queries", json=payload("B0CYVN8CCQ"))
    stats = _stats(sim_client)
    # The in-stock result and the dead ASIN's 404 are billed; 429/500/613/faulted/401 are not.
    assert stats["results_billed"] == 2
    assert stats["jobs_submitted"] == 3
    assert stats["requests"] == 7
    assert stats["by_status"] == {"200": 3, "401": 1, "429": 1, "500": 1, "613": 1}


def test_config_and_clock_controls_validate(sim_client: FlaskClient) -> None:
    assert sim_client.post("/_sim/config", json={"fault_rates": {"999": 1}}).status_code == 400
    assert sim_client.post("/_sim/config", json={"no_such_knob": 1}).status_code == 400
    assert sim_client.post("/_sim/config", json={"next_faults": ["boom"]}).status_code == 400
    moved = sim_client.post("/_sim/clock", json={"now": "2026-01-01T00:00:00+00:00"})
    assert moved.get_json()["now"] == "2026-01-01T00:00:00+00:00"
    advanced = sim_client.post("/_sim/clock", json={"advance_seconds": 90})
    assert advanced.get_json()["now"] == "2026-01-01T00:01:30+00:00"
