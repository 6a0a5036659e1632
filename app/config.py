"""Settings: every environment variable is read once, here, and validated.

`Settings.from_env(environ)` is the only reader of the environment. A bad value fails at start
with a `SettingsError` that names the variable. With nothing set, PriceBridge runs on SQLite
under `instance/` with development secrets generated there on first use (never committed).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from cryptography.fernet import Fernet

from app.config_reader import (
    API_VERSION_RE,
    ENVIRONMENTS,
    LOG_FORMATS,
    LOG_LEVELS,
    DevelopmentSecrets,
    EnvReader,
    SettingsError,
)

__all__ = ["Settings", "SettingsError"]

PRODUCTION_REQUIRED: Final = (
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "TOKEN_ENCRYPTION_KEYS",
    "SHOPIFY_API_KEY",
    "SHOPIFY_API_SECRET",
    "SHOPIFY_APP_URL",
)


@dataclass(frozen=True)
class RealtimeSettings:
    """The websocket hub's limits, per web process (see gunicorn.conf.py for the threads)."""

    max_sockets: int = 1000
    queue_size: int = 256  # events waiting for one socket before it counts as too slow
    ping_seconds: float = 20.0  # a peer silent for two pings (at most 40 s) is dropped
    auth_seconds: float = 5.0  # the first message must arrive within this
    send_timeout_seconds: float = 10.0  # a send blocked this long drops the socket
    max_message_bytes: int = 16 * 1024  # the largest message a client may send

    @classmethod
    def from_reader(cls, reader: EnvReader) -> RealtimeSettings:
        return cls(
            max_sockets=reader.integer("REALTIME_MAX_SOCKETS", default=1000, minimum=1),
            queue_size=reader.integer("REALTIME_QUEUE_SIZE", default=256, minimum=1),
            ping_seconds=reader.number(
                "REALTIME_PING_SECONDS", default=20.0, minimum=0.05, maximum=30
            ),
            auth_seconds=reader.number(
                "REALTIME_AUTH_SECONDS", default=5.0, minimum=0.05, maximum=60
            ),
            send_timeout_seconds=reader.number(
                "REALTIME_SEND_TIMEOUT_SECONDS", default=10.0, minimum=0.05, maximum=60
            ),
        )


@dataclass(frozen=True)
class Settings:
    env: str
    database_url: str
    redis_url: str
    secret_key: str = field(repr=False)
    token_encryption_keys: tuple[str, ...] = field(repr=False)
    shopify_api_key: str
    shopify_api_secret: str = field(repr=False)
    shopify_api_secret_previous: str | None = field(repr=False)
    shopify_app_url: str
    shopify_api_version: str
    shopify_admin_origin: str
    shopify_scopes: tuple[str, ...]
    app_bridge_src: str
    polaris_src: str
    oxylabs_username: str
    oxylabs_password: str = field(repr=False)
    oxylabs_realtime_url: str
    oxylabs_data_url: str
    delivery_locations: Mapping[str, str]
    oxylabs_monthly_budget: int
    scheduler_tick_seconds: float
    realtime: RealtimeSettings
    web_threads: int
    log_level: str
    log_format: str
    metrics_port: int
    instance_path: str

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, instance_path: str | None = None
    ) -> Settings:
        env = dict(os.environ if environ is None else environ)
        return cls._from_reader(EnvReader(env), env, instance_path)

    @classmethod
    def _from_reader(
        cls, reader: EnvReader, env: Mapping[str, str], instance_path: str | None
    ) -> Settings:
        instance = Path(instance_path or reader.text("INSTANCE_PATH", default="instance"))
        app_env = reader.choice("PRICEBRIDGE_ENV", ENVIRONMENTS, default="development")
        if app_env == "production":
            missing = [name for name in PRODUCTION_REQUIRED if not env.get(name, "").strip()]
            if missing:
                raise SettingsError(missing[0], "is required when PRICEBRIDGE_ENV=production")
        dev = DevelopmentSecrets(instance) if app_env != "production" else None

        def secret(name: str, make: Callable[[], str]) -> str:
            value = reader.text(name, default="")
            if value:
                return value
            assert dev is not None  # production has checked PRODUCTION_REQUIRED above
            return dev.get(name, make)

        secret_key = secret("SECRET_KEY", lambda: secrets.token_hex(32))
        if len(secret_key) < 32:
            raise SettingsError("SECRET_KEY", "must be at least 32 characters")
        return cls(
            env=app_env,
            database_url=reader.database_url(
                "DATABASE_URL", default=f"sqlite:///{(instance / 'pricebridge.db').resolve()}"
            ),
            redis_url=reader.redis_url("REDIS_URL"),
            secret_key=secret_key,
            token_encryption_keys=reader.fernet_keys(
                "TOKEN_ENCRYPTION_KEYS",
                secret("TOKEN_ENCRYPTION_KEYS", lambda: Fernet.generate_key().decode()),
            ),
            shopify_api_key=secret("SHOPIFY_API_KEY", lambda: secrets.token_hex(16)),
            shopify_api_secret=secret("SHOPIFY_API_SECRET", lambda: secrets.token_hex(32)),
            shopify_api_secret_previous=reader.text("SHOPIFY_API_SECRET_PREVIOUS", default="")
            or None,
            shopify_app_url=reader.http_url("SHOPIFY_APP_URL", default="http://127.0.0.1:8000"),
            shopify_api_version=reader.matching(
                "SHOPIFY_API_VERSION", API_VERSION_RE, default="2026-10", example="2026-10"
            ),
            shopify_admin_origin=reader.admin_origin("SHOPIFY_ADMIN_ORIGIN"),
            shopify_scopes=reader.scopes("SHOPIFY_SCOPES"),
            app_bridge_src=reader.http_url(
                "APP_BRIDGE_SRC", default="https://cdn.shopify.com/shopifycloud/app-bridge.js"
            ),
            polaris_src=reader.http_url(
                "POLARIS_SRC", default="https://cdn.shopify.com/shopifycloud/polaris.js"
            ),
            oxylabs_username=reader.text("OXYLABS_USERNAME", default=""),
            oxylabs_password=reader.text("OXYLABS_PASSWORD", default=""),
            oxylabs_realtime_url=reader.http_url(
                "OXYLABS_REALTIME_URL", default="https://realtime.oxylabs.io/v1/queries"
            ),
            oxylabs_data_url=reader.http_url("OXYLABS_DATA_URL", default="https://data.oxylabs.io"),
            delivery_locations=reader.delivery_locations("OXYLABS_DELIVERY_LOCATIONS"),
            oxylabs_monthly_budget=reader.integer(
                "OXYLABS_MONTHLY_BUDGET", default=100_000, minimum=0
            ),
            scheduler_tick_seconds=reader.number(
                "SCHEDULER_TICK_SECONDS", default=5.0, minimum=0.05, maximum=3600
            ),
            realtime=RealtimeSettings.from_reader(reader),
            web_threads=reader.integer("WEB_THREADS", default=64, minimum=1),
            log_level=reader.choice("LOG_LEVEL", LOG_LEVELS, default="INFO", upper=True),
            log_format=reader.choice("LOG_FORMAT", LOG_FORMATS, default="json"),
            metrics_port=reader.integer("METRICS_PORT", default=0, minimum=0, maximum=65535),
            instance_path=str(instance.resolve()),
        )

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def shopify_admin_url(self, shop: str, path: str) -> str:
        """The URL of `path` (starting with /admin) on `shop`'s admin, honouring the origin."""
        return self.shopify_admin_origin.format(shop=shop) + path

    @staticmethod
    def variables_read(environ: Mapping[str, str]) -> frozenset[str]:
        """The names `from_env` reads for `environ`, so a test can hold the README to them."""
        reader = EnvReader(environ)
        Settings._from_reader(reader, dict(environ), None)
        return frozenset(reader.seen)
