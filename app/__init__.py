"""PriceBridge: Amazon prices, watched and pushed to Shopify with the merchant's markup.

`create_app` imports the blueprints, extensions and wiring inside the function (the Flask
tutorial's factory), so importing a module of the pure core (`app.pricing.rules`) loads no
Flask, SQLAlchemy, Redis or HTTP client.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

    from app.config import Settings

MIGRATIONS_DIRECTORY = str(Path(__file__).resolve().parent.parent / "migrations")


def create_app(settings: Settings | None = None) -> Flask:
    """Build the app from `settings` (read from the environment when omitted). Wiring only."""
    from flask import Flask

    from app.api.query import RowIdConverter
    from app.config import Settings
    from app.json_provider import OrjsonProvider

    settings = settings or Settings.from_env()
    app = Flask(__name__, instance_path=settings.instance_path)
    app.json = OrjsonProvider(app)
    # Before any route is added: every `<int:...>` is a BIGINT row id.
    app.url_map.converters["int"] = RowIdConverter
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SQLALCHEMY_DATABASE_URI=settings.database_url,
        SQLALCHEMY_ENGINE_OPTIONS=_engine_options(settings),
        MAX_CONTENT_LENGTH=5 * 1024 * 1024,
    )
    _bind_extensions(app, settings)
    _register_routes(app)
    _connect_flow(app)
    return app


def _bind_extensions(app: Flask, settings: Settings) -> None:
    from sqlalchemy import event

    from app import broker
    from app.api import websocket as realtime_websocket
    from app.crypto import TokenCipher
    from app.database import ping_idle_connections
    from app.extensions import SETTINGS_EXTENSION, db, migrate, sock
    from app.models.types import CIPHER_EXTENSION
    from app.observability import logging as app_logging
    from app.price_changes.ledger import publish_on_commit

    app.extensions[SETTINGS_EXTENSION] = settings
    app.extensions[CIPHER_EXTENSION] = TokenCipher(settings.token_encryption_keys)
    app_logging.configure_logging(settings.log_level, settings.log_format)
    app_logging.init_app(app)
    db.init_app(app)
    with app.app_context():
        if settings.is_sqlite:
            event.listen(db.engine, "connect", _sqlite_pragmas)
        else:
            ping_idle_connections(db.engine)
    migrate.init_app(app, db, directory=MIGRATIONS_DIRECTORY)
    sock.init_app(app)
    broker.init_app(app, settings.redis_url)
    realtime_websocket.init_app(app, settings)
    publish_on_commit()


def _register_routes(app: Flask) -> None:
    from app import api, cli
    from app.api.errors import register_outage_handlers
    from app.observability import exposition, health
    from app.shopify import web as shopify_web
    from app.shopify import webhooks

    app.register_blueprint(health.bp)
    exposition.init_app(app)
    app.register_blueprint(webhooks.bp)
    app.register_blueprint(shopify_web.bp)
    api.init_app(app)
    register_outage_handlers(app)
    cli.init_app(app)


def _connect_flow(app: Flask) -> None:
    """The hand-offs between stages that must not import each other back (see README):
    receivers of the Shopify edge's and the outbox's signals, the periodic tasks, and the
    stages' label values for the metrics."""
    from app.api import page_data
    from app.ingest.oxylabs_errors import ProviderError
    from app.ingest.reading import QuarantineReason
    from app.jobs.scheduler import TASKS_EXTENSION
    from app.observability import metrics
    from app.periodic import periodic_tasks
    from app.price_changes import jobs as price_change_jobs
    from app.price_changes import override, withdraw
    from app.push import jobs as push_jobs
    from app.shopify.graphql.documents import COST_HINTS

    override.connect()
    withdraw.connect()
    page_data.connect()
    price_change_jobs.connect()
    push_jobs.connect()
    app.extensions[TASKS_EXTENSION] = periodic_tasks()
    metrics.declare_known_labels(
        quarantine_reasons=[reason.value for reason in QuarantineReason],
        provider_errors=ProviderError,
        shopify_operations=COST_HINTS,
    )


def _engine_options(settings: Settings) -> dict[str, Any]:
    if settings.is_sqlite:
        # The web process is threaded; SQLite allows that when writes are short.
        return {"connect_args": {"check_same_thread": False, "timeout": 15}}
    # One connection per HTTP thread and no overflow: above the pool, a request waits for a
    # connection instead of opening and closing one (which doubled CPU per request under load).
    # Websockets hold no connection once authenticated, so they need none. Liveness: a
    # connection idle for a while is pinged at checkout (app.database), not every one.
    return {
        "pool_use_lifo": True,
        "pool_size": settings.web_threads,
        "max_overflow": 0,
        "pool_timeout": 30,
        "pool_recycle": 1800,
    }


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")  # cascades on SQLite too
    cursor.execute("PRAGMA journal_mode=WAL")  # readers don't block the writer
    cursor.close()
