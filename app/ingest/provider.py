"""Where observations come from: a provider interface, and the Oxylabs provider behind it.

Services speak of listings, tickets and polls; only `OxylabsProvider` knows that a ticket is
an Oxylabs push-pull job and that a poll is an `amazon_product` result. Failures surface as
the provider-neutral errors re-exported here (retryable, throttled, permanent, auth).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from app.config import Settings
from app.ingest.asin import Listing
from app.ingest.normalize import normalize_result
from app.ingest.oxylabs import MAX_BATCH, OxylabsClient, billed
from app.ingest.oxylabs_errors import (
    AuthError,
    FaultedJobError,
    PermanentError,
    ProviderError,
    RetryableError,
    ThrottledError,
    UnconfirmedError,
)
from app.ingest.reading import Reading

__all__ = [
    "MAX_BATCH",
    "AuthError",
    "FaultedJobError",
    "ListingQuery",
    "OxylabsProvider",
    "PermanentError",
    "Poll",
    "Provider",
    "ProviderError",
    "RetryableError",
    "ThrottledError",
    "Ticket",
    "UnconfirmedError",
    "provider_from_settings",
]


@dataclass(frozen=True)
class ListingQuery:
    """One listing to look at, with where it is delivered to and the currency to show."""

    listing: Listing
    geo_location: str | None
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.listing, Listing):
            raise ValueError(f"listing must be a Listing, got {self.listing!r}")
        if len(self.currency) != 3 or not self.currency.isupper():
            raise ValueError(f"currency must be an ISO 4217 code, got {self.currency!r}")

    @property
    def group(self) -> tuple[str, str | None, str]:
        """Queries sharing this key can go to the provider in one batch."""
        return (self.listing.marketplace, self.geo_location, self.currency)


@dataclass(frozen=True)
class Ticket:
    """A poll the provider accepted and will answer later: its id is what we resume by."""

    ticket_id: str
    asin: str

    def __post_init__(self) -> None:
        if not self.ticket_id or not self.asin:
            raise ValueError(f"a ticket needs an id and an ASIN, got {self!r}")


@dataclass(frozen=True)
class Poll:
    """A normalised reading plus the provider's raw payload (kept when quarantined), and
    whether the provider bills it (the result's budget is given back when it does not)."""

    reading: Reading
    raw: Mapping[str, Any]
    billed: bool = True


class Provider(Protocol):
    batch_limit: int

    def poll_now(self, query: ListingQuery, *, received_at: datetime) -> Poll:
        """Look at one listing now (refresh-now); slow, but needs no second call."""

    def submit(self, queries: Sequence[ListingQuery]) -> list[Ticket]:
        """Ask for many listings of one group at once; one ticket per query, in order."""

    def collect(self, ticket_id: str, listing: Listing, *, received_at: datetime) -> Poll | None:
        """The poll behind a ticket, or None while the provider is still working on it."""


class OxylabsProvider:
    """Push-pull batches for scheduled polls, realtime for refresh-now."""

    batch_limit = MAX_BATCH

    def __init__(self, client: OxylabsClient) -> None:
        self._client = client

    def poll_now(self, query: ListingQuery, *, received_at: datetime) -> Poll:
        listing = query.listing
        raw = self._client.realtime(
            listing.asin, listing.marketplace, query.geo_location, query.currency
        )
        return poll_of(raw, listing, received_at)

    def submit(self, queries: Sequence[ListingQuery]) -> list[Ticket]:
        if not queries:
            return []
        groups = {query.group for query in queries}
        if len(groups) != 1:
            raise ValueError(f"a batch must share marketplace, geo and currency, got {groups}")
        marketplace, geo, currency = queries[0].group
        asins = [query.listing.asin for query in queries]
        # One job per ASIN in the order asked (the client checks): tickets match by position.
        jobs = self._client.submit_batch(asins, marketplace, geo, currency)
        return [Ticket(job.job_id, job.asin) for job in jobs]

    def collect(self, ticket_id: str, listing: Listing, *, received_at: datetime) -> Poll | None:
        raw = self._client.fetch_result(ticket_id)
        if raw is None:
            return None
        return poll_of(raw, listing, received_at)


def poll_of(raw: Mapping[str, Any], listing: Listing, received_at: datetime) -> Poll:
    """One raw Oxylabs result for ``listing``, normalised (``received_at``: aware UTC)."""
    reading = normalize_result(
        raw, asked_asin=listing.asin, marketplace=listing.marketplace, received_at=received_at
    )
    return Poll(reading, raw, billed(raw))


def provider_from_settings(settings: Settings) -> Provider:
    """The provider the settings configure; AuthError when no credentials are set."""
    if not settings.oxylabs_username or not settings.oxylabs_password:
        raise AuthError(
            "No Oxylabs credentials: set OXYLABS_USERNAME and OXYLABS_PASSWORD", status_code=None
        )
    client = OxylabsClient(
        username=settings.oxylabs_username,
        password=settings.oxylabs_password,
        realtime_url=settings.oxylabs_realtime_url,
        data_url=settings.oxylabs_data_url,
    )
    return OxylabsProvider(client)
