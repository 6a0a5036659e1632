"""The merchant's own hand in the admin: create a product, edit a variant's price, delete a
variant or a product, straight in the store, as the Products page of the real admin does.

Each edit returns the webhook Shopify would send for it, with its real payload shape: the REST
product for `products/create` and `products/update`, `{"id": N}` for `products/delete`.
Prices follow the admin's rules: amounts of at most two decimals, never negative.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from types import EllipsisType
from typing import Any

from simulators.shopify.graphql.paging import parse_gid
from simulators.shopify.graphql.rest import product_update_payload
from simulators.shopify.graphql.store import Product, ShopState, Store, Variant

MAX_VARIANTS = 100  # the admin's classic limit per product (REST products carry at most 100)
MAX_PRICE = Decimal("1000000000000000000")  # Shopify refuses amounts from 10^18 up
_HANDLE_JUNK = re.compile(r"[^a-z0-9]+")


class MerchantEditError(ValueError):
    """An edit the admin refuses; the message is what the admin would say."""


class NotFoundError(LookupError):
    """No such product or variant in the shop."""


@dataclass(frozen=True)
class Webhook:
    """A delivery the edit causes: its topic and JSON body."""

    topic: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class NewVariant:
    """One variant of a product the merchant creates; `available` stocks the first location."""

    title: str
    price: Decimal
    sku: str | None = None
    compare_at_price: Decimal | None = None
    available: int = 0

    @classmethod
    def from_json(cls, body: Any, index: int) -> NewVariant:
        if not isinstance(body, dict):
            raise MerchantEditError(f"variant {index + 1} must be an object")
        unknown = set(body) - {"title", "price", "sku", "compare_at_price", "available"}
        if unknown:
            raise MerchantEditError(f"variant {index + 1} has unknown fields {sorted(unknown)}")
        available = body.get("available", 0)
        if isinstance(available, bool) or not isinstance(available, int) or available < 0:
            raise MerchantEditError(f"variant {index + 1} available must be a whole number >= 0")
        compare_at = body.get("compare_at_price")
        sku = str(body["sku"]).strip() if body.get("sku") is not None else ""
        return cls(
            title=str(body.get("title") or "Default Title").strip(),
            price=parse_price(body.get("price"), "Price"),
            sku=sku or None,
            compare_at_price=None
            if compare_at in (None, "")
            else parse_price(compare_at, "Compare at price"),
            available=available,
        )


def parse_price(value: Any, label: str = "Price") -> Decimal:
    """An amount as the admin accepts it ("12", "12.5", 12.50): two decimals at most, >= 0."""
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise MerchantEditError(f"{label} can't be blank")
    text = str(value).strip()
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise MerchantEditError(f"{label} is not a number: {text}") from None
    if not amount.is_finite():
        raise MerchantEditError(f"{label} is not a number: {text}")
    if amount < 0:
        raise MerchantEditError(f"{label} must be greater than or equal to 0")
    if amount >= MAX_PRICE:
        raise MerchantEditError(f"{label} must be less than {MAX_PRICE}")
    if amount != amount.quantize(Decimal("0.01")):
        raise MerchantEditError(f"{label} can have at most two decimals: {text}")
    return amount.quantize(Decimal("0.01"))


def create_product(
    store: Store,
    shop: str,
    title: str,
    variants: Sequence[NewVariant],
    *,
    vendor: str = "PriceBridge Demo",
) -> tuple[Product, list[Webhook]]:
    """Add a product with `variants` (at least one) to `shop`: products/create."""
    title = title.strip()
    if not title:
        raise MerchantEditError("Title can't be blank")
    if not 1 <= len(variants) <= MAX_VARIANTS:
        raise MerchantEditError(f"A product has 1 to {MAX_VARIANTS} variants, got {len(variants)}")
    titles = [v.title for v in variants]
    if len(set(titles)) != len(titles):
        raise MerchantEditError("Variant titles must be unique within a product")
    state = store.ensure_shop(shop)
    now = store.clock()
    ids = iter(store.next_ids(1 + 2 * len(variants)))
    with state.lock:
        product = Product(
            id=next(ids),
            title=title,
            handle=_unique_handle(state, title),
            status="ACTIVE",
            vendor=vendor,
            created_at=now,
            updated_at=now,
        )
        first_location = min(state.locations)
        for position, spec in enumerate(variants, start=1):
            variant = Variant(
                id=next(ids),
                product_id=product.id,
                title=spec.title,
                sku=spec.sku,
                price=spec.price,
                compare_at_price=spec.compare_at_price,
                inventory_item_id=next(ids),
                position=position,
                created_at=now,
                updated_at=now,
            )
            state.variants[variant.id] = variant
            state.item_to_variant[variant.inventory_item_id] = variant.id
            for location_id in state.locations:
                quantity = spec.available if location_id == first_location else 0
                state.levels[(variant.inventory_item_id, location_id)] = {
                    "available": quantity,
                    "on_hand": quantity,
                }
            product.variant_ids.append(variant.id)
        state.products[product.id] = product
        return product, [Webhook("products/create", product_update_payload(state, product))]


def set_variant_price(
    store: Store,
    shop: str,
    variant_id: str | int,
    price: Decimal,
    compare_at_price: Decimal | EllipsisType | None = ...,
    *,
    product_id: int | None = None,
) -> tuple[Product, list[Webhook]]:
    """Edit one variant's price (and compare-at price unless `...`): products/update.

    With `product_id`, the variant must be one of that product's (else NotFoundError)."""
    state = store.shop(shop)
    with state.lock:
        variant = _variant(state, variant_id, product_id)
        product = state.products[variant.product_id]
        now = store.clock()
        variant.price = price
        if not isinstance(compare_at_price, EllipsisType):
            variant.compare_at_price = compare_at_price
        variant.updated_at = product.updated_at = now
        return product, [Webhook("products/update", product_update_payload(state, product))]


def delete_variant(
    store: Store, shop: str, variant_id: str | int, *, product_id: int | None = None
) -> tuple[Product, list[Webhook]]:
    """Delete one variant of a product that keeps others: products/update without it."""
    state = store.shop(shop)
    with state.lock:
        variant = _variant(state, variant_id, product_id)
        product = state.products[variant.product_id]
        if len(product.variant_ids) == 1:
            raise MerchantEditError("A product needs at least one variant: delete the product")
        _drop_variant(state, variant)
        product.variant_ids.remove(variant.id)
        for position, remaining in enumerate(product.variant_ids, start=1):
            state.variants[remaining].position = position
        product.updated_at = store.clock()
        return product, [Webhook("products/update", product_update_payload(state, product))]


def delete_product(store: Store, shop: str, product_id: str | int) -> tuple[Product, list[Webhook]]:
    """Delete a product with its variants and their stock: products/delete `{"id": N}`."""
    state = store.shop(shop)
    with state.lock:
        number = _number(product_id, "Product")
        product = state.products.get(number) if number is not None else None
        if product is None:
            raise NotFoundError(f"Product {product_id} does not exist")
        for variant_id in product.variant_ids:
            _drop_variant(state, state.variants[variant_id])
        del state.products[product.id]
        return product, [Webhook("products/delete", {"id": product.id})]


def _drop_variant(state: ShopState, variant: Variant) -> None:
    del state.variants[variant.id]
    state.item_to_variant.pop(variant.inventory_item_id, None)
    for location_id in state.locations:
        state.levels.pop((variant.inventory_item_id, location_id), None)


def _variant(state: ShopState, variant_id: str | int, product_id: int | None = None) -> Variant:
    number = _number(variant_id, "ProductVariant")
    variant = state.variants.get(number) if number is not None else None
    if variant is None or product_id not in (None, variant.product_id):
        raise NotFoundError(f"Product variant {variant_id} does not exist")
    return variant


def _number(value: str | int, kind: str) -> int | None:
    """The numeric id of `123`, `"123"` or `"gid://shopify/<kind>/123"`."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return parse_gid(value, kind)


def _unique_handle(state: ShopState, title: str) -> str:
    base = _HANDLE_JUNK.sub("-", title.lower()).strip("-") or "product"
    taken = {p.handle for p in state.products.values()}
    handle, serial = base, 1
    while handle in taken:
        serial += 1
        handle = f"{base}-{serial}"
    return handle
