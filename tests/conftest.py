"""Shared fixtures: real PostgreSQL and real Redis, isolated per test session.

Each session migrates its own PostgreSQL schema in TEST_DATABASE_URL's database (so parallel
runs don't collide) and claims a free Redis database number on TEST_REDIS_URL's server.
"""

from __future__ import annotations

import os
import signal
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import upgrade
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from redis import Redis
from sqlalchemy import text

from app import create_app
from app.config import Settings
from app.extensions import db
from app.realtime.hub import HUB_EXTENSION
from tests.event_schemas import invalid_events
from tests.support import make_env

# Hypothesis times how long it takes to make each example and fails a test whose examples come
# slowly ("too_slow"), and times each example against a deadline. On CI's 2 loaded cores both
# measure the machine, not the code: the properties are checked, the clock is not.
hypothesis_settings.register_profile(
    "pricebridge", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("pricebridge")

pytest_plugins = ["tests.log_secrets"]

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")


def _libpq_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@pytest.fixture(autouse=True)
def _stop_signals_restored() -> Iterator[None]:
    """A test that runs an RQ worker in this process (``work(burst=True)``) leaves RQ's SIGINT
    and SIGTERM handlers installed, and then Ctrl-C no longer stops pytest: put back the ones
    the test started with."""
    before = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    yield
    if threading.current_thread() is threading.main_thread():
        for number, handler in before.items():
            if signal.getsignal(number) is not handler:
                signal.signal(number, handler)


@pytest.fixture(scope="session")
def pg_schema() -> Iterator[str]:
    """A private schema for this session, dropped at the end."""
    schema = f"pb_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(_libpq_url(TEST_DATABASE_URL), autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    yield schema
    with psycopg.connect(_libpq_url(TEST_DATABASE_URL), autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


def database_url_for(schema: str) -> str:
    separator = "&" if "?" in TEST_DATABASE_URL else "?"
    return f"{TEST_DATABASE_URL}{separator}options={quote(f'-csearch_path={schema}')}"


@pytest.fixture(scope="session")
def redis_db() -> Iterator[int]:
    """Claim a Redis database number no other test session is using."""
    token = uuid.uuid4().hex
    for number in range(1, 16):
        probe = Redis.from_url(f"{TEST_REDIS_URL}/{number}")
        if probe.set("pricebridge:test-claim", token, nx=True, ex=3600):
            probe.flushdb()
            probe.set("pricebridge:test-claim", token, ex=3600)
            yield number
            probe.flushdb()
            probe.close()
            return
        probe.close()
    pytest.fail("every Redis database 1-15 is claimed by another test session")


@pytest.fixture(scope="session")
def session_env(
    pg_schema: str, redis_db: int, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, str]:
    return make_env(
        tmp_path_factory.mktemp("pricebridge"),
        DATABASE_URL=database_url_for(pg_schema),
        REDIS_URL=f"{TEST_REDIS_URL}/{redis_db}",
    )


@pytest.fixture(scope="session")
def migrated_app(session_env: dict[str, str]) -> Iterator[Flask]:
    """The app on this session's schema, migrated once with Alembic (as `flask db upgrade`)."""
    app = create_app(Settings.from_env(session_env))
    with app.app_context():
        upgrade()
    yield app
    app.extensions[HUB_EXTENSION].shutdown()
    with app.app_context():
        db.engine.dispose()
    app.extensions["pricebridge.broker"].redis.close()


@pytest.fixture
def app(migrated_app: Flask, request: pytest.FixtureRequest) -> Iterator[Flask]:
    """The migrated app with every table and the Redis database emptied after the test; the
    events the test's flows published are checked against their schemas first
    (tests/event_schemas.py; a test of made-up events is marked `synthetic_events`)."""
    with migrated_app.app_context():
        yield migrated_app
        db.session.remove()
        tables = ", ".join(f'"{table.name}"' for table in reversed(db.metadata.sorted_tables))
        with db.engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    redis: Redis = migrated_app.extensions["pricebridge.broker"].redis
    synthetic = request.node.get_closest_marker("synthetic_events") is not None
    problems = [] if synthetic else invalid_events(migrated_app, redis)
    claim = redis.get("pricebridge:test-claim")
    redis.flushdb()
    if claim is not None:
        redis.set("pricebridge:test-claim", claim, ex=3600)
    if problems:
        pytest.fail("events that do not match their schema:\n" + "\n".join(problems[:20]))


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def make_app(tmp_path: Path, session_env: dict[str, str]) -> Iterator[Callable[..., Flask]]:
    """Build extra apps from environment overrides, on this session's PostgreSQL schema and
    Redis database unless told otherwise; their engines are disposed afterwards."""
    made: list[Flask] = []
    shared = {name: session_env[name] for name in ("DATABASE_URL", "REDIS_URL")}

    def build(**overrides: str) -> Flask:
        made.append(create_app(Settings.from_env(make_env(tmp_path, **{**shared, **overrides}))))
        return made[-1]

    yield build
    for built in made:
        built.extensions[HUB_EXTENSION].shutdown()
        with built.app_context():
            db.engine.dispose()
        built.extensions["pricebridge.broker"].redis.close()
