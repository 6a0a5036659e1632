"""Refresh now: poll one product through the provider's realtime path and store it.

The result is reserved against the shop's budget and committed before the (slow) call, so
the shop row is not held locked while the provider works. The reservation is kept exactly when
the provider bills: given back for a refusal or failure it does not bill and for a result it
does not charge, kept for a result, and kept for a call whose answer was lost after sending
(`UnconfirmedError`: it may have been done and billed; the job's retry reserves anew).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import select

from app.extensions import db
from app.ingest.budget import commit_before_asking, lock_shops, refund, reserve, usage_of
from app.ingest.provider import (
    PermanentError,
    Poll,
    Provider,
    RetryableError,
    UnconfirmedError,
)
from app.ingest.record import (
    announce,
    needs_person,
    publish_errors,
    query_for,
    record_poll,
    stored,
)
from app.models import Product, Shop
from app.observability import metrics
from app.realtime.events import publish_event


class RefreshOutcome(StrEnum):
    STORED = "stored"
    GONE = "gone"
    OVER_BUDGET = "over_budget"
    NEEDS_PERSON = "needs_person"


def can_refresh(shop: Shop, now: datetime) -> bool:
    return usage_of(shop, now).remaining > 0


def refresh_product(product_id: int, provider: Provider, now: datetime) -> RefreshOutcome:
    product = db.session.get(Product, product_id)
    if product is None:
        return RefreshOutcome.GONE
    shop_id = product.shop_id
    shop = lock_shops({shop_id}).get(shop_id)
    if shop is None or shop.uninstalled_at is not None:  # erased, or uninstalled, meanwhile
        db.session.rollback()
        return RefreshOutcome.GONE
    if reserve(shop, 1, now) == 0:
        db.session.commit()
        publish_event(
            shop_id,
            "error",
            {
                "code": "budget_exhausted",
                "message": "This month's polling budget is used up; refresh is paused.",
                "product_ids": [product_id],
            },
        )
        return RefreshOutcome.OVER_BUDGET
    query = query_for(product)
    commit_before_asking()
    try:
        poll = provider.poll_now(query, received_at=now)
    except PermanentError as error:
        metrics.scrape_failed(error)
        _refused(product_id, error, now)
        return RefreshOutcome.NEEDS_PERSON
    except RetryableError as error:
        metrics.scrape_failed(error)
        if not isinstance(error, UnconfirmedError):
            _refund(shop_id, now)
        raise
    return _store(product_id, shop_id, poll, now)


def _store(product_id: int, shop_id: int, poll: Poll, now: datetime) -> RefreshOutcome:
    if not poll.billed:
        _refund(shop_id, now)
    product = _lock_product(product_id)
    if product is None:  # unlinked while we waited; a billed result stays counted
        db.session.rollback()
        return RefreshOutcome.GONE
    row, trusted = record_poll(product, poll, now)
    db.session.flush()
    item = stored(product, row, trusted)
    db.session.commit()
    announce([item])
    return RefreshOutcome.STORED


def _lock_product(product_id: int) -> Product | None:
    statement = select(Product).where(Product.id == product_id)
    if db.engine.dialect.name == "postgresql":
        statement = statement.with_for_update()
    return db.session.scalars(statement.execution_options(populate_existing=True)).first()


def _refused(product_id: int, error: PermanentError, now: datetime) -> None:
    product = _lock_product(product_id)
    if product is None:
        db.session.rollback()
        return
    shop = lock_shops({product.shop_id})[product.shop_id]
    refund(shop, 1, now)
    errors = needs_person([product], shop, error, now)
    db.session.commit()
    publish_errors(errors)


def _refund(shop_id: int, now: datetime) -> None:
    shops = lock_shops({shop_id})
    if shop_id in shops:
        refund(shops[shop_id], 1, now)
    db.session.commit()
