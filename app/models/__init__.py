"""The data model: one aggregate per module. Importing this package registers every table."""

from app.models.link_import import LinkImport
from app.models.observation import Observation
from app.models.price_change import PriceChange, PriceChangeEvent
from app.models.product import Product
from app.models.scrape_job import ScrapeJob
from app.models.shop import Shop
from app.models.webhook_event import WebhookEvent

__all__ = [
    "LinkImport",
    "Observation",
    "PriceChange",
    "PriceChangeEvent",
    "Product",
    "ScrapeJob",
    "Shop",
    "WebhookEvent",
]
