"""Typed operations over the documents: what PriceBridge asks of Shopify, and the answers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from app.currency import format_amount
from app.shopify.graphql.client import AdminClient
from app.shopify.graphql.documents import document
from app.shopify.graphql.errors import ShopifyQueryError

MAX_VARIANTS = 250
UserError = dict[str, Any]


@dataclass(frozen=True)
class VariantPrice:
    """One entry of a bulk price update. ``set_compare_at`` False leaves compare-at alone."""

    variant_gid: str
    price: Decimal
    compare_at_price: Decimal | None = None
    set_compare_at: bool = False
    #: The shop's currency: amounts are written with its minor units ("1238" in JPY).
    currency: str = field(kw_only=True)

    def __post_init__(self) -> None:
        if not self.variant_gid.startswith("gid://shopify/ProductVariant/"):
            raise ValueError(f"variant_gid must be a ProductVariant gid, got {self.variant_gid!r}")
        if not self.price.is_finite() or self.price <= 0:
            raise ValueError(f"price must be a positive Decimal, got {self.price!r}")
        format_amount(self.price, self.currency)  # raises for more decimals than it has

    def to_input(self) -> dict[str, Any]:
        price = format_amount(self.price, self.currency)
        entry: dict[str, Any] = {"id": self.variant_gid, "price": price}
        if self.set_compare_at:
            compare_at = self.compare_at_price
            entry["compareAtPrice"] = (
                None if compare_at is None else format_amount(compare_at, self.currency)
            )
        return entry


@dataclass
class BulkOutcome:
    """Per entry index: the price Shopify confirmed, or the userError that refused it."""

    confirmed: dict[int, Decimal] = field(default_factory=dict)
    errors: dict[int, UserError] = field(default_factory=dict)


def parse_admin_money(value: object, where: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ShopifyQueryError("?", f"{where}: {value!r} is not a price") from None
    if not amount.is_finite():
        raise ShopifyQueryError("?", f"{where}: {value!r} is not a price")
    return amount


def _error_index(error: UserError, count: int) -> int | None:
    path = error.get("field") or []
    index_text = str(path[1]) if len(path) >= 2 and path[0] == "variants" else ""
    if index_text.isascii() and index_text.isdigit():
        index = int(index_text)
        return index if index < count else None
    return None


def bulk_update_prices(
    client: AdminClient, product_gid: str, entries: Sequence[VariantPrice]
) -> BulkOutcome:
    """productVariantsBulkUpdate for variants of ONE product, all or nothing."""
    if not 1 <= len(entries) <= MAX_VARIANTS:
        raise ValueError(f"1..{MAX_VARIANTS} variants per call, got {len(entries)}")
    answer = client.execute(
        document("ProductVariantsBulkUpdate"),
        {"productId": product_gid, "variants": [e.to_input() for e in entries]},
    )
    payload = answer.data.get("productVariantsBulkUpdate") or {}
    outcome = BulkOutcome()
    for error in payload.get("userErrors") or []:
        index = _error_index(error, len(entries))
        targets = range(len(entries)) if index is None else (index,)
        for target in targets:
            outcome.errors.setdefault(target, error)
    if outcome.errors:
        return outcome
    prices = {
        v["id"]: parse_admin_money(v.get("price"), f"price of {v['id']}")
        for v in payload.get("productVariants") or []
        if isinstance(v, dict) and "id" in v
    }
    for index, entry in enumerate(entries):
        if entry.variant_gid in prices:
            outcome.confirmed[index] = prices[entry.variant_gid]
    return outcome


@dataclass(frozen=True)
class LinkedVariant:
    """A variant as Shopify describes it (``LinkedVariant.graphql``); money in shop currency."""

    variant_gid: str
    product_gid: str
    inventory_item_gid: str | None
    title: str
    sku: str | None
    price: Decimal
    compare_at_price: Decimal | None
    updated_at: datetime | None  # Shopify's clock, to the second


def read_linked_variant(client: AdminClient, variant_gid: str) -> LinkedVariant | None:
    """The variant, or None when the shop has no such variant (deleted, or never there)."""
    answer = client.execute(document("LinkedVariant"), {"id": variant_gid})
    node = answer.data.get("productVariant")
    return linked_variant(node) if isinstance(node, dict) else None


def linked_variant(node: dict[str, Any]) -> LinkedVariant:
    """A ``ProductVariant`` node with the fields of ``LinkedVariant.graphql`` (ShopifyQueryError
    when Shopify answered one without its ids or price)."""
    variant_gid, product = node.get("id"), node.get("product")
    if not isinstance(variant_gid, str) or not isinstance(product, dict):
        raise ShopifyQueryError("?", f"a variant without its ids: {node!r:.200}")
    where = f"variant {variant_gid}"
    compare_at = node.get("compareAtPrice")
    return LinkedVariant(
        variant_gid=variant_gid,
        product_gid=str(product["id"]),
        inventory_item_gid=(node.get("inventoryItem") or {}).get("id"),
        title=str(node.get("title") or ""),
        sku=node.get("sku") or None,
        price=parse_admin_money(node.get("price"), f"price of {where}"),
        compare_at_price=None
        if compare_at is None
        else parse_admin_money(compare_at, f"compare-at price of {where}"),
        updated_at=_timestamp(node.get("updatedAt")),
    )


def _timestamp(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo else None


def read_variant_prices(client: AdminClient, variant_gids: Sequence[str]) -> dict[str, Decimal]:
    """Shopify's current price of each variant that still exists (up to 250 per call)."""
    prices: dict[str, Decimal] = {}
    for start in range(0, len(variant_gids), MAX_VARIANTS):
        ids = list(variant_gids[start : start + MAX_VARIANTS])
        answer = client.execute(document("VariantPrices"), {"ids": ids})
        for node in answer.data.get("nodes") or []:
            if isinstance(node, dict) and node.get("id") and node.get("price") is not None:
                prices[node["id"]] = parse_admin_money(node["price"], f"price of {node['id']}")
    return prices


def available_by_location(client: AdminClient, inventory_item_gid: str) -> dict[str, int]:
    """``available`` per location gid for one inventory item."""
    answer = client.execute(document("InventoryLevels"), {"id": inventory_item_gid})
    item = answer.data.get("inventoryItem") or {}
    levels = (item.get("inventoryLevels") or {}).get("nodes") or []
    stock: dict[str, int] = {}
    for level in levels:
        quantities = {q["name"]: int(q["quantity"]) for q in level.get("quantities") or []}
        stock[level["location"]["id"]] = quantities.get("available", 0)
    return stock


@dataclass(frozen=True)
class QuantityChange:
    location_gid: str
    change_from: int
    quantity: int


def set_available(
    client: AdminClient,
    inventory_item_gid: str,
    changes: Sequence[QuantityChange],
    *,
    key: str,
    reference: str,
) -> list[UserError]:
    """inventorySetQuantities (compare-and-swap per row, idempotent on ``key``)."""
    variables = {
        "key": key,
        "input": {
            "name": "available",
            "reason": "correction",
            "referenceDocumentUri": reference,
            "quantities": [
                {
                    "inventoryItemId": inventory_item_gid,
                    "locationId": c.location_gid,
                    "quantity": c.quantity,
                    "changeFromQuantity": c.change_from,
                }
                for c in changes
            ],
        },
    }
    answer = client.execute(document("InventorySetQuantities"), variables)
    payload = answer.data.get("inventorySetQuantities") or {}
    return list(payload.get("userErrors") or [])


def read_shop_currency(client: AdminClient) -> str:
    """The shop's currency code (ISO 4217), as Shopify's `shop { currencyCode }` gives it."""
    answer = client.execute(document("ShopDetails"), {})
    shop = answer.data.get("shop")
    code = shop.get("currencyCode") if isinstance(shop, dict) else None
    if not isinstance(code, str) or len(code) != 3 or not code.isalpha() or not code.isupper():
        raise ValueError(f"Shopify answered a currency code that is not ISO 4217: {code!r}")
    return code
