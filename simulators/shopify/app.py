"""`create_app(config)`: the simulated Shopify (OAuth, admin, App Bridge, webhooks, GraphQL)."""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask

from simulators.shopify.admin import register_admin
from simulators.shopify.auth import SessionTokens, register_auth
from simulators.shopify.graphql import AdminGraphQL, mount_admin_api
from simulators.shopify.graphql.merchant import Webhook
from simulators.shopify.products import register_products
from simulators.shopify.records import Clock, Lifetimes, SimClock, utc_now
from simulators.shopify.state import Registry
from simulators.shopify.webhooks import DeliveryResult, WebhookSender, register_webhooks

PACKAGE_DIR = Path(__file__).resolve().parent
#: What the simulator serves: the Admin schema and the webhook bodies (origins in its README).
DATA_DIR = PACKAGE_DIR / "data"
DEFAULT_FIXTURES = DATA_DIR / "webhooks"
DEFAULT_SCOPES = ("write_products", "write_inventory", "read_locations")
# The topics shopify.app.toml subscribes to; the mandatory compliance topics always arrive.
DEFAULT_WEBHOOK_TOPICS = (
    "app/uninstalled",
    "app/scopes_update",
    "products/update",
    "products/delete",
)
EXTENSION_KEY = "shopify_simulator"


@dataclass(frozen=True)
class SimulatorConfig:
    """Everything the simulated Shopify knows about the one app it hosts."""

    api_key: str
    api_secret: str
    app_url: str
    previous_api_secret: str | None = None
    scopes: tuple[str, ...] = DEFAULT_SCOPES
    app_home_path: str = "/app"
    webhook_path: str = "/webhooks"
    webhook_url: str | None = None
    webhook_retries: int = 3
    webhook_retry_delay: float = 1.0
    webhook_topics: tuple[str, ...] = DEFAULT_WEBHOOK_TOPICS
    webhook_timeout: float = 5.0
    api_version: str = "2026-10"
    fixtures_dir: Path = DEFAULT_FIXTURES
    lifetimes: Lifetimes = field(default_factory=Lifetimes)
    refresh_recovery: bool = True
    clock: Clock = utc_now

    def __post_init__(self) -> None:
        def bad(name: str, rule: str) -> ValueError:
            return ValueError(f"SimulatorConfig.{name} {rule}, got {getattr(self, name)!r}")

        if not self.api_key:
            raise bad("api_key", "must not be empty")
        if not self.api_secret:
            raise ValueError("SimulatorConfig.api_secret must not be empty")
        url = urlsplit(self.app_url)
        if url.scheme not in {"http", "https"} or not url.netloc or url.query:
            raise bad("app_url", "must be an http(s) URL without a query")
        object.__setattr__(self, "app_url", self.app_url.rstrip("/"))
        for name in ("app_home_path", "webhook_path"):
            if not getattr(self, name).startswith("/"):
                raise bad(name, "must start with '/'")
        if not self.scopes or not all(isinstance(s, str) and s for s in self.scopes):
            raise bad("scopes", "must be non-empty strings")
        if self.webhook_retries < 0:
            raise bad("webhook_retries", "must be >= 0")
        object.__setattr__(self, "fixtures_dir", Path(self.fixtures_dir))

    @property
    def delivery_url(self) -> str:
        return self.webhook_url or f"{self.app_url}{self.webhook_path}"


class Simulator:
    """The parts of one simulated Shopify, shared by its routes."""

    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        self.clock = SimClock(config.clock)
        self.registry = Registry(
            self.clock, config.lifetimes, refresh_recovery=config.refresh_recovery
        )
        self.session_tokens = SessionTokens(config.api_key, config.api_secret, self.clock.now)
        self.admin_api = AdminGraphQL(
            authorize=self.registry.authorize,
            on_product_update=self.on_product_update,
            clock=self.clock.now,
        )
        self.webhooks = WebhookSender(
            url=config.delivery_url,
            secret=config.api_secret,
            clock=self.clock.now,
            fixtures_dir=config.fixtures_dir,
            retries=config.webhook_retries,
            retry_delay=config.webhook_retry_delay,
            timeout=config.webhook_timeout,
            api_version=config.api_version,
        )

    def install(self, shop: str, scopes: tuple[str, ...] | None = None) -> None:
        """Install the app; a changed grant on an installed shop sends app/scopes_update."""
        granted = scopes or self.config.scopes
        previous = self.registry.install(shop, granted)
        if previous is not None:
            self.webhooks.enqueue(
                "app/scopes_update", shop, self.scopes_update_body(previous, granted)
            )

    def scopes_update_body(
        self, previous: tuple[str, ...], current: tuple[str, ...]
    ) -> dict[str, Any]:
        body = self.webhooks.fixture_json("app/scopes_update", "")
        body.update(previous=list(previous), current=list(current))
        body["updated_at"] = self.clock.now().isoformat(timespec="milliseconds")
        return body

    def uninstall(self, shop: str) -> bool:
        """Uninstall: tokens die at once, then app/uninstalled is delivered (as Shopify does)."""
        if not self.registry.uninstall(shop):
            return False
        self.webhooks.enqueue(
            "app/uninstalled", shop, self.webhooks.fixture_json("app/uninstalled", shop)
        )
        return True

    def on_product_update(self, shop: str, payload: dict[str, Any]) -> None:
        """Echo the app's own product writes as products/update, as Shopify does."""
        self.notify(shop, [Webhook("products/update", payload)])

    def notify(
        self, shop: str, webhooks: list[Webhook]
    ) -> list[tuple[str, Future[DeliveryResult]]]:
        """Deliver in the background what a change sends to an installed app subscribed to
        its topic, as Shopify does after the change; returns (topic, delivery) under way."""
        if not self.registry.is_installed(shop):
            return []
        return [
            (hook.topic, self.webhooks.enqueue(hook.topic, shop, hook.payload))
            for hook in webhooks
            if hook.topic in self.config.webhook_topics
        ]


def create_app(config: SimulatorConfig) -> Flask:
    sim = Simulator(config)
    app = Flask(
        __name__,
        static_folder=None,
        template_folder=str(PACKAGE_DIR / "templates"),
    )
    app.extensions[EXTENSION_KEY] = sim
    register_auth(app, sim)
    register_admin(app, sim)
    register_webhooks(app, sim)
    mount_admin_api(app, sim.admin_api)
    register_products(app, sim)
    return app


def simulator(app: Flask) -> Simulator:
    """The Simulator behind an app made by create_app (tests and the demo use it directly)."""
    sim = app.extensions[EXTENSION_KEY]
    assert isinstance(sim, Simulator)
    return sim
