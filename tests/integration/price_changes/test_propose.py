"""on_observation on PostgreSQL + Redis: changes, supersession, holds, auto-approval, events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from flask import Flask
from sqlalchemy import func, select

from app.broker import current_broker
from app.extensions import db
from app.models import PriceChange, PriceChangeEvent, Product, Shop
from app.price_changes.propose import on_observation
from app.realtime.events import events_after
from tests.integration.factories import make_observation, make_product, make_shop

T0 = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def _shop(**fields: object) -> Shop:
    values: dict[str, object] = {
        "currency": "USD",
        "markup_percent": Decimal("30.00"),
        "min_margin_percent": Decimal("10.00"),
        "installed_at": T0,
    }
    values.update(fields)
    return make_shop(**values)


def _observe(product: Product, price: str | None, at: datetime = T0, **fields: object) -> int:
    observation = make_observation(
        product, price=None if price is None else Decimal(price), observed_at=at, **fields
    )
    db.session.commit()
    on_observation(product.id, observation.id)
    return observation.id


def _changes(product: Product) -> list[PriceChange]:
    return list(
        db.session.scalars(
            select(PriceChange).where(PriceChange.product_id == product.id).order_by(PriceChange.id)
        )
    )


def test_a_new_price_becomes_a_proposed_change_with_its_audit_trail(app: Flask) -> None:
    shop = _shop()
    product = make_product(shop, shopify_price=Decimal("20.00"))
    observation_id = _observe(product, "19.99")
    [change] = _changes(product)
    assert change.state == "proposed"
    assert change.proposed_price == Decimal("25.99")  # 19.99 * 1.3 = 25.987 -> up to 25.99
    assert change.previous_price == Decimal("20.00")
    assert change.observation_id == observation_id
    assert change.rule["markup_percent"] == "30.00"
    assert len(change.idempotency_key) == 32
    [event] = db.session.scalars(select(PriceChangeEvent)).all()
    assert (event.from_state, event.to_state, event.actor) == (None, "proposed", "auto")
    [published] = events_after(shop.id, 0)
    assert published.type == "price_change"
    assert published.data["state"] == "proposed"
    assert published.data["proposed_price"] == "25.99"


def test_the_price_shopify_already_has_creates_no_change(app: Flask) -> None:
    product = make_product(_shop(), shopify_price=Decimal("25.99"))
    _observe(product, "19.99")
    assert _changes(product) == []


def test_a_newer_observation_supersedes_the_open_change(app: Flask) -> None:
    product = make_product(_shop(), shopify_price=Decimal("20.00"))
    _observe(product, "19.99")
    _observe(product, "21.00", T0 + timedelta(hours=1))
    first, second = _changes(product)
    assert first.state == "superseded"
    assert second.state == "proposed"
    assert second.proposed_price == Decimal("27.30")


def test_an_older_observation_arriving_late_changes_nothing(app: Flask) -> None:
    product = make_product(_shop(), shopify_price=Decimal("20.00"))
    _observe(product, "19.99", T0 + timedelta(hours=1))
    _observe(product, "30.00", T0)
    [change] = _changes(product)
    assert change.proposed_price == Decimal("25.99")
    assert change.state == "proposed"


def test_the_same_quote_again_keeps_one_change_confirmed_by_the_newer_observation(
    app: Flask,
) -> None:
    product = make_product(_shop(), shopify_price=Decimal("20.00"))
    _observe(product, "19.99")
    newer = _observe(product, "19.99", T0 + timedelta(hours=1))
    [change] = _changes(product)
    assert change.observation_id == newer


def test_below_the_margin_floor_is_held_with_the_reason(app: Flask) -> None:
    product = make_product(_shop(markup_percent=Decimal("5.00")), shopify_price=Decimal("20.00"))
    _observe(product, "19.99")
    [change] = _changes(product)
    assert change.state == "held"
    assert change.held_reason == "below_margin_floor"
    assert "margin floor" in change.rule["held_message"]


def test_no_amazon_price_supersedes_the_open_change_and_marks_the_product(app: Flask) -> None:
    product = make_product(_shop(), shopify_price=Decimal("20.00"))
    _observe(product, "19.99")
    _observe(product, None, T0 + timedelta(hours=1), availability="unavailable")
    [change] = _changes(product)
    assert change.state == "superseded"
    db.session.refresh(product)
    assert product.price_hold_reason == "no_cost"
    assert product.price_hold_message


def test_a_currency_mismatch_is_held_on_the_product(app: Flask) -> None:
    product = make_product(_shop(currency="EUR"), shopify_price=Decimal("20.00"))
    _observe(product, "19.99")
    assert _changes(product) == []
    db.session.refresh(product)
    assert product.price_hold_reason == "currency_mismatch"


def test_within_tolerance_is_approved_automatically_and_the_push_enqueued(app: Flask) -> None:
    shop = _shop(auto_push_tolerance_percent=Decimal("50.00"))
    product = make_product(shop, shopify_price=Decimal("20.00"))
    _observe(product, "19.99")
    [change] = _changes(product)
    assert change.state == "approved"
    assert change.approved_by == "auto"
    assert current_broker().queue("push").fetch_job(f"push-{shop.id}") is not None


def test_beyond_tolerance_waits_for_a_person(app: Flask) -> None:
    shop = _shop(auto_push_tolerance_percent=Decimal("5.00"))
    product = make_product(shop, shopify_price=Decimal("20.00"))
    _observe(product, "19.99")
    [change] = _changes(product)
    assert change.state == "proposed"
    assert current_broker().queue("push").count == 0


def test_a_manually_overridden_product_is_held_not_proposed(app: Flask) -> None:
    product = make_product(
        _shop(auto_push_tolerance_percent=Decimal("50.00")),
        shopify_price=Decimal("20.00"),
        manual_override_at=T0,
    )
    _observe(product, "19.99")
    [change] = _changes(product)
    assert change.state == "held"
    assert change.held_reason == "manual_override"


def test_one_open_change_per_product_across_many_observations(app: Flask) -> None:
    product = make_product(_shop(), shopify_price=Decimal("20.00"))
    for hour in range(6):
        _observe(product, f"{19 + hour}.50", T0 + timedelta(hours=hour))
    open_count = db.session.scalar(
        select(func.count())
        .select_from(PriceChange)
        .where(PriceChange.state.in_(("proposed", "approved", "held")))
    )
    assert open_count == 1
