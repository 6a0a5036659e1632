"""Repricing survives products changed or deleted under it (issue 14: deletes racing jobs).

A shop's repricing reads its products and their latest observations, then locks and reprices
them one by one; meanwhile Shopify may report a product deleted (products/delete: the link
stops, `variant_deleted`), the merchant may unlink one, or shop/redact may erase the shop.
Each race is interleaved deterministically in a hook right after the read, running the other
side in its own session and transaction, as another worker would.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import delete, select

from app.extensions import db
from app.models import Observation, PriceChange, Product, Shop
from app.price_changes import settings
from app.price_changes.propose import on_observations
from app.price_changes.settings import reprice_shop
from app.shopify.webhook_handlers import ReceivedWebhook, handle_products_delete
from tests.integration.factories import make_observation, make_product, make_shop

T0 = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def priced_shop(products: int) -> tuple[Shop, list[Product], list[int]]:
    """A shop whose products each have an observation the rules price above Shopify's."""
    shop = make_shop(
        currency="USD",
        markup_percent=Decimal("30.00"),
        min_margin_percent=Decimal("10.00"),
        installed_at=T0,
    )
    rows = [make_product(shop, shopify_price=Decimal("20.00")) for _ in range(products)]
    observations = [make_observation(p, price=Decimal("19.99"), observed_at=T0) for p in rows]
    db.session.commit()
    return shop, rows, [o.id for o in observations]


def in_another_worker(app: Flask, work: Callable[[], None]) -> None:
    """Run `work` in its own app context: its own session, connection and commit."""
    with app.app_context():
        work()
        db.session.commit()
        db.session.remove()


def products_deleted_in_shopify(shop: Shop, product: Product) -> Callable[[], None]:
    domain, number = shop.domain, product.shopify_product_gid.rsplit("/", 1)[1]
    return lambda: handle_products_delete(
        ReceivedWebhook("wh-delete", "products/delete", domain, T0, {"id": int(number)})
    )


@pytest.fixture
def after_the_read(
    monkeypatch: pytest.MonkeyPatch,
) -> Callable[[Callable[[], None]], None]:
    """Arms a hook run once, right after the repricing read its products."""
    armed: list[Callable[[], None]] = []
    real = settings.latest_observations

    def read_then_race(
        shop_id: int, product_ids: Sequence[int] | None = None
    ) -> list[tuple[Product, Observation]]:
        rows = real(shop_id, product_ids)
        while armed:
            armed.pop()()
        return rows

    monkeypatch.setattr(settings, "latest_observations", read_then_race)
    return armed.append


def changes_of(product_id: int) -> list[PriceChange]:
    return list(db.session.scalars(select(PriceChange).where(PriceChange.product_id == product_id)))


def test_a_product_deleted_in_shopify_during_a_reprice_gets_no_change(
    app: Flask, after_the_read: Any
) -> None:
    shop, (kept, deleted), _ = priced_shop(2)
    deleted_id = deleted.id
    after_the_read(lambda: in_another_worker(app, products_deleted_in_shopify(shop, deleted)))
    assert reprice_shop(shop.id, "auto") == 1
    db.session.expire_all()
    assert [c.proposed_price for c in changes_of(kept.id)] == [Decimal("25.99")]
    assert changes_of(deleted_id) == []
    row = db.session.get(Product, deleted_id)
    assert row is not None
    assert row.status == "variant_deleted"


def test_a_product_unlinked_during_a_reprice_is_left_alone(app: Flask, after_the_read: Any) -> None:
    shop, (kept, unlinked), _ = priced_shop(2)
    gone = unlinked.id

    def unlink() -> None:
        db.session.execute(delete(Product).where(Product.id == gone))

    after_the_read(lambda: in_another_worker(app, unlink))
    assert reprice_shop(shop.id, "auto") == 1  # no IntegrityError for the gone product
    db.session.expire_all()
    assert len(changes_of(kept.id)) == 1
    assert db.session.get(Product, gone) is None


def test_a_shop_erased_during_its_reprice_ends_it(app: Flask, after_the_read: Any) -> None:
    shop, _, _ = priced_shop(3)
    shop_id = shop.id

    def erase() -> None:
        db.session.execute(delete(Shop).where(Shop.id == shop_id))

    after_the_read(lambda: in_another_worker(app, erase))
    assert reprice_shop(shop_id, "auto", chunk=1) == 0
    db.session.expire_all()
    assert db.session.scalars(select(PriceChange)).all() == []
    assert db.session.get(Shop, shop_id) is None


def test_an_observation_of_a_product_deleted_in_shopify_since_proposes_nothing(
    app: Flask,
) -> None:
    """Ingest committed the observation; products/delete was handled before the proposal
    ran (it comes after the commit): no change for a variant Shopify no longer has."""
    shop, (product,), (observation,) = priced_shop(1)
    in_another_worker(app, products_deleted_in_shopify(shop, product))
    on_observations([(product.id, observation)])
    assert changes_of(product.id) == []
