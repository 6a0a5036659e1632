"""One handler per webhook topic, run by the shop's drain (`process_shop_webhooks`) inside a
savepoint of its transaction.

A handler changes rows and never commits: the drain commits the handler's changes together
with `WebhookEvent.processed_at`, so a delivery takes effect exactly once or not at all.
Handlers must also be safe to run again after a failed attempt (RQ retries the drain when a
dependency was unreachable).

`shopify.app.toml` names these functions next to each subscription.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import delete, select

from app.broker import current_broker
from app.clock import utcnow
from app.extensions import db
from app.models import Product, Shop, WebhookEvent
from app.shopify import signals
from app.shopify.lifecycle import affected_rows, mark_uninstalled

log = logging.getLogger(__name__)

# products/update carries at most 100 variants: a longer product's absent ones may still exist.
MAX_PAYLOAD_VARIANTS = 100

# Per-shop Redis keys start with one of these; shop/redact deletes them. New per-shop keys
# belong under pricebridge:shop:{shop_id}: (realtime does); the others are listed as they exist.
SHOP_REDIS_PREFIXES = (
    "pricebridge:shop:{shop_id}:",
    "pricebridge:shop:{domain}:",
    "pricebridge:pricing:pushed:{shop_id}:",
    "pricebridge:shopify:throttle:{domain}",
    "pricebridge:shopify:token-lock:{domain}",
)


class WebhookPayloadError(ValueError):
    """A verified payload that does not have the shape its topic promises (retrying won't help)."""


@dataclass(frozen=True)
class ReceivedWebhook:
    webhook_id: str
    topic: str
    shop_domain: str
    triggered_at: datetime | None
    payload: Mapping[str, Any]


Handler = Callable[[ReceivedWebhook], None]


def find_shop(domain: str) -> Shop | None:
    shop: Shop | None = db.session.scalar(select(Shop).where(Shop.domain == domain))
    return shop


def reinstalled_since(shop: Shop, webhook: ReceivedWebhook) -> bool:
    """A late delivery about an install that has since been replaced by a new one."""
    return (
        shop.installed_at is not None
        and webhook.triggered_at is not None
        and shop.installed_at > webhook.triggered_at
    )


def handle_app_uninstalled(webhook: ReceivedWebhook) -> None:
    """Drop the shop's tokens and stop polling its products."""
    shop = find_shop(webhook.shop_domain)
    if shop is None:
        log.info("app/uninstalled for a shop we do not know; nothing to do")
        return
    if reinstalled_since(shop, webhook):
        log.warning("app/uninstalled triggered before the current install; ignored")
        return
    paused = mark_uninstalled(shop, webhook.triggered_at or utcnow())
    log.info("app uninstalled: tokens dropped, %d products paused", paused)


def handle_app_scopes_update(webhook: ReceivedWebhook) -> None:
    """Record the scopes the merchant now grants (the payload's `current` list)."""
    current = webhook.payload.get("current")
    if not isinstance(current, list) or not all(isinstance(s, str) and s for s in current):
        raise WebhookPayloadError(
            f"app/scopes_update 'current' is not a list of scopes: {current!r}"
        )
    shop = find_shop(webhook.shop_domain)
    if shop is None:
        log.info("app/scopes_update for a shop we do not know; nothing to do")
        return
    shop.scopes = ",".join(current)
    log.info("scopes updated to %s", shop.scopes)


def handle_products_update(webhook: ReceivedWebhook) -> None:
    shop = find_shop(webhook.shop_domain)
    if shop is None or not shop.is_installed:
        log.info("products/update for a shop that is not installed; ignored")
        return
    on_product_updated(shop, webhook.payload)


def on_product_updated(shop: Shop, payload: Mapping[str, Any]) -> None:
    """products/update: announce Shopify's price of each variant (`signals.prices_seen`).

    A price PriceBridge did not write (not the echo of its own push) marks the product
    manually overridden; a late delivery never overwrites a price read at a later time. A
    linked variant of the product that the payload no longer lists was deleted.
    """
    prices = list(_variant_prices(payload))
    signals.prices_seen.send(shop, prices=prices)
    gid = payload.get("admin_graphql_api_id")
    listed = payload.get("variants")
    if isinstance(gid, str) and isinstance(listed, list) and len(listed) < MAX_PAYLOAD_VARIANTS:
        kept = {variant_gid for variant_gid, _, _ in prices}
        gone = [
            product for product in _linked_to(shop, gid) if product.shopify_variant_gid not in kept
        ]
        on_variants_deleted(
            gone, "The variant was deleted in Shopify (products/update no longer lists it)."
        )


def handle_products_delete(webhook: ReceivedWebhook) -> None:
    """The product and its variants are gone from Shopify: their links stop (status
    ``variant_deleted``, with the reason), keeping their history."""
    product_id = webhook.payload.get("id")
    if isinstance(product_id, bool) or not isinstance(product_id, int | str):
        raise WebhookPayloadError(f"products/delete 'id' is not a product id: {product_id!r}")
    shop = find_shop(webhook.shop_domain)
    if shop is None:
        log.info("products/delete for a shop we do not know; nothing to do")
        return
    gid = f"gid://shopify/Product/{product_id}"
    gone = _linked_to(shop, gid)
    when = (webhook.triggered_at or utcnow()).date().isoformat()
    on_variants_deleted(gone, f"The product was deleted in Shopify (products/delete, {when}).")
    log.info("product %s deleted in Shopify: %d links stopped", gid, len(gone))


def _linked_to(shop: Shop, product_gid: str) -> list[Product]:
    return list(
        db.session.scalars(
            select(Product)
            .where(
                Product.shop_id == shop.id,
                Product.shopify_product_gid == product_gid,
                Product.status != "variant_deleted",
            )
            .order_by(Product.id)
            .with_for_update()
        )
    )


def on_variants_deleted(products: list[Product], reason: str) -> None:
    """Variants Shopify says are gone: announce them (`signals.variants_deleted`); the
    price-change code stops them and withdraws their open changes."""
    if products:
        signals.variants_deleted.send(products, reason=reason, now=utcnow())


def handle_customers_data_request(webhook: ReceivedWebhook) -> None:
    """PriceBridge stores no customer data, so there is nothing to report; acknowledged."""
    request = webhook.payload.get("data_request")
    request_id = request.get("id") if isinstance(request, Mapping) else None
    log.info(
        "customers/data_request %s for customer %s: PriceBridge holds no customer data",
        request_id,
        _customer_id(webhook.payload),
    )


def handle_customers_redact(webhook: ReceivedWebhook) -> None:
    """PriceBridge stores no customer data, so there is nothing to erase; acknowledged."""
    log.info(
        "customers/redact for customer %s: PriceBridge holds no customer data",
        _customer_id(webhook.payload),
    )


def handle_shop_redact(webhook: ReceivedWebhook) -> None:
    """Erase the shop: its row (cascading to every row that refers to it), its other webhook
    records and its Redis keys. The current delivery's own record stays, as proof it was done."""
    shop = find_shop(webhook.shop_domain)
    if shop is not None and reinstalled_since(shop, webhook):
        log.warning("shop/redact triggered before the current install; ignored")
        return
    if shop is not None:
        _delete_redis_keys(shop)
        db.session.execute(delete(Shop).where(Shop.id == shop.id))
        db.session.expunge(shop)
    records = affected_rows(
        delete(WebhookEvent).where(
            WebhookEvent.shop_domain == webhook.shop_domain,
            WebhookEvent.webhook_id != webhook.webhook_id,
        )
    )
    log.info(
        "shop redacted: shop row %s, %d webhook records",
        "deleted" if shop else "absent",
        records,
    )


HANDLERS: Mapping[str, Handler] = {
    "app/uninstalled": handle_app_uninstalled,
    "app/scopes_update": handle_app_scopes_update,
    "products/update": handle_products_update,
    "products/delete": handle_products_delete,
    "customers/data_request": handle_customers_data_request,
    "customers/redact": handle_customers_redact,
    "shop/redact": handle_shop_redact,
}


def handler_for(topic: str) -> Handler | None:
    return HANDLERS.get(topic)


def _customer_id(payload: Mapping[str, Any]) -> object:
    customer = payload.get("customer")
    return customer.get("id") if isinstance(customer, Mapping) else None


def _variant_prices(payload: Mapping[str, Any]) -> Iterator[tuple[str, Decimal, datetime]]:
    variants = payload.get("variants")
    if not isinstance(variants, list):
        raise WebhookPayloadError(f"products/update 'variants' is not a list: {variants!r}")
    for variant in variants:
        if not isinstance(variant, Mapping):
            raise WebhookPayloadError(f"products/update variant is not an object: {variant!r}")
        yield (
            _variant_gid(variant),
            _price(variant.get("price")),
            _updated_at(variant.get("updated_at")),
        )


def _variant_gid(variant: Mapping[str, Any]) -> str:
    gid, number = variant.get("admin_graphql_api_id"), variant.get("id")
    if isinstance(gid, str) and gid.startswith("gid://shopify/ProductVariant/"):
        return gid
    if isinstance(number, int) and not isinstance(number, bool):
        return f"gid://shopify/ProductVariant/{number}"
    raise WebhookPayloadError(f"products/update variant has no id: {gid!r}, {number!r}")


# app.models.types.Money is NUMERIC(12, 2): below 10^10. Shopify's prices carry at most the
# currency's minor units (3 at most, ISO 4217); more than 4 decimals is not a price.
MAX_PRICE = Decimal(10) ** 10
MAX_PRICE_DECIMALS = 4


def _price(value: object) -> Decimal:
    try:
        price = Decimal(str(value)) if isinstance(value, str | int) else None
    except InvalidOperation:
        price = None
    if price is None or not price.is_finite() or price < 0:
        raise WebhookPayloadError(f"variant price {value!r} is not a decimal amount")
    if price >= MAX_PRICE:
        raise WebhookPayloadError(f"variant price {value!r} is not below {MAX_PRICE:,}")
    exponent = price.as_tuple().exponent
    if (
        isinstance(exponent, int)
        and exponent < -MAX_PRICE_DECIMALS
        and price != price.quantize(Decimal(1).scaleb(-MAX_PRICE_DECIMALS))
    ):
        raise WebhookPayloadError(f"variant price {value!r} has more decimals than a price")
    return price


def _updated_at(value: object) -> datetime:
    if not isinstance(value, str):
        return utcnow()
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise WebhookPayloadError(f"variant updated_at {value!r} is not ISO 8601") from None
    if moment.tzinfo is None:
        raise WebhookPayloadError(f"variant updated_at {value!r} has no UTC offset")
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # year 1 at +14:00 is year 0 in UTC
        raise WebhookPayloadError(f"variant updated_at {value!r} is out of range") from None


def _delete_redis_keys(shop: Shop) -> None:
    redis = current_broker().redis
    for template in SHOP_REDIS_PREFIXES:
        prefix = template.format(shop_id=shop.id, domain=shop.domain)
        keys = list(redis.scan_iter(match=f"{prefix}*", count=500))
        if keys:
            redis.delete(*keys)
