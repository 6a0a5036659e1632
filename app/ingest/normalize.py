"""Oxylabs ``amazon_product`` results turned into observations. Pure: no I/O and no clock.

One result is one item of a realtime answer's ``results`` or of a push-pull ``/results``
answer. Nothing here raises on JSON input: whatever cannot be trusted comes back as a
quarantined :class:`Reading` that says why.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from app.ingest.asin import (
    ListingError,
    marketplace_of_url,
    normalize_asin,
    normalize_marketplace,
    parse_listing,
)
from app.ingest.normalize_envelope import (
    asin_or_none,
    job_id_of,
    parse_status_of,
    refusal,
    timestamp,
)
from app.ingest.normalize_fields import (
    JsonMap,
    has_no_offer,
    in_currency,
    is_price_range,
    mapping,
    mappings,
    new_offer_row,
    price_unread,
    select_currency,
    select_delivery,
    select_description,
    select_images,
    select_list_price,
    select_merchant,
    select_price,
    select_shipping,
    select_title,
    stock_text,
    text,
)
from app.ingest.normalize_stock import classify_stock
from app.ingest.reading import BUYABLE, Availability, QuarantineReason, Reading

#: Stands in for the time of a result that carries none and arrived with no receipt time.
UNKNOWN_TIME = datetime(1970, 1, 1, tzinfo=UTC)


def normalize_result(
    result: Mapping[str, Any],
    *,
    asked_asin: str,
    marketplace: str,
    job: Mapping[str, Any] | None = None,
    received_at: datetime | None = None,
) -> Reading:
    """Normalise one result for the listing that was asked for.

    ``job`` is the job document when the caller has it (its status tells a faulted job);
    ``received_at`` dates a result that carries no timestamp of its own. A malformed
    ``asked_asin`` or ``marketplace`` is the caller's bug and raises :class:`ListingError`.
    """
    return _normalize(
        result, normalize_asin(asked_asin), normalize_marketplace(marketplace), job, received_at
    )


def iter_results(document: object) -> Iterator[JsonMap]:
    """The results of a realtime or push-pull answer, or of a single result or content.

    Items that are not JSON objects, and documents that hold no result, come out as ``{}``
    so that they are counted and quarantined rather than silently dropped.
    """
    if isinstance(document, list):
        yield from (item if isinstance(item, Mapping) else {} for item in document)
    elif isinstance(document, Mapping):
        results = document.get("results")
        if isinstance(results, list):
            yield from iter_results(results)
        elif "content" in document:
            yield document
        elif "parse_status_code" in document:
            yield {"content": document}
        else:
            yield {}
    else:
        yield {}


def normalize_document(
    document: object,
    asked_asin: str | None = None,
    marketplace: str | None = None,
    *,
    received_at: datetime | None = None,
) -> list[Reading]:
    """One observation per result of ``document``, for ``flask normalize PATH``.

    Without ``asked_asin`` the job's query is taken (so a wrong product is still caught),
    else the ASIN the result reports; without ``marketplace``, the job's domain or the page
    URL's host. A result for which neither can be found is quarantined as unparseable.
    """
    asin = None if asked_asin is None else normalize_asin(asked_asin)
    market = None if marketplace is None else normalize_marketplace(marketplace)
    job = mapping(document.get("job")) if isinstance(document, Mapping) else None
    return [
        _normalize(
            result,
            asin or _reported_asin(result, job),
            market or _reported_marketplace(result, job),
            job,
            received_at,
        )
        for result in iter_results(document)
    ]


def _normalize(
    result: object, asin: str, marketplace: str, job: JsonMap | None, received_at: datetime | None
) -> Reading:
    if not isinstance(result, Mapping):
        return _quarantined(asin, marketplace, received_at, QuarantineReason.UNPARSEABLE)
    observed_at = timestamp(result.get("created_at")) or timestamp(result.get("updated_at"))
    content = mapping(result.get("content"))
    parse_status = parse_status_of(content)
    job_id = job_id_of(result, job)
    reason = refusal(result, content, parse_status, job, asin, marketplace)
    if reason is None and observed_at is None and received_at is None:
        reason = QuarantineReason.UNPARSEABLE
    when = observed_at or received_at
    if reason is not None or content is None or when is None:
        return _quarantined(
            asin,
            marketplace,
            when,
            reason or QuarantineReason.UNPARSEABLE,
            parse_status=parse_status,
            job_id=job_id,
        )
    return _read_listing(content, asin, marketplace, when, parse_status, job, job_id)


def _read_listing(
    content: JsonMap,
    asin: str,
    marketplace: str,
    observed_at: datetime,
    parse_status: int | None,
    job: JsonMap | None,
    job_id: str | None,
) -> Reading:
    rows = mappings(content.get("buybox"))
    new_row = new_offer_row(rows)
    currency = select_currency(content, job, marketplace)
    price = in_currency(select_price(content, rows), currency)
    stock = stock_text(content, new_row)
    availability = classify_stock(stock)
    nothing_said = availability is Availability.UNKNOWN and not stock
    # Nobody selling is read as unavailable only when the parser did read the price: a
    # partial parse's missing price is the parser's failure, not Amazon's word.
    read_in_full = not price_unread(content, parse_status)
    if nothing_said and price is None and read_in_full and has_no_offer(content, rows):
        availability = Availability.UNAVAILABLE
    delivery = select_delivery(content, new_row, observed_at.date())
    seller, fulfilled = select_merchant(content)
    images = select_images(content)
    reason = None
    if is_price_range(content, rows):
        price, reason = None, QuarantineReason.PRICE_RANGE
    elif price is None and availability in BUYABLE:
        reason = QuarantineReason.NO_PRICE_WHILE_AVAILABLE
    return Reading(
        asin=asin,
        marketplace=marketplace,
        observed_at=observed_at,
        price=price,
        list_price=_above(in_currency(select_list_price(content, new_row, price), currency), price),
        shipping_price=_shipping(select_shipping(content, price), currency),
        currency=currency,
        availability=availability,
        stock_text=stock,
        delivery_earliest=None if delivery is None else delivery[0],
        delivery_latest=None if delivery is None else delivery[1],
        title=select_title(content),
        description=select_description(content),
        image_url=images[0] if images else None,
        images=images,
        seller=seller,
        is_amazon_fulfilled=fulfilled,
        parse_status=parse_status,
        quarantined=reason is not None,
        quarantine_reason=reason,
        source_job_id=job_id,
    )


def _shipping(shipping: Decimal | None, currency: str | None) -> Decimal | None:
    """Shipping in the currency's minor units; a free delivery stays 0."""
    return shipping if shipping is None or shipping == 0 else in_currency(shipping, currency)


def _above(list_price: Decimal | None, price: Decimal | None) -> Decimal | None:
    """A list price that still stands above the price once both are in minor units."""
    if list_price is None or price is None or list_price <= price:
        return None
    return list_price


def _quarantined(
    asin: str,
    marketplace: str,
    observed_at: datetime | None,
    reason: QuarantineReason,
    *,
    parse_status: int | None = None,
    job_id: str | None = None,
) -> Reading:
    """A bare record of a poll whose content is not about the asked listing or unreadable."""
    return Reading(
        asin=asin,
        marketplace=marketplace,
        observed_at=observed_at or UNKNOWN_TIME,
        parse_status=parse_status,
        quarantined=True,
        quarantine_reason=reason,
        source_job_id=job_id,
    )


def _reported_asin(result: JsonMap, job: JsonMap | None) -> str:
    content = mapping(result.get("content")) or {}
    for value in (
        job.get("query") if job is not None else None,
        content.get("asin"),
        content.get("asin_in_url"),
    ):
        if (asin := asin_or_none(value)) is not None:
            return asin
    for url in (content.get("url"), result.get("url")):
        if isinstance(url, str):
            try:
                return parse_listing(url).asin
            except ListingError:
                continue
    return ""


def _reported_marketplace(result: JsonMap, job: JsonMap | None) -> str:
    domain = text(job.get("domain")) if job is not None else ""
    try:
        return normalize_marketplace(domain)
    except ListingError:
        content = mapping(result.get("content")) or {}
        return marketplace_of_url(result.get("url")) or marketplace_of_url(content.get("url")) or ""
