from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from flask import Flask
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError, StatementError

from app.extensions import db
from app.models import Observation, PriceChange, PriceChangeEvent, Product, ScrapeJob, Shop
from tests.integration.factories import make_observation, make_product, make_shop


def test_duplicate_link_of_a_variant_is_refused(app: Flask) -> None:
    shop = make_shop()
    make_product(shop, shopify_variant_gid="gid://shopify/ProductVariant/1")
    with pytest.raises(IntegrityError, match="uq_product_shop_id"):
        make_product(shop, shopify_variant_gid="gid://shopify/ProductVariant/1")
    db.session.rollback()


def test_the_same_variant_may_be_linked_by_two_shops(app: Flask) -> None:
    for shop in (make_shop(), make_shop()):
        make_product(shop, shopify_variant_gid="gid://shopify/ProductVariant/1")
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Product)) == 2


def test_duplicate_shop_domain_is_refused(app: Flask) -> None:
    make_shop("same.myshopify.com")
    with pytest.raises(IntegrityError, match="uq_shop_domain"):
        make_shop("same.myshopify.com")
    db.session.rollback()


def test_deleting_a_shop_cascades_to_every_row_of_it(app: Flask) -> None:
    doomed, kept = make_shop(), make_shop()
    for shop in (doomed, kept):
        product = make_product(shop)
        observation = make_observation(product)
        change = PriceChange(
            shop_id=shop.id,
            product_id=product.id,
            observation_id=observation.id,
            proposed_price=Decimal("25.99"),
            currency="USD",
            idempotency_key=f"key-{shop.id}",
        )
        db.session.add(change)
        db.session.flush()
        db.session.add(
            PriceChangeEvent(
                shop_id=shop.id, price_change_id=change.id, to_state="proposed", actor="auto"
            )
        )
        db.session.add(
            ScrapeJob(
                provider_job_id=f"job-{shop.id}",
                shop_id=shop.id,
                product_id=product.id,
                asin=product.asin,
                marketplace="com",
            )
        )
    db.session.commit()

    # Plain SQL, so the database's ON DELETE CASCADE does the work, not the ORM.
    db.session.execute(text("DELETE FROM shop WHERE id = :id"), {"id": doomed.id})
    db.session.commit()

    for model in (Product, Observation, PriceChange, PriceChangeEvent, ScrapeJob):
        shop_ids = db.session.scalars(select(model.shop_id)).all()
        assert shop_ids == [kept.id], model.__name__


def test_tokens_are_encrypted_at_rest(app: Flask) -> None:
    shop = make_shop(access_token="shpat_plain_secret", refresh_token="shprt_plain_refresh")
    db.session.commit()
    raw = db.session.execute(
        text("SELECT access_token, refresh_token FROM shop WHERE id = :id"), {"id": shop.id}
    ).one()
    assert "shpat_plain_secret" not in raw.access_token
    assert "shprt_plain_refresh" not in raw.refresh_token
    db.session.expire_all()
    assert db.session.get(Shop, shop.id).access_token == "shpat_plain_secret"


def test_money_is_exact_decimal(app: Flask) -> None:
    product = make_product(make_shop())
    make_observation(product, price=Decimal("0.10") + Decimal("0.20"))
    db.session.commit()
    db.session.expire_all()
    assert db.session.scalars(select(Observation.price)).one() == Decimal("0.30")


def test_naive_timestamps_are_refused(app: Flask) -> None:
    product = make_product(make_shop())
    with pytest.raises(StatementError, match="naive datetime"):
        make_observation(product, observed_at=datetime(2026, 1, 1, 12, 0))  # noqa: DTZ001
    db.session.rollback()


@pytest.mark.parametrize(
    ("fields", "constraint"),
    [
        ({"price": Decimal("0")}, "ck_observation_price_positive"),
        ({"availability": "maybe"}, "ck_observation_availability_known"),
        ({"quarantined": True}, "ck_observation_quarantine_has_reason_no_price"),
    ],
)
def test_observation_constraints_keep_data_honest(
    app: Flask, fields: dict[str, object], constraint: str
) -> None:
    product = make_product(make_shop())
    with pytest.raises(IntegrityError, match=constraint):
        make_observation(product, **fields)
    db.session.rollback()


def test_only_one_open_price_change_per_product(app: Flask) -> None:
    product = make_product(make_shop())

    def change(key: str, state: str) -> PriceChange:
        row = PriceChange(
            shop_id=product.shop_id,
            product_id=product.id,
            proposed_price=Decimal("10.00"),
            currency="USD",
            idempotency_key=key,
            state=state,
        )
        db.session.add(row)
        db.session.flush()
        return row

    change("a", "pushed")
    change("b", "pushing")
    change("c", "proposed")
    with pytest.raises(IntegrityError, match="uq_price_change_open_per_product"):
        change("d", "approved")
    db.session.rollback()


def test_shop_domain_must_be_a_myshopify_domain(app: Flask) -> None:
    with pytest.raises(IntegrityError, match="ck_shop_domain_myshopify"):
        make_shop("evil.example.com")
    db.session.rollback()
