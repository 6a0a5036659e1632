"""Storing polls: the observation row, the product's current state, the events after commit.

`record_poll` only changes the session; its caller commits, then calls `announce` with what
it returned, so that the dashboard and the price-change outbox only ever hear of committed
observations.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.extensions import current_settings, db
from app.ingest.asin import Listing
from app.ingest.policy import PollState, next_poll_at
from app.ingest.provider import ListingQuery, Poll, ProviderError
from app.ingest.reading import Reading
from app.ingest.unrecognised import unrecognised_texts
from app.models import Observation, Product, Shop
from app.observability import metrics
from app.price_changes.propose import on_observations
from app.realtime.events import EventKind, publish_event, publish_events

# A needs-a-person message is shown on the dashboard; keep it short enough to read.
_MAX_REASON = 500


@dataclass(frozen=True)
class Stored:
    """What happened, for the events published after the commit."""

    shop_id: int
    product_id: int
    observation_id: int
    trusted: bool
    payload: dict[str, Any]


def query_for(product: Product) -> ListingQuery:
    listing = Listing(product.asin, product.marketplace)
    geo = product.delivery_location or current_settings().delivery_locations.get(
        listing.marketplace
    )
    return ListingQuery(listing, geo, listing.currency)


def poll_state(product: Product) -> PollState:
    return PollState(
        tier=product.polling_tier,
        override_seconds=product.poll_interval_override_seconds,
        price_changed_at=product.price_changed_at,
        tracked_since=product.created_at,
        failures=product.failed_polls or 0,
    )


def observation_row(product: Product, reading: Reading, raw: Any) -> Observation:
    """The history row of one poll; a quarantined one keeps the raw payload and no price."""
    return Observation(
        shop_id=product.shop_id,
        product_id=product.id,
        observed_at=reading.observed_at,
        asin=product.asin,
        marketplace=product.marketplace,
        price=reading.price,
        list_price=reading.list_price,
        shipping_price=reading.shipping_price,
        currency=reading.currency,
        availability=reading.availability.value,
        stock_text=reading.stock_text,
        delivery_earliest=reading.delivery_earliest,
        delivery_latest=reading.delivery_latest,
        title=reading.title,
        description=reading.description,
        image_url=reading.image_url,
        images=list(reading.images),
        seller=reading.seller,
        is_amazon_fulfilled=reading.is_amazon_fulfilled,
        parse_status=reading.parse_status,
        quarantined=reading.quarantined,
        quarantine_reason=reading.quarantine_reason,
        source_job_id=reading.source_job_id,
        raw=dict(raw) if reading.quarantined else None,
    )


def record_poll(product: Product, poll: Poll, now: datetime) -> tuple[Observation, bool]:
    """Append the observation and, only when it can be trusted, move the product's state."""
    reading = poll.reading
    row = observation_row(product, reading, poll.raw)
    db.session.add(row)
    for field in unrecognised_texts(reading, poll.raw):
        metrics.unrecognised_text(field)
    product.last_polled_at = now
    if reading.quarantined:
        product.failed_polls = (product.failed_polls or 0) + 1
    else:
        _take_reading(product, reading, now)
    product.poll_interval_seconds = _interval_seconds(product, now)
    product.next_poll_at = next_poll_at(poll_state(product), now)
    return row, not reading.quarantined


def _take_reading(product: Product, reading: Reading, now: datetime) -> None:
    if (
        product.amazon_price is not None
        and reading.price is not None
        and reading.price != product.amazon_price
    ):
        product.price_changed_at = now
        same_currency = reading.currency == product.amazon_currency
        product.previous_amazon_price = product.amazon_price if same_currency else None
    product.failed_polls = 0
    product.observed_at = reading.observed_at
    product.amazon_price = reading.price
    product.amazon_currency = reading.currency
    product.availability = reading.availability.value
    product.delivery_earliest = reading.delivery_earliest
    product.delivery_latest = reading.delivery_latest
    product.title = reading.title or product.title
    product.image_url = reading.image_url or product.image_url
    if product.status == "needs_attention":
        product.status, product.status_reason = "active", None


def _interval_seconds(product: Product, now: datetime) -> int:
    interval = next_poll_at(poll_state(product), now) - now
    return max(1, int(interval.total_seconds()))


def stored(product: Product, row: Observation, trusted: bool) -> Stored:
    """Call after a flush (the row needs its id)."""
    return Stored(product.shop_id, product.id, row.id, trusted, observation_event(row))


def observation_event(row: Observation) -> dict[str, Any]:
    return {
        "product_id": row.product_id,
        "observation_id": row.id,
        "observed_at": row.observed_at.isoformat(),
        "price": None if row.price is None else str(row.price),
        "currency": row.currency,
        "availability": row.availability,
        "delivery_earliest": None if row.delivery_earliest is None else str(row.delivery_earliest),
        "delivery_latest": None if row.delivery_latest is None else str(row.delivery_latest),
        "quarantined": row.quarantined,
        "quarantine_reason": row.quarantine_reason,
    }


def announce(items: Sequence[Stored]) -> None:
    """After the commit: tell the dashboard, then propose prices from trusted observations."""
    by_shop: dict[int, list[tuple[EventKind, dict[str, Any]]]] = {}
    for item in items:
        by_shop.setdefault(item.shop_id, []).append(("observation", item.payload))
        if item.trusted:
            metrics.scrape_trusted()
        else:
            metrics.scrape_quarantined(item.payload["quarantine_reason"])
    for shop_id, events in by_shop.items():
        publish_events(shop_id, events)
    propose_prices([(item.product_id, item.observation_id) for item in items if item.trusted])


def propose_prices(pairs: Sequence[tuple[int, int]]) -> None:
    """The one place ingestion hands committed, trusted observations to
    `app.price_changes.propose`: a chunk at a time, so repricing them costs one
    transaction, not one per observation."""
    if pairs:
        on_observations(pairs)


def needs_person(
    products: Sequence[Product], shop: Shop, error: ProviderError, now: datetime
) -> list[tuple[int, dict[str, Any]]]:
    """Stop polling these products until someone acts; return the error events to publish."""
    reason = str(error)[:_MAX_REASON]
    for product in products:
        product.status = "needs_attention"
        product.status_reason = reason
    shop.provider_error = reason
    shop.provider_error_at = now
    data = {
        "code": "provider_needs_attention",
        "message": reason,
        "product_ids": [product.id for product in products],
    }
    return [(shop.id, data)]


def publish_errors(errors: Iterable[tuple[int, dict[str, Any]]]) -> None:
    for shop_id, data in errors:
        publish_event(shop_id, "error", data)
