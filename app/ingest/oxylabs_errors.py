"""Typed failures of the Oxylabs Web Scraper API, so callers can decide without reading HTTP.

ProviderError
├── RetryableError          try again later (5xx, 524, 612, 613, timeouts, broken bodies)
│   ├── ThrottledError      429: wait `retry_after` seconds first
│   ├── FaultedJobError     a push-pull job faulted without a result: submit it again
│   ├── MalformedResponseError  the answer was not the JSON we expected
│   └── UnconfirmedError    a request that produces results was sent, its answer lost or
│                           broken: Oxylabs may have done it, and billed it
└── PermanentError          a person must act (400, 404, 422, other 4xx)
    └── AuthError           401/403: the credentials or the plan

Billing (Oxylabs, "Traffic and Billing", Web Scraper API docs): a result whose target answered
2xx or 4xx is billed (a dead ASIN's 404 too); 429, Oxylabs' own 5xx and 6xx, and faulted jobs
are not. Everything above but UnconfirmedError is therefore known to be unbilled.
"""

from __future__ import annotations

# Oxylabs' own codes: 524 timeout, 612 undefined internal error, 613 faulted after retries.
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504, 524, 612, 613})


class ProviderError(Exception):
    """A call to the provider failed; `status_code` is the HTTP (or Oxylabs) status, if any."""

    def __init__(self, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


class RetryableError(ProviderError):
    """A failure that may pass: 429, 5xx, 524, 612, 613, a dropped connection."""


class ThrottledError(RetryableError):
    def __init__(
        self, message: str, retry_after: float | None, status_code: int | None = 429
    ) -> None:
        super().__init__(message, status_code)
        self.retry_after = retry_after


class FaultedJobError(RetryableError):
    """Oxylabs marked the job faulted; submitting it again may succeed (and is not billed)."""


class MalformedResponseError(RetryableError):
    """Oxylabs answered something that is not the JSON its API promises."""


class UnconfirmedError(RetryableError):
    """A realtime query or a batch was sent, but its answer never arrived whole (a read
    timeout, a connection dropped after sending, a 2xx body that is not JSON). Oxylabs may have
    produced the results and billed them, so the call is not repeated on the spot: the caller
    counts `results` as billed, and a retry is a new, separately counted request."""

    def __init__(self, message: str, results: int, status_code: int | None = None) -> None:
        super().__init__(message, status_code)
        self.results = results


class PermanentError(ProviderError):
    """Retrying cannot help (400, 404, 422 and other 4xx): a person has to look."""


class AuthError(PermanentError):
    """Oxylabs refused the credentials (401) or the account's access (403)."""


def error_for_status(status: int, detail: str, retry_after: float | None) -> ProviderError:
    """The error a non-2xx answer stands for, with a message a merchant can act on."""
    if status in (401, 403):
        what = "rejected the credentials" if status == 401 else "refused access (plan or source)"
        return AuthError(
            f"Oxylabs {what}: {detail} (HTTP {status}). "
            "Check OXYLABS_USERNAME and OXYLABS_PASSWORD and the API user's plan.",
            status,
        )
    if status == 429:
        return ThrottledError(f"Oxylabs rate limit reached: {detail}", retry_after, status)
    if status in RETRYABLE_STATUSES or status >= 500:
        return RetryableError(f"Oxylabs failed temporarily: {detail} (HTTP {status})", status)
    if status == 400:
        return PermanentError(f"Oxylabs rejected the request: {detail} (HTTP 400)", status)
    if status == 404:
        return PermanentError(f"Oxylabs no longer has this job: {detail} (HTTP 404)", status)
    if status == 422:
        return PermanentError(f"Oxylabs could not process the payload: {detail} (HTTP 422)", status)
    return PermanentError(f"Oxylabs answered HTTP {status}: {detail}", status)
