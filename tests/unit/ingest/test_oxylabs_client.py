"""Every error path of the Oxylabs client, with HTTP mocked by `responses`."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
import responses
from responses.registries import OrderedRegistry
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

from app.ingest.oxylabs import (
    MAX_BATCH,
    JobStatus,
    OxylabsClient,
    SubmittedJob,
    billed,
    build_payload,
    retry_after_hint,
)
from app.ingest.oxylabs_errors import (
    AuthError,
    FaultedJobError,
    MalformedResponseError,
    PermanentError,
    RetryableError,
    ThrottledError,
    UnconfirmedError,
)

REALTIME = "https://realtime.example/v1/queries"
DATA = "https://data.example"
BATCH = f"{DATA}/v1/queries/batch"
JOB_ID = "7342973874281147393"


def _fixtures() -> Path:
    here = Path(__file__).resolve()
    root = next(p for p in here.parents if (p / "pyproject.toml").exists())
    return root / "tests" / "fixtures" / "oxylabs"


def _fixture(name: str) -> Any:
    return json.loads((_fixtures() / name).read_text())


class Recorder:
    def __init__(self) -> None:
        self.sleeps: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.sleeps.append(seconds)


def _client(sleep: Recorder, max_retries: int = 3, seed: int = 7) -> OxylabsClient:
    return OxylabsClient(
        username="user",
        password="pass1",
        realtime_url=REALTIME,
        data_url=DATA,
        max_retries=max_retries,
        backoff_base=1.0,
        backoff_cap=60.0,
        sleep=sleep,
        rng=random.Random(seed),
    )


@pytest.fixture
def mock() -> Any:
    with responses.RequestsMock(registry=OrderedRegistry) as rsps:
        yield rsps


def test_payload_is_exactly_the_documented_one() -> None:
    assert build_payload("B0CYVN8CCQ", "com", "90210", "USD") == {
        "source": "amazon_product",
        "query": "B0CYVN8CCQ",
        "domain": "com",
        "geo_location": "90210",
        "parse": True,
        "context": [
            {"key": "autoselect_variant", "value": True},
            {"key": "currency", "value": "USD"},
        ],
    }


def test_realtime_returns_first_raw_result_with_auth_and_timeouts(mock: Any) -> None:
    body = _fixture("real_amazon_product_in_stock_3p_seller_B0CYVN8CCQ.json")
    mock.post(REALTIME, json=body)
    result = _client(Recorder()).realtime("B0CYVN8CCQ", "com", "90210", "USD")
    assert result == body["results"][0]
    call = mock.calls[0]
    assert json.loads(call.request.body) == build_payload("B0CYVN8CCQ", "com", "90210", "USD")
    assert call.request.headers["Authorization"] == "Basic dXNlcjpwYXNzMQ=="
    assert call.request.req_kwargs["timeout"] == (5.0, 150.0)


@pytest.mark.parametrize(
    ("status", "error", "wording"),
    [
        (400, PermanentError, "rejected the request"),
        (401, AuthError, "Oxylabs rejected the credentials: Client not found"),
        (403, AuthError, "refused access"),
        (422, PermanentError, "could not process the payload"),
        (404, PermanentError, "no longer has this job"),
    ],
)
def test_client_errors_are_never_retried(
    mock: Any, status: int, error: type[Exception], wording: str
) -> None:
    mock.post(REALTIME, status=status, json={"message": "Client not found"})
    sleep = Recorder()
    with pytest.raises(error, match=wording) as raised:
        _client(sleep).realtime("B0CYVN8CCQ", "com", "90210", "USD")
    assert not isinstance(raised.value, RetryableError)
    assert len(mock.calls) == 1
    assert sleep.sleeps == []


def test_429_honours_retry_after(mock: Any) -> None:
    mock.post(REALTIME, status=429, json={"message": "Too many"}, headers={"Retry-After": "7"})
    mock.post(REALTIME, json={"results": [{"job_id": "1"}]})
    sleep = Recorder()
    assert _client(sleep).realtime("B0CYVN8CCQ", "com", None, "USD") == {"job_id": "1"}
    assert sleep.sleeps == [7.0]


def test_429_with_exhausted_ratelimit_waits_for_the_next_second(mock: Any) -> None:
    headers = {"x-ratelimit-jobs-limit": "50", "x-ratelimit-jobs-remaining": "0"}
    mock.post(BATCH, status=429, json={"message": "Too many"}, headers=headers)
    mock.post(BATCH, json={"queries": [{"id": JOB_ID, "query": "B0CYVN8CCQ"}]})
    sleep = Recorder()
    jobs = _client(sleep).submit_batch(["B0CYVN8CCQ"], "com", "90210", "USD")
    assert jobs == [SubmittedJob(JOB_ID, "B0CYVN8CCQ")]
    assert sleep.sleeps == [1.0]


def test_exhausted_429_raises_throttled_with_the_hint(mock: Any) -> None:
    for _ in range(3):
        mock.post(REALTIME, status=429, json={"message": "slow down"}, headers={"Retry-After": "2"})
    sleep = Recorder()
    with pytest.raises(ThrottledError) as raised:
        _client(sleep, max_retries=2).realtime("B0CYVN8CCQ", "com", None, "USD")
    assert raised.value.retry_after == 2.0
    assert sleep.sleeps == [2.0, 2.0]
    assert len(mock.calls) == 3


@pytest.mark.parametrize("status", [500, 502, 503, 524, 612, 613])
def test_server_side_failures_are_retried_then_succeed(mock: Any, status: int) -> None:
    mock.get(f"{DATA}/v1/queries/{JOB_ID}", status=status, json={"message": "oops"})
    mock.get(f"{DATA}/v1/queries/{JOB_ID}", json={"status": "done"})
    sleep = Recorder()
    assert _client(sleep).job_status(JOB_ID) is JobStatus.DONE
    assert len(mock.calls) == 2
    assert sleep.sleeps == [random.Random(7).uniform(0, 1.0)]


def test_exhausted_retries_raise_retryable_after_full_jitter_backoff(mock: Any) -> None:
    for _ in range(4):
        mock.get(f"{DATA}/v1/queries/{JOB_ID}", status=502, body="Bad gateway")
    sleep = Recorder()
    with pytest.raises(RetryableError, match="HTTP 502"):
        _client(sleep, max_retries=3).job_status(JOB_ID)
    expected = random.Random(7)
    assert sleep.sleeps == [expected.uniform(0, 1), expected.uniform(0, 2), expected.uniform(0, 4)]
    assert len(mock.calls) == 4


@pytest.mark.parametrize(
    "failure", [requests.ConnectionError("refused"), requests.ReadTimeout("slow")]
)
def test_transport_failures_are_retried(mock: Any, failure: Exception) -> None:
    mock.get(f"{DATA}/v1/queries/{JOB_ID}/results", body=failure)
    mock.get(f"{DATA}/v1/queries/{JOB_ID}/results", status=204)
    sleep = Recorder()
    assert _client(sleep).fetch_result(JOB_ID) is None
    assert len(sleep.sleeps) == 1


def test_transport_failures_exhausted_raise_retryable(mock: Any) -> None:
    for _ in range(2):
        mock.get(f"{DATA}/v1/queries/{JOB_ID}", body=requests.ConnectionError("refused"))
    with pytest.raises(RetryableError, match="could not be reached"):
        _client(Recorder(), max_retries=1).job_status(JOB_ID)


def test_204_means_not_ready(mock: Any) -> None:
    mock.get(f"{DATA}/v1/queries/{JOB_ID}/results", status=204)
    assert _client(Recorder()).fetch_result(JOB_ID) is None


def test_fetch_result_returns_the_raw_result(mock: Any) -> None:
    body = _fixture("real_amazon_product_faulted_404_B0846G5N74.json")
    mock.get(f"{DATA}/v1/queries/{JOB_ID}/results", json=body)
    result = _client(Recorder()).fetch_result(JOB_ID)
    assert result == body["results"][0]
    assert result is not None
    assert result["status_code"] == 404


def test_faulted_job_without_result_is_a_typed_retryable_error(mock: Any) -> None:
    mock.get(
        f"{DATA}/v1/queries/{JOB_ID}/results", json={"results": [], "job": {"status": "faulted"}}
    )
    with pytest.raises(FaultedJobError):
        _client(Recorder()).fetch_result(JOB_ID)


@pytest.mark.parametrize(
    "body", ['{"results": [{"content": ', "<html>502</html>", "[1, 2]", '{"results": []}']
)
def test_a_realtime_answer_that_cannot_be_read_is_unconfirmed_and_not_sent_again(
    mock: Any, body: str
) -> None:
    """A 2xx answer Oxylabs sent after doing the query: the result may be billed, so asking
    again would pay twice; the caller counts it."""
    mock.post(REALTIME, body=body, content_type="application/json")
    with pytest.raises(UnconfirmedError) as raised:
        _client(Recorder()).realtime("B0CYVN8CCQ", "com", None, "USD")
    assert raised.value.results == 1
    assert len(mock.calls) == 1


@pytest.mark.parametrize("body", ['{"results": [{"content": ', "<html>502</html>", "[1, 2]"])
def test_a_broken_read_is_a_typed_error_not_a_crash(mock: Any, body: str) -> None:
    mock.get(f"{DATA}/v1/queries/{JOB_ID}/results", body=body, content_type="application/json")
    with pytest.raises(MalformedResponseError):
        _client(Recorder()).fetch_result(JOB_ID)
    assert len(mock.calls) == 1


@pytest.mark.parametrize(
    "failure",
    [
        requests.ReadTimeout("the answer is late"),
        requests.exceptions.ChunkedEncodingError("cut short"),
        requests.ConnectionError(ProtocolError("Connection aborted.", ConnectionResetError())),
    ],
)
@pytest.mark.parametrize("call", ["realtime", "batch"])
def test_a_query_whose_answer_is_lost_after_sending_is_unconfirmed_not_retried(
    mock: Any, failure: Exception, call: str
) -> None:
    client = _client(Recorder())
    mock.post(REALTIME if call == "realtime" else BATCH, body=failure)
    send: Callable[[], object] = (
        (lambda: client.realtime("B0CYVN8CCQ", "com", None, "USD"))
        if call == "realtime"
        else (lambda: client.submit_batch(["B0CYVN8CCQ", "B084Y7CHX5"], "com", None, "USD"))
    )
    with pytest.raises(UnconfirmedError) as raised:
        send()
    assert raised.value.results == (1 if call == "realtime" else 2)
    assert len(mock.calls) == 1


@pytest.mark.parametrize(
    "failure",
    [
        requests.ConnectTimeout("no connection within the connect timeout"),
        requests.ConnectionError(
            MaxRetryError(None, REALTIME, NewConnectionError(None, "Connection refused"))  # type: ignore[arg-type]
        ),
    ],
)
def test_a_query_never_sent_is_retried(mock: Any, failure: Exception) -> None:
    mock.post(REALTIME, body=failure)
    mock.post(REALTIME, json={"results": [{"status_code": 200, "content": {}}]})
    sleep = Recorder()
    assert _client(sleep).realtime("B0CYVN8CCQ", "com", None, "USD")["status_code"] == 200
    assert len(mock.calls) == 2


@pytest.mark.parametrize(
    ("status", "is_billed"),
    [(200, True), (204, True), (404, True), (403, True), (500, False), (613, False), (None, True)],
)
def test_billed_follows_the_results_status(status: int | None, is_billed: bool) -> None:
    """Oxylabs bills a result whose target answered 2xx or 4xx (Traffic and Billing)."""
    result = {} if status is None else {"status_code": status}
    assert billed(result) is is_billed


def test_job_status_reads_the_real_job_objects(mock: Any) -> None:
    pending = _fixture("real_push_pull_job_submit_response.json")
    faulted = _fixture("real_amazon_product_faulted_404_B0846G5N74.json")["job"]
    mock.get(f"{DATA}/v1/queries/{JOB_ID}", json=pending)
    mock.get(f"{DATA}/v1/queries/{JOB_ID}", json=faulted)
    mock.get(f"{DATA}/v1/queries/{JOB_ID}", json={"status": "exploded"})
    client = _client(Recorder())
    assert client.job_status(JOB_ID) is JobStatus.PENDING
    assert client.job_status(JOB_ID) is JobStatus.FAULTED
    with pytest.raises(MalformedResponseError, match="exploded"):
        client.job_status(JOB_ID)


def test_submit_batch_reads_the_real_answer_and_sends_one_shared_payload(mock: Any) -> None:
    mock.post(BATCH, json=_fixture("real_batch_push_pull_submit_response.json"))
    jobs = _client(Recorder()).submit_batch(["B0CYVN8CCQ"], "com", "90210", "USD")
    assert jobs == [SubmittedJob("7342974573689724929", "B0CYVN8CCQ")]
    sent = json.loads(mock.calls[0].request.body)
    assert sent == build_payload(["B0CYVN8CCQ"], "com", "90210", "USD")


def test_submit_batch_with_missing_jobs_is_unconfirmed(mock: Any) -> None:
    mock.post(BATCH, json={"queries": [{"id": "1", "query": "B0CYVN8CCQ"}]})
    with pytest.raises(UnconfirmedError, match="batch of 2") as raised:
        _client(Recorder()).submit_batch(["B0CYVN8CCQ", "B084Y7CHX5"], "com", None, "USD")
    assert raised.value.results == 2


@pytest.mark.parametrize("count", [0, MAX_BATCH + 1])
def test_submit_batch_refuses_empty_and_oversized_batches(mock: Any, count: int) -> None:
    with pytest.raises(ValueError, match="1 to 5000"):
        _client(Recorder()).submit_batch(["B0CYVN8CCQ"] * count, "com", None, "USD")
    assert len(mock.calls) == 0


def test_every_call_carries_connect_and_read_timeouts(mock: Any) -> None:
    mock.post(REALTIME, json={"results": [{}]})
    mock.post(BATCH, json={"queries": [{"id": "1", "query": "B0CYVN8CCQ"}]})
    mock.get(f"{DATA}/v1/queries/1", json={"status": "pending"})
    mock.get(f"{DATA}/v1/queries/1/results", status=204)
    client = _client(Recorder())
    client.realtime("B0CYVN8CCQ", "com", None, "USD")
    client.submit_batch(["B0CYVN8CCQ"], "com", None, "USD")
    client.job_status("1")
    client.fetch_result("1")
    timeouts = [call.request.req_kwargs["timeout"] for call in mock.calls]
    assert timeouts == [(5.0, 150.0), (5.0, 30.0), (5.0, 30.0), (5.0, 30.0)]


def test_job_ids_cannot_escape_the_queries_path() -> None:
    with pytest.raises(ValueError, match="not an Oxylabs job id"):
        _client(Recorder()).job_status("../batch")


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "3"}, 3.0),
        ({"retry-after": "soon", "X-RateLimit-Jobs-Remaining": "0"}, 1.0),
        ({"x-ratelimit-jobs-reset": "4"}, 4.0),
        ({"x-ratelimit-jobs-remaining": "12"}, None),
        ({}, None),
    ],
)
def test_retry_after_hint(headers: dict[str, str], expected: float | None) -> None:
    assert retry_after_hint(headers) == expected


@pytest.mark.parametrize(
    ("overrides", "wording"),
    [
        ({"username": ""}, "username and password"),
        ({"data_url": "data.example"}, "data_url must be an http"),
        ({"read_timeout": 0}, "timeouts"),
        ({"max_retries": -1}, "retries"),
    ],
)
def test_constructor_names_the_bad_setting(overrides: dict[str, Any], wording: str) -> None:
    settings: dict[str, Any] = {
        "username": "user",
        "password": "pass1",
        "realtime_url": REALTIME,
        "data_url": DATA,
    }
    with pytest.raises(ValueError, match=wording):
        OxylabsClient(**{**settings, **overrides})


class RecordingAdapter(requests.adapters.BaseAdapter):
    """Answers 204 to everything and keeps what each request was sent with."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[str | None, Any, Any]] = []

    def send(  # type: ignore[override]
        self, request: requests.PreparedRequest, **kwargs: Any
    ) -> requests.Response:
        self.sent.append((request.url, kwargs.get("verify"), kwargs.get("proxies")))
        response = requests.Response()
        response.status_code = 204
        response.request = request
        response._content = b""
        return response

    def close(self) -> None:
        pass


@pytest.mark.parametrize(
    ("data_url", "verify"), [(DATA, "/etc/pb-test-ca.pem"), ("http://sim.local:8701", True)]
)
def test_the_environment_is_read_once_and_a_ca_bundle_only_applies_to_tls(
    monkeypatch: pytest.MonkeyPatch, data_url: str, verify: Any
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.test:3128")
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.test:3128")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/pb-test-ca.pem")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    session = requests.Session()
    adapter = RecordingAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    client = OxylabsClient(
        username="user", password="pass1", realtime_url=REALTIME, data_url=data_url, session=session
    )
    monkeypatch.setenv("HTTPS_PROXY", "http://changed.test:1")
    monkeypatch.setenv("HTTP_PROXY", "http://changed.test:1")
    assert client.fetch_result(JOB_ID) is None
    [(url, sent_verify, proxies)] = adapter.sent
    assert url == f"{data_url}/v1/queries/{JOB_ID}/results"
    assert sent_verify == verify
    assert set(proxies.values()) == {"http://proxy.test:3128"}
