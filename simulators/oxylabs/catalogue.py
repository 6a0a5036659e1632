"""A deterministic Amazon catalogue whose prices, stock and delivery move over time.

Everything is a pure function of (seed, asin, marketplace, time bucket): the same clock always
gives the same answer, and moving the clock by one `price_period` may move a price by up to 8%
or change the stock state, exactly as often as the hash says.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from functools import lru_cache
from typing import Any, Generic, TypeVar

from babel.numbers import get_currency_precision

from simulators.oxylabs.config import AMAZON_IMAGE_ORIGIN

ASIN_PATTERN = re.compile(r"^[A-Z0-9]{10}$")

# Marketplace domain -> its own currency.
MARKETPLACE_CURRENCY = {
    "com": "USD",
    "co.uk": "GBP",
    "de": "EUR",
    "fr": "EUR",
    "it": "EUR",
    "es": "EUR",
    "nl": "EUR",
    "ca": "CAD",
    "com.au": "AUD",
    "co.jp": "JPY",
    "in": "INR",
    "com.mx": "MXN",
    "se": "SEK",
    "pl": "PLN",
    "ae": "AED",
    "sg": "SGD",
    "com.br": "BRL",
}
# Units of each currency per US dollar: fixed, so that conversions stay deterministic.
USD_RATE = {
    "USD": Decimal("1"),
    "GBP": Decimal("0.79"),
    "EUR": Decimal("0.92"),
    "CAD": Decimal("1.37"),
    "AUD": Decimal("1.52"),
    "JPY": Decimal("157"),
    "INR": Decimal("83.5"),
    "MXN": Decimal("18.2"),
    "SEK": Decimal("10.6"),
    "PLN": Decimal("3.95"),
    "AED": Decimal("3.67"),
    "SGD": Decimal("1.35"),
    "BRL": Decimal("5.4"),
}

_BRANDS = ("Yakima", "Crescent JOBOX", "Anker", "Lodge", "Osprey", "Bosch", "Coleman", "Philips")
_ADJECTIVES = ("Heavy-Duty", "Compact", "Premium", "Rooftop", "Portable", "Stainless", "Classic")
_NOUNS = ("Bike Mount", "Site Chest", "Power Bank", "Skillet", "Daypack", "Drill Set", "Lantern")
_COLOURS = ("Black", "Orange", "Silver", "Blue", "Green", "Red")
_SELLERS = ("Rack Attack", "Spreetail", "Outland USA", "Alpine East", "Backcountry", "ReRack")
_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_LOOKBACK_BUCKETS = 96


#: Memo sizes: a product is ~1 KB, a parsed page ~20 KB of Python objects.
_PRODUCTS_REMEMBERED = 50_000
_PAGES_REMEMBERED = 5_000

T = TypeVar("T")


class Memo(Generic[T]):
    """A bounded, thread-safe memo of pure answers; the least recently used go first."""

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError(f"a memo needs room for at least one answer, got {size}")
        self._size = size
        self._answers: OrderedDict[Hashable, T] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            if key in self._answers:
                self._answers.move_to_end(key)
                return self._answers[key]
        answer = compute()  # outside the lock: two threads may compute the same pure answer
        with self._lock:
            self._answers[key] = answer
            if len(self._answers) > self._size:
                self._answers.popitem(last=False)
        return answer

    def __len__(self) -> int:
        return len(self._answers)


class StockState(StrEnum):
    IN_STOCK = "in_stock"
    LOW_STOCK = "low_stock"
    DELAYED = "delayed"
    OUT_OF_STOCK = "out_of_stock"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class Product:
    """What does not change over time for an ASIN."""

    asin: str
    brand: str
    title: str
    description: str
    bullet_points: str
    images: tuple[str, ...]
    seller_name: str
    seller_id: str
    is_amazon_fulfilled: bool
    rating: float
    reviews_count: int
    base_price_usd: Decimal
    has_list_price: bool


@dataclass(frozen=True)
class Offer:
    """What Amazon shows for an ASIN on one marketplace at one moment."""

    price: Decimal
    list_price: Decimal | None
    used_price: Decimal
    currency: str
    state: StockState
    quantity: int
    delivery_days: int


class Catalogue:
    def __init__(
        self,
        seed: int,
        price_period_seconds: float = 3600.0,
        dead_asins: frozenset[str] = frozenset(),
        image_origin: str = AMAZON_IMAGE_ORIGIN,
    ) -> None:
        if price_period_seconds <= 0:
            raise ValueError(f"price_period_seconds must be > 0, got {price_period_seconds}")
        self.seed = seed
        self.price_period_seconds = price_period_seconds
        self.dead_asins = dead_asins
        self.image_origin = image_origin.rstrip("/")
        # Everything here is a pure function of its arguments and this catalogue's settings,
        # so answers are memoised per catalogue (a config change makes a new catalogue):
        # an ASIN's page costs hundreds of hashes, and the simulator must stay "instant".
        self._products = lru_cache(maxsize=_PRODUCTS_REMEMBERED)(self._product)
        self.pages: Memo[Any] = Memo(_PAGES_REMEMBERED)

    def is_dead(self, asin: str) -> bool:
        return asin in self.dead_asins or not ASIN_PATTERN.match(asin)

    def bucket(self, at: datetime) -> int:
        """The price period `at` falls in: nothing moves within one."""
        return int(at.timestamp() // self.price_period_seconds)

    def product(self, asin: str) -> Product:
        return self._products(asin)

    def _product(self, asin: str) -> Product:
        brand = self._pick(_BRANDS, "brand", asin)
        noun = self._pick(_NOUNS, "noun", asin)
        colour = self._pick(_COLOURS, "colour", asin)
        title = f"{brand} {self._pick(_ADJECTIVES, 'adj', asin)} {noun}, {colour}"
        images = tuple(
            f"{self.image_origin}/images/I/{self._token('img', asin, str(i), 11)}._AC_SL1500_.jpg"
            for i in range(2 + self._hash("nimg", asin) % 6)
        )
        return Product(
            asin=asin,
            brand=brand,
            title=title,
            description=f"The {brand} {noun.lower()} in {colour.lower()}, built to last.",
            bullet_points=f"Made by {brand}\nColour: {colour}\nSimulated listing {asin}",
            images=images,
            seller_name=self._pick(_SELLERS, "seller", asin),
            seller_id="A" + self._token("seller_id", asin, "", 13),
            is_amazon_fulfilled=self._hash("fba", asin) % 3 == 0,
            rating=round(3.0 + (self._hash("rating", asin) % 21) / 10, 1),
            reviews_count=self._hash("reviews", asin) % 5000,
            base_price_usd=Decimal(500 + self._hash("price", asin) % 49_500) / 100,
            has_list_price=self._hash("list", asin) % 5 == 0,
        )

    def offer(self, asin: str, marketplace: str, currency: str | None, at: datetime) -> Offer:
        local = currency_for(marketplace)
        shown = currency or local
        if shown not in USD_RATE:
            raise ValueError(f"unsupported currency {shown!r}")
        product = self.product(asin)
        bucket = self.bucket(at)
        factor = self._price_factor(asin, marketplace, bucket)
        price = _money(product.base_price_usd * factor * USD_RATE[shown], shown)
        state, quantity = self._stock(asin, marketplace, bucket)
        delay = self._hash("delivery", asin, marketplace, str(bucket)) % 6
        days = 1 + delay if state is not StockState.DELAYED else 10 + delay
        list_price = _money(price * Decimal("1.18"), shown) if product.has_list_price else None
        used = _money(price * Decimal("0.9"), shown)
        return Offer(price, list_price, used, shown, state, quantity, days)

    def _price_factor(self, asin: str, marketplace: str, bucket: int) -> Decimal:
        changed = self._last_change("price", asin, marketplace, bucket, chance_pct=35)
        market_skew = Decimal(self._hash("skew", asin, marketplace) % 201 - 100) / 10_000
        if changed is None:
            return 1 + market_skew
        move = Decimal(self._hash("move", asin, marketplace, str(changed)) % 1601 - 800) / 10_000
        return 1 + market_skew + move

    def _stock(self, asin: str, marketplace: str, bucket: int) -> tuple[StockState, int]:
        changed = self._last_change("stock", asin, marketplace, bucket, chance_pct=20)
        if changed is None:
            return StockState.IN_STOCK, 30
        roll = self._hash("state", asin, marketplace, str(changed)) % 100
        if roll < 62:
            return StockState.IN_STOCK, 30
        if roll < 76:
            return StockState.LOW_STOCK, 1 + self._hash("qty", asin, str(changed)) % 9
        if roll < 84:
            return StockState.DELAYED, 30
        if roll < 92:
            return StockState.OUT_OF_STOCK, 0
        return StockState.UNAVAILABLE, 0

    def _last_change(
        self, kind: str, asin: str, marketplace: str, bucket: int, chance_pct: int
    ) -> int | None:
        # A value holds until the next bucket whose hash says "change": walk back to it.
        for candidate in range(bucket, bucket - _LOOKBACK_BUCKETS, -1):
            if self._hash(kind, asin, marketplace, str(candidate)) % 100 < chance_pct:
                return candidate
        return None

    def _hash(self, *parts: str) -> int:
        text = "|".join((str(self.seed), *parts)).encode()
        return int.from_bytes(hashlib.sha256(text).digest()[:8], "big")

    def _pick(self, options: tuple[str, ...], *parts: str) -> str:
        return options[self._hash(*parts) % len(options)]

    def _token(self, kind: str, asin: str, salt: str, length: int) -> str:
        value = self._hash(kind, asin, salt)
        chars = []
        for _ in range(length):
            value, index = divmod(value, len(_ID_ALPHABET))
            chars.append(_ID_ALPHABET[index])
            value = value or self._hash(kind, asin, salt, str(len(chars)))
        return "".join(chars)


def currency_for(marketplace: str) -> str:
    try:
        return MARKETPLACE_CURRENCY[marketplace]
    except KeyError:
        raise ValueError(f"unsupported Amazon domain {marketplace!r}") from None


def _money(amount: Decimal, currency: str) -> Decimal:
    """``amount`` to the currency's minor units as Amazon shows it (ISO 4217 through CLDR:
    JPY 0 decimals, the rest of these 2)."""
    quantum = Decimal(1).scaleb(-get_currency_precision(currency))
    return amount.quantize(quantum, rounding=ROUND_HALF_UP)
