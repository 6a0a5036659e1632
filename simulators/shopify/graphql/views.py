"""Store records seen through the Admin schema: dicts whose keys are the fields we serve.

A key missing from a view means the simulator does not serve that field (the executor
answers an error for it); callables take the field's arguments and are resolved lazily.
"""

from __future__ import annotations

from typing import Any

from simulators.shopify.graphql.errors import TopLevelError
from simulators.shopify.graphql.paging import connection, gid, iso, money, parse_gid
from simulators.shopify.graphql.store import PLANS, Location, Product, ShopState, Variant

ZERO_QUANTITY_NAMES = (
    "committed",
    "incoming",
    "reserved",
    "damaged",
    "safety_stock",
    "quality_control",
)


def shop_view(state: ShopState) -> dict[str, Any]:
    display, _rate = PLANS[state.plan]
    return {
        "__typename": "Shop",
        "id": gid("Shop", state.id),
        "name": state.name,
        "currencyCode": state.currency,
        "myshopifyDomain": state.domain,
        "plan": {
            "publicDisplayName": display,
            "displayName": display,
            "partnerDevelopment": False,
            "shopifyPlus": state.plan in ("plus", "enterprise"),
        },
    }


def location_view(state: ShopState, location: Location) -> dict[str, Any]:
    def inventory_level(inventoryItemId: str, **_: Any) -> dict[str, Any] | None:
        item_id = parse_gid(inventoryItemId, "InventoryItem")
        if item_id is None or state.variant_by_item(item_id) is None:
            return None
        return level_view(state, item_id, location.id)

    return {
        "__typename": "Location",
        "id": gid("Location", location.id),
        "legacyResourceId": str(location.id),
        "name": location.name,
        "isActive": True,
        "inventoryLevel": inventory_level,
    }


def product_view(state: ShopState, product: Product) -> dict[str, Any]:
    def variants(**args: Any) -> dict[str, Any]:
        rows = [state.variants[variant_id] for variant_id in product.variant_ids]
        return connection(rows, lambda v: v.id, lambda v: variant_view(state, v), args)

    return {
        "__typename": "Product",
        "id": gid("Product", product.id),
        "legacyResourceId": str(product.id),
        "title": product.title,
        "handle": product.handle,
        "status": product.status,
        "vendor": product.vendor,
        "createdAt": iso(product.created_at),
        "updatedAt": iso(product.updated_at),
        "variants": variants,
        "featuredMedia": None,  # the simulator's catalogue has no media
        "variantsCount": lambda **_: {"count": len(product.variant_ids), "precision": "EXACT"},
        "totalInventory": lambda **_: sum(
            available(state, state.variants[v].inventory_item_id) for v in product.variant_ids
        ),
    }


def variant_view(state: ShopState, variant: Variant) -> dict[str, Any]:
    product = state.products[variant.product_id]
    return {
        "__typename": "ProductVariant",
        "id": gid("ProductVariant", variant.id),
        "legacyResourceId": str(variant.id),
        "title": variant.title,
        "displayName": f"{product.title} - {variant.title}",
        "sku": variant.sku,
        "barcode": None,
        "media": lambda **args: connection([], lambda m: 0, lambda m: {}, args),
        "price": money(variant.price),
        "compareAtPrice": money(variant.compare_at_price),
        "position": variant.position,
        "createdAt": iso(variant.created_at),
        "updatedAt": iso(variant.updated_at),
        "inventoryQuantity": available(state, variant.inventory_item_id),
        "product": lambda **_: product_view(state, product),
        "inventoryItem": lambda **_: item_view(state, variant.inventory_item_id),
    }


def item_view(state: ShopState, item_id: int) -> dict[str, Any]:
    variant = state.variant_by_item(item_id)
    assert variant is not None

    def inventory_level(locationId: str, **_: Any) -> dict[str, Any] | None:
        location_id = parse_gid(locationId, "Location")
        if location_id is None or (item_id, location_id) not in state.levels:
            return None
        return level_view(state, item_id, location_id)

    def inventory_levels(**args: Any) -> dict[str, Any]:
        stocked = [loc for loc in state.locations.values() if (item_id, loc.id) in state.levels]
        return connection(
            stocked, lambda loc: loc.id, lambda loc: level_view(state, item_id, loc.id), args
        )

    return {
        "__typename": "InventoryItem",
        "id": gid("InventoryItem", item_id),
        "legacyResourceId": str(item_id),
        "sku": variant.sku,
        "tracked": True,
        "variant": lambda **_: variant_view(state, variant),
        "inventoryLevel": inventory_level,
        "inventoryLevels": inventory_levels,
    }


def level_view(state: ShopState, item_id: int, location_id: int) -> dict[str, Any]:
    suffix = f"{location_id}?inventory_item_id={item_id}"

    def quantities(names: list[str], **_: Any) -> list[dict[str, Any]]:
        stock = state.levels[(item_id, location_id)]
        answer = []
        for name in names:
            if name not in stock and name not in ZERO_QUANTITY_NAMES:
                raise TopLevelError(f"The quantity name '{name}' is not valid.", "BAD_REQUEST")
            answer.append(
                {
                    "id": f"gid://shopify/InventoryQuantity/{suffix}&name={name}",
                    "name": name,
                    "quantity": stock.get(name, 0),
                }
            )
        return answer

    return {
        "__typename": "InventoryLevel",
        "id": f"gid://shopify/InventoryLevel/{suffix}",
        "isActive": True,
        "location": lambda **_: location_view(state, state.locations[location_id]),
        "item": lambda **_: item_view(state, item_id),
        "quantities": quantities,
    }


def available(state: ShopState, item_id: int) -> int:
    return sum(
        state.levels.get((item_id, location_id), {}).get("available", 0)
        for location_id in state.locations
    )


def node_view(state: ShopState, value: str) -> dict[str, Any] | None:
    """Whatever record a global id names in this shop, or None."""
    for kind, table in (
        ("Product", state.products),
        ("ProductVariant", state.variants),
        ("Location", state.locations),
    ):
        number = parse_gid(value, kind)
        if number is not None and number in table:
            record = table[number]
            if isinstance(record, Product):
                return product_view(state, record)
            if isinstance(record, Variant):
                return variant_view(state, record)
            assert isinstance(record, Location)
            return location_view(state, record)
    item_id = parse_gid(value, "InventoryItem")
    if item_id is not None and state.variant_by_item(item_id) is not None:
        return item_view(state, item_id)
    return None
