"""Migrations go up and down on empty PostgreSQL and SQLite, and match the models."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from app.extensions import db
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
