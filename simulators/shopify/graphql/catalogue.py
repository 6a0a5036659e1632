"""Fast, deterministic catalogue building: thousands of variants for throttle benchmarks."""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from simulators.shopify.graphql.store import Product, Store, Variant

SIZES = ("Small", "Medium", "Large", "X-Large", "XX-Large")


def add_catalogue(
    store: Store, shop: str, count: int, variants_per_product: int = 1, *, seed: int = 0
) -> list[Product]:
    """Add `count` products of `variants_per_product` variants each to `shop`.

    Prices, SKUs and stock derive from `seed` only, so two runs build the same catalogue.
    """
    if count < 0:
        raise ValueError(f"product count must be >= 0, got {count}")
    if not 1 <= variants_per_product <= 2048:
        raise ValueError(f"variants_per_product must be 1..2048, got {variants_per_product}")
    state = store.shop(shop)
    rng = random.Random(seed)
    now = store.clock()
    per_product = 1 + 2 * variants_per_product  # product id, then variant and item ids
    ids = iter(store.next_ids(count * per_product))
    products: list[Product] = []
    with state.lock:
        serial = len(state.products)
        for _ in range(count):
            serial += 1
            product = Product(
                id=next(ids),
                title=f"Product {serial:05d}",
                handle=f"product-{serial:05d}",
                status="ACTIVE",
                vendor="PriceBridge Demo",
                created_at=now,
                updated_at=now,
            )
            for position in range(1, variants_per_product + 1):
                variant = _variant(product, position, next(ids), next(ids), rng, now)
                _stock(state.locations, state.levels, variant.inventory_item_id, rng)
                state.variants[variant.id] = variant
                state.item_to_variant[variant.inventory_item_id] = variant.id
                product.variant_ids.append(variant.id)
            state.products[product.id] = product
            products.append(product)
    return products


def _variant(
    product: Product,
    position: int,
    variant_id: int,
    item_id: int,
    rng: random.Random,
    now: datetime,
) -> Variant:
    cents = rng.randint(500, 20_000)
    price = Decimal(cents).scaleb(-2)
    title = SIZES[position - 1] if position <= len(SIZES) else f"Option {position}"
    return Variant(
        id=variant_id,
        product_id=product.id,
        title=title if position > 1 or rng.random() < 0.5 else "Default Title",
        sku=f"{product.handle.upper()}-{position}",
        price=price,
        compare_at_price=None,
        inventory_item_id=item_id,
        position=position,
        created_at=now,
        updated_at=now,
    )


def _stock(
    locations: Iterable[int],
    levels: dict[tuple[int, int], dict[str, int]],
    item_id: int,
    rng: random.Random,
) -> None:
    for location_id in locations:
        quantity = rng.randint(0, 100)
        levels[(item_id, location_id)] = {"available": quantity, "on_hand": quantity}
