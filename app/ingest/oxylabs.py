"""HTTP client for the Oxylabs Web Scraper API (`amazon_product`): realtime and push-pull batch.

It returns Oxylabs' raw result dicts; turning them into observations is normalisation's job.
Failures come out as the typed errors of `oxylabs_errors`, after retrying what can be retried
with full-jitter backoff that honours the rate-limit headers. A request that produces results
(realtime, a batch) is retried here only when Oxylabs surely did not do it (refused with a
status it does not bill, or never sent); one whose answer was lost after sending raises
`UnconfirmedError` at once, since a second try would be billed again.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import requests
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, NewConnectionError

from app.ingest.oxylabs_errors import (
    FaultedJobError,
    MalformedResponseError,
    PermanentError,
    ProviderError,
    RetryableError,
    ThrottledError,
    UnconfirmedError,
    error_for_status,
)
from app.observability import metrics

MAX_BATCH = 5000
# A server asking for a longer pause than this is more likely broken than right.
MAX_HONOURED_WAIT = 300.0
_TRANSIENT_TRANSPORT = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
)


class JobStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAULTED = "faulted"


@dataclass(frozen=True)
class SubmittedJob:
    job_id: str
    asin: str

    def __post_init__(self) -> None:
        if not self.job_id or not self.asin:
            raise ValueError(f"a submitted job needs a job id and an ASIN, got {self!r}")


def build_payload(
    query: str | list[str], marketplace: str, geo_location: str | None, currency: str
) -> dict[str, Any]:
    """The `amazon_product` payload of DESIGN.md; a list query makes it a batch payload."""
    payload: dict[str, Any] = {"source": "amazon_product", "query": query, "domain": marketplace}
    if geo_location is not None:
        payload["geo_location"] = geo_location
    payload["parse"] = True
    payload["context"] = [
        {"key": "autoselect_variant", "value": True},
        {"key": "currency", "value": currency},
    ]
    return payload


class OxylabsClient:
    def __init__(
        self,
        *,
        username: str,
        password: str,
        realtime_url: str,
        data_url: str,
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        realtime_read_timeout: float = 150.0,
        max_retries: int = 4,
        backoff_base: float = 1.0,
        backoff_cap: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        session: requests.Session | None = None,
    ) -> None:
        if not username or not password:
            raise ValueError("Oxylabs username and password must both be set")
        for name, url in (("realtime_url", realtime_url), ("data_url", data_url)):
            if not url.startswith(("http://", "https://")):
                raise ValueError(f"{name} must be an http(s) URL, got {url!r}")
        timeouts = (connect_timeout, read_timeout, realtime_read_timeout, backoff_base, backoff_cap)
        if min(timeouts) <= 0 or max_retries < 0:
            raise ValueError(f"timeouts and backoff must be > 0, retries >= 0: {timeouts}")
        self._auth = (username, password)
        self._realtime_url = realtime_url
        self._data_url = data_url.rstrip("/")
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._realtime_read_timeout = realtime_read_timeout
        self._max_retries = max_retries
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._session = session or requests.Session()
        # Proxies and CA bundle come from the environment once, here, not on every call:
        # requests' per-call lookups cost more than a result fetch from a nearby server.
        self._environment = {
            url: self._session.merge_environment_settings(url, {}, None, None, None)
            for url in (self._realtime_url, self._data_url)
        }
        self._session.trust_env = False

    def realtime(
        self, asin: str, marketplace: str, geo_location: str | None, currency: str
    ) -> dict[str, Any]:
        """Scrape one ASIN now (Oxylabs may take up to 150 s); the first raw result.
        UnconfirmedError (counted billed) when the answer was lost after sending."""
        payload = build_payload(asin, marketplace, geo_location, currency)
        url = self._realtime_url
        try:
            response = self._send("POST", url, payload, self._realtime_read_timeout, results=1)
            body = _answer(response, 1)
            results = body.get("results")
            if not isinstance(results, list) or not results or not isinstance(results[0], dict):
                raise _unconfirmed(f"Oxylabs realtime answer has no result for {asin}", 1)
        except UnconfirmedError as error:
            metrics.oxylabs_billed("realtime", error.results)
            raise
        _count_billed("realtime", results[0])
        return results[0]

    def submit_batch(
        self, asins: Sequence[str], marketplace: str, geo_location: str | None, currency: str
    ) -> list[SubmittedJob]:
        """Submit up to 5,000 ASINs sharing domain, geo and context; one job per ASIN.
        UnconfirmedError (counted billed) when Oxylabs may have taken the batch but its answer
        was lost or unreadable: its jobs run, and are billed, all the same."""
        if not asins or len(asins) > MAX_BATCH:
            raise ValueError(f"a batch takes 1 to {MAX_BATCH} ASINs, got {len(asins)}")
        payload = build_payload(list(asins), marketplace, geo_location, currency)
        url = f"{self._data_url}/v1/queries/batch"
        try:
            response = self._send("POST", url, payload, self._read_timeout, results=len(asins))
            return _submitted(_answer(response, len(asins)), asins)
        except UnconfirmedError as error:
            metrics.oxylabs_billed("push_pull", error.results)
            raise

    def job_status(self, job_id: str) -> JobStatus:
        body = _json_object(self._send("GET", self._job_url(job_id), None, self._read_timeout))
        try:
            return JobStatus(str(body.get("status")))
        except ValueError:
            raise MalformedResponseError(
                f"Oxylabs job {job_id} has an unknown status {body.get('status')!r}"
            ) from None

    def fetch_result(self, job_id: str) -> dict[str, Any] | None:
        """The job's first raw result, or None while Oxylabs answers 204 (not ready yet)."""
        url = f"{self._job_url(job_id)}/results"
        response = self._send("GET", url, None, self._read_timeout)
        if response.status_code == 204:
            return None
        body = _json_object(response)
        results = body.get("results")
        if isinstance(results, list) and results and isinstance(results[0], dict):
            _count_billed("push_pull", results[0])
            return results[0]
        job = body.get("job")
        if isinstance(job, dict) and job.get("status") == JobStatus.FAULTED:
            raise FaultedJobError(f"Oxylabs job {job_id} faulted without a result")
        raise MalformedResponseError(f"Oxylabs results of job {job_id} hold no result")

    def _job_url(self, job_id: str) -> str:
        if not job_id or not job_id.isalnum():
            raise ValueError(f"not an Oxylabs job id: {job_id!r}")
        return f"{self._data_url}/v1/queries/{job_id}"

    def _send(
        self,
        method: str,
        url: str,
        payload: dict[str, Any] | None,
        read_timeout: float,
        results: int = 0,
    ) -> requests.Response:
        """The first answer under 300, retrying what failed unbilled; `results`: how many
        results the request produces (and Oxylabs bills), 0 for a read."""
        last: RetryableError | None = None
        for attempt in range(self._max_retries + 1):
            if last is not None:
                self._sleep(self._delay(attempt - 1, last))
            try:
                response = self._session.request(
                    method,
                    url,
                    json=payload,
                    auth=self._auth,
                    timeout=(self._connect_timeout, read_timeout),
                    **self._transport(url),
                )
            except _TRANSIENT_TRANSPORT as error:
                if results and not _never_sent(error):
                    raise UnconfirmedError(
                        f"Oxylabs' answer to {method} {url} was lost after sending: {error}",
                        results,
                    ) from error
                last = RetryableError(f"Oxylabs could not be reached ({method} {url}): {error}")
                continue
            except requests.RequestException as error:
                raise PermanentError(f"Oxylabs request could not be sent: {error}") from error
            if response.status_code < 300:
                return response
            failure = _failure(response)
            if not isinstance(failure, RetryableError):
                raise failure
            last = failure
        assert last is not None
        raise last

    def _transport(self, url: str) -> dict[str, Any]:
        base = self._realtime_url if url == self._realtime_url else self._data_url
        settings = self._environment[base]
        # A CA bundle matters to TLS only; naming one for plain HTTP would only cost a stat.
        verify = settings["verify"] if url.startswith("https://") else True
        return {"proxies": settings["proxies"], "verify": verify, "cert": settings["cert"]}

    def _delay(self, attempt: int, error: RetryableError) -> float:
        ceiling = min(self._backoff_cap, self._backoff_base * 2**attempt)
        jitter = self._rng.uniform(0, ceiling)
        if isinstance(error, ThrottledError) and error.retry_after is not None:
            return max(min(error.retry_after, MAX_HONOURED_WAIT), jitter)
        return jitter


def billed(result: Mapping[str, Any]) -> bool:
    """Whether Oxylabs bills this result: its target answered 2xx or 4xx (a dead ASIN's 404
    too), not otherwise (Oxylabs, "Traffic and Billing"). A result without a status came in a
    2xx answer and is taken as billed."""
    status = result.get("status_code")
    if not isinstance(status, int) or isinstance(status, bool):
        return True
    return 200 <= status < 300 or 400 <= status < 500


def _count_billed(endpoint: str, result: Mapping[str, Any]) -> None:
    if billed(result):
        metrics.oxylabs_billed(endpoint)


def _never_sent(error: requests.RequestException) -> bool:
    """True when the request surely never reached Oxylabs: no connection was made."""
    if isinstance(error, requests.ConnectTimeout):
        return True
    if isinstance(error, requests.ConnectionError) and not isinstance(error, requests.Timeout):
        reason = error.args[0] if error.args else None
        if isinstance(reason, MaxRetryError):
            reason = reason.reason
        return isinstance(reason, NewConnectionError | ConnectTimeoutError)
    return False


def _answer(response: requests.Response, results: int) -> dict[str, Any]:
    """The JSON object of a 2xx answer to a request that produces `results` results."""
    try:
        return _json_object(response)
    except MalformedResponseError as error:
        raise _unconfirmed(error, results) from None


def _submitted(body: Mapping[str, Any], asins: Sequence[str]) -> list[SubmittedJob]:
    """The batch's jobs, one per ASIN in the order asked (callers match them by position)."""
    asked = len(asins)
    queries = body.get("queries")
    if not isinstance(queries, list) or len(queries) != asked:
        listed = len(queries) if isinstance(queries, list) else "no"
        raise _unconfirmed(f"Oxylabs accepted a batch of {asked} but listed {listed} jobs", asked)
    try:
        jobs = [SubmittedJob(str(job["id"]), str(job["query"])) for job in queries]
    except (KeyError, TypeError, ValueError) as error:
        raise _unconfirmed(f"Oxylabs batch answer lacks job ids: {error}", asked) from None
    if [job.asin for job in jobs] != list(asins):
        raise _unconfirmed("Oxylabs listed the batch's jobs in another order than asked", asked)
    return jobs


def _unconfirmed(error: Exception | str, results: int) -> UnconfirmedError:
    return UnconfirmedError(
        f"{error} (Oxylabs may have done it and billed {results} result(s))",
        results,
        getattr(error, "status_code", None),
    )


def _failure(response: requests.Response) -> ProviderError:
    return error_for_status(
        response.status_code, _detail(response), retry_after_hint(response.headers)
    )


def retry_after_hint(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait, from Retry-After, else from the x-ratelimit-* headers.

    Oxylabs documents `x-ratelimit-<name>-limit` and `-remaining` on job submissions and
    counts its limits per second, so an exhausted limit means waiting for the next second.
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    for name in ("retry-after", *sorted(n for n in lowered if _is_ratelimit(n, "-reset"))):
        seconds = _seconds(lowered.get(name))
        if seconds is not None:
            return seconds
    remaining = [_seconds(v) for n, v in lowered.items() if _is_ratelimit(n, "-remaining")]
    return 1.0 if 0.0 in remaining else None


def _is_ratelimit(name: str, suffix: str) -> bool:
    return name.startswith("x-ratelimit-") and name.endswith(suffix)


def _seconds(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


def _detail(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200] or response.reason or "no detail"
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return str(body["message"])
    return str(body)[:200]


def _json_object(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        raise MalformedResponseError(
            f"Oxylabs answered HTTP {response.status_code} with a body that is not JSON: "
            f"{response.text[:120]!r}",
            response.status_code,
        ) from None
    if not isinstance(body, dict):
        raise MalformedResponseError(f"Oxylabs answered a JSON {type(body).__name__}, not object")
    return body
