"""The in-memory, thread-safe state of every simulated shop: products, variants, stock."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

PLANS: dict[str, tuple[str, int]] = {
    # plan key -> (ShopPlan.publicDisplayName, restore rate in points per second)
    "standard": ("Basic", 100),
    "advanced": ("Advanced", 200),
    "plus": ("Plus", 1000),
    "enterprise": ("Plus", 2000),
}
QUANTITY_NAMES = ("available", "on_hand")
FIRST_ID = 8_000_000_000_000  # real Shopify ids are 13-digit numbers; ours look alike


class UnknownShopError(LookupError):
    """The simulator holds no shop for that myshopify domain (seed it first)."""


@dataclass
class Location:
    id: int
    name: str


@dataclass
class Variant:
    id: int
    product_id: int
    title: str
    sku: str | None
    price: Decimal
    compare_at_price: Decimal | None
    inventory_item_id: int
    position: int
    created_at: datetime
    updated_at: datetime


@dataclass
class Product:
    id: int
    title: str
    handle: str
    status: str
    vendor: str
    created_at: datetime
    updated_at: datetime
    variant_ids: list[int] = field(default_factory=list)


@dataclass
class IdempotentAnswer:
    fingerprint: str
    payload: dict[str, Any]
    failed: bool


@dataclass
class ShopState:
    """One shop. Callers hold `lock` while reading several records that must agree."""

    domain: str
    name: str
    currency: str
    plan: str
    id: int = 0
    locations: dict[int, Location] = field(default_factory=dict)
    products: dict[int, Product] = field(default_factory=dict)
    variants: dict[int, Variant] = field(default_factory=dict)
    item_to_variant: dict[int, int] = field(default_factory=dict)
    levels: dict[tuple[int, int], dict[str, int]] = field(default_factory=dict)
    idempotency: dict[str, IdempotentAnswer] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)
    adjustment_groups: int = 0

    def next_group_id(self) -> int:
        self.adjustment_groups += 1
        return FIRST_ID + self.adjustment_groups

    @property
    def restore_rate(self) -> int:
        return PLANS[self.plan][1]

    def variant_by_item(self, item_id: int) -> Variant | None:
        variant_id = self.item_to_variant.get(item_id)
        return None if variant_id is None else self.variants.get(variant_id)


class Store:
    """Every simulated shop, keyed by myshopify domain."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self.clock = clock
        self._shops: dict[str, ShopState] = {}
        self._lock = threading.Lock()
        self._ids = itertools.count(FIRST_ID)

    def next_id(self) -> int:
        with self._lock:
            return next(self._ids)

    def next_ids(self, count: int) -> range:
        """A block of `count` fresh ids, reserved at once so bulk seeding stays fast."""
        with self._lock:
            start = next(self._ids)
            self._ids = itertools.count(start + count)
        return range(start, start + count)

    def seed_shop(
        self,
        shop: str,
        currency: str = "USD",
        plan: str = "standard",
        *,
        name: str | None = None,
        locations: int = 1,
    ) -> ShopState:
        """Create (or replace) a shop with `locations` locations and no products."""
        if plan not in PLANS:
            raise ValueError(f"unknown plan {plan!r}; expected one of {sorted(PLANS)}")
        if locations < 1:
            raise ValueError(f"a shop needs at least one location, got {locations}")
        state = ShopState(
            domain=shop,
            name=name or shop.split(".")[0],
            currency=currency,
            plan=plan,
            id=self.next_id(),
        )
        for index, location_id in enumerate(self.next_ids(locations)):
            label = "Shop location" if index == 0 else f"Warehouse {index}"
            state.locations[location_id] = Location(id=location_id, name=label)
        with self._lock:
            self._shops[shop] = state
        return state

    def seed_products(
        self, shop: str, count: int, variants_per_product: int = 1, seed: int = 0
    ) -> list[Product]:
        """Add `count` products with deterministic titles, SKUs, prices and stock."""
        from simulators.shopify.graphql.catalogue import add_catalogue

        return add_catalogue(self, shop, count, variants_per_product, seed=seed)

    def ensure_shop(self, shop: str) -> ShopState:
        """The shop, created empty (USD, standard plan, one location) on first use."""
        with self._lock:
            state = self._shops.get(shop)
        return state if state is not None else self.seed_shop(shop)

    def shop(self, shop: str) -> ShopState:
        with self._lock:
            state = self._shops.get(shop)
        if state is None:
            raise UnknownShopError(f"no simulated shop {shop!r}; seed it first")
        return state

    def has_shop(self, shop: str) -> bool:
        with self._lock:
            return shop in self._shops

    def shops(self) -> list[str]:
        with self._lock:
            return sorted(self._shops)

    def clear(self) -> None:
        with self._lock:
            self._shops.clear()
