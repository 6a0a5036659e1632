"""Migrations go up and down on empty PostgreSQL and SQLite, and match the models."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import insert, inspect, select

from app.extensions import db
from app.models import Observation, Product, Shop
from tests.conftest import TEST_DATABASE_URL, database_url_for

TABLES = {
    "shop",
    "product",
    "observation",
    "price_change",
    "price_change_event",
    "webhook_event",
    "scrape_job",
}


@pytest.fixture
def empty_postgres_url() -> Iterator[str]:
    schema = f"pb_mig_{uuid.uuid4().hex[:8]}"
    libpq = TEST_DATABASE_URL.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(libpq, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    yield database_url_for(schema)
    with psycopg.connect(libpq, autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["postgresql", "sqlite"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    return str(request.getfixturevalue("empty_postgres_url"))


def test_upgrade_matches_models_and_downgrade_empties(
    empty_database_url: str, make_app: Callable[..., Flask]
) -> None:
    app = make_app(DATABASE_URL=empty_database_url)
    with app.app_context():
        upgrade()
        assert set(inspect(db.engine).get_table_names()) >= TABLES
        with db.engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
        assert diff == [], "the models and the migrations disagree; write a migration"

        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}

        upgrade()  # and up again from scratch
        assert set(inspect(db.engine).get_table_names()) >= TABLES


def test_0009_takes_the_previous_amazon_price_and_delivery_from_the_history(
    empty_database_url: str, make_app: Callable[..., Flask]
) -> None:
    """Products linked before 0009 get the newest trusted price that differs from their
    current one (A -> B -> A gives B), and the newest trusted observation's delivery window."""
    app = make_app(DATABASE_URL=empty_database_url)
    with app.app_context():
        upgrade(revision="0008")
        shop = _insert(Shop, domain="before-0009.myshopify.com")
        moved = _insert(Product, **_listing(shop, 1), amazon_price=Decimal("20.00"))
        still = _insert(Product, **_listing(shop, 2), amazon_price=Decimal("9.00"))
        for minute, price in enumerate(("20.00", "25.00", "20.00")):
            _observe(shop, moved, minute, price=Decimal(price))
        _observe(shop, moved, 5, price=None, quarantined=True, quarantine_reason="price_range")
        _observe(shop, moved, 4, price=Decimal("30.00"), currency="EUR")
        window = {"delivery_earliest": date(2026, 12, 3), "delivery_latest": date(2026, 12, 5)}
        _observe(shop, still, 1, price=Decimal("9.00"), **window)
        db.session.commit()

        upgrade()
        rows = {
            row.id: row
            for row in db.session.execute(
                select(
                    Product.id,
                    Product.previous_amazon_price,
                    Product.delivery_earliest,
                    Product.delivery_latest,
                )
            )
        }
        assert rows[moved].previous_amazon_price == Decimal("25.00")
        assert rows[still].previous_amazon_price is None
        assert (rows[still].delivery_earliest, rows[still].delivery_latest) == (
            window["delivery_earliest"],
            window["delivery_latest"],
        )
        db.session.remove()


def _insert(model: type[Shop | Product | Observation], **values: Any) -> int:
    """A row written as of 0008: a Core INSERT names only these columns and those with a
    default, never the ones 0009 adds."""
    table = model.__table__
    return int(
        db.session.execute(insert(table).values(**values).returning(table.c.id)).scalar_one()
    )


def _listing(shop_id: int, number: int) -> dict[str, Any]:
    return {
        "shop_id": shop_id,
        "asin": f"B0MIG0000{number}",
        "marketplace": "com",
        "amazon_currency": "USD",
        "shopify_product_gid": f"gid://shopify/Product/{number}",
        "shopify_variant_gid": f"gid://shopify/ProductVariant/{number}",
    }


def _observe(shop_id: int, product_id: int, minute: int, **values: Any) -> None:
    row = {
        "shop_id": shop_id,
        "product_id": product_id,
        "asin": "B0MIG00001",
        "marketplace": "com",
        "observed_at": datetime(2026, 11, 29, 12, minute, tzinfo=UTC),
        "currency": "USD",
        "availability": "in_stock",
        "quarantined": False,
        **values,
    }
    _insert(Observation, **row)


def test_rows_outlive_every_migration_up_and_down(
    empty_database_url: str, make_app: Callable[..., Flask]
) -> None:
    """SQLite rebuilds a table to alter it (Alembic's batch "move and copy"): with foreign keys
    enforced, dropping the old product table cascaded to every observation. No step up or down
    from 0007 may lose a row that refers to a rebuilt table."""
    app = make_app(DATABASE_URL=empty_database_url)
    with app.app_context():
        upgrade(revision="0007")
        shop = _insert(Shop, domain="kept.myshopify.com")
        product = _insert(Product, **_listing(shop, 1), amazon_price=Decimal("20.00"))
        _observe(shop, product, 1, price=Decimal("20.00"))
        db.session.commit()
        db.session.remove()

        def counts() -> tuple[int, int]:
            found = (
                len(db.session.scalars(select(Product.__table__.c.id)).all()),
                len(db.session.scalars(select(Observation.__table__.c.id)).all()),
            )
            db.session.remove()  # no transaction left open to block the next migration
            return found

        upgrade()
        assert counts() == (1, 1)
        downgrade(revision="0007")
        assert counts() == (1, 1)
        db.session.remove()
