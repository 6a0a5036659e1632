"""A `Reading`: what Amazon showed for one listing at one moment, free of any provider's
vocabulary (pure). Stored, it becomes an `app.models.Observation` row."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from app.ingest.asin import ASIN_PATTERN, MARKETPLACES

_CURRENCY_PATTERN = re.compile(r"^[A-Z]{3}$")
# Money is stored as NUMERIC with two decimals; more digits would be silently rounded there.
_MAX_MONEY_EXPONENT = -2


class Availability(StrEnum):
    IN_STOCK = "in_stock"
    LOW_STOCK = "low_stock"
    DELAYED = "delayed"
    OUT_OF_STOCK = "out_of_stock"
    UNAVAILABLE = "unavailable"
    UNKNOWN = "unknown"


#: Availabilities under which a listing can be bought, so a missing price is suspicious.
BUYABLE = frozenset({Availability.IN_STOCK, Availability.LOW_STOCK, Availability.DELAYED})


class QuarantineReason(StrEnum):
    JOB_FAULTED = "job_faulted"
    NOT_FOUND = "not_found"
    ASIN_MISMATCH = "asin_mismatch"
    MARKETPLACE_MISMATCH = "marketplace_mismatch"
    UNSUPPORTED_PAGE = "unsupported_page"
    UNPARSEABLE = "unparseable"
    NO_PRICE_WHILE_AVAILABLE = "no_price_while_available"
    #: ``price``..``price_upper`` spans several variations and no buy-box offer says which
    #: price is the selected one's: the linked variant may be any of them.
    PRICE_RANGE = "price_range"


def _check_money(name: str, value: Decimal | None) -> None:
    if value is None:
        return
    if not isinstance(value, Decimal) or not value.is_finite():
        raise ValueError(f"{name} must be a finite Decimal, got {value!r}")
    if value <= 0:
        raise ValueError(f"{name} must be above zero, got {value}")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < _MAX_MONEY_EXPONENT:
        raise ValueError(f"{name} has more than two decimal places: {value}")


def _money_json(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _date_json(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


@dataclass(frozen=True)
class Reading:
    """One poll's reading of an Amazon listing.

    A quarantined reading records that a poll happened but could not be trusted: it never
    carries a price, and its ``asin``/``marketplace`` may be empty when even those were unknown.
    """

    asin: str
    marketplace: str
    observed_at: datetime
    price: Decimal | None = None
    list_price: Decimal | None = None
    #: The offer's shipping price in ``currency``: 0 when free, None when not read.
    shipping_price: Decimal | None = None
    currency: str | None = None
    availability: Availability = Availability.UNKNOWN
    stock_text: str = ""
    delivery_earliest: date | None = None
    delivery_latest: date | None = None
    title: str | None = None
    description: str | None = None
    image_url: str | None = None
    images: tuple[str, ...] = field(default_factory=tuple)
    seller: str | None = None
    is_amazon_fulfilled: bool | None = None
    parse_status: int | None = None
    quarantined: bool = False
    quarantine_reason: QuarantineReason | None = None
    source_job_id: str | None = None

    def __post_init__(self) -> None:
        self._check_identity()
        self._check_time()
        self._check_money()
        self._check_delivery()
        self._check_media()
        self._check_quarantine()

    def _check_identity(self) -> None:
        unknown_allowed = self.quarantined
        if not ASIN_PATTERN.fullmatch(self.asin) and not (unknown_allowed and self.asin == ""):
            raise ValueError(f"asin must be 10 upper-case letters or digits, got {self.asin!r}")
        if self.marketplace not in MARKETPLACES and not (
            unknown_allowed and self.marketplace == ""
        ):
            raise ValueError(f"unknown marketplace {self.marketplace!r}")
        if not isinstance(self.availability, Availability):
            raise ValueError(f"availability must be an Availability, got {self.availability!r}")
        if not isinstance(self.stock_text, str):
            raise ValueError(f"stock_text must be a string, got {self.stock_text!r}")
        if self.parse_status is not None and (
            isinstance(self.parse_status, bool) or not isinstance(self.parse_status, int)
        ):
            raise ValueError(f"parse_status must be an int, got {self.parse_status!r}")

    def _check_time(self) -> None:
        if not isinstance(self.observed_at, datetime):
            raise ValueError(f"observed_at must be a datetime, got {self.observed_at!r}")
        if self.observed_at.tzinfo is None or self.observed_at.utcoffset() is None:
            raise ValueError(f"observed_at must be timezone-aware, got {self.observed_at!r}")
        object.__setattr__(self, "observed_at", self.observed_at.astimezone(UTC))

    def _check_money(self) -> None:
        _check_money("price", self.price)
        _check_money("list_price", self.list_price)
        if self.shipping_price is not None:
            if self.shipping_price != 0:
                _check_money("shipping_price", self.shipping_price)
            elif not isinstance(self.shipping_price, Decimal):
                raise ValueError(f"shipping_price must be a Decimal, got {self.shipping_price!r}")
            if self.price is None:
                raise ValueError("shipping_price goes with a price")
        if self.list_price is not None and (self.price is None or self.list_price <= self.price):
            raise ValueError(f"list_price {self.list_price} must be above the price {self.price}")
        if self.currency is not None and not _CURRENCY_PATTERN.fullmatch(self.currency):
            raise ValueError(f"currency must be an ISO 4217 code, got {self.currency!r}")
        if self.price is not None and self.currency is None:
            raise ValueError(f"price {self.price} needs a currency")

    def _check_delivery(self) -> None:
        earliest, latest = self.delivery_earliest, self.delivery_latest
        if (earliest is None) != (latest is None):
            raise ValueError(
                f"delivery_earliest {earliest} and delivery_latest {latest} go together"
            )
        if earliest is not None and latest is not None and earliest > latest:
            raise ValueError(f"delivery_earliest {earliest} is after delivery_latest {latest}")

    def _check_media(self) -> None:
        if not isinstance(self.images, tuple) or not all(isinstance(i, str) for i in self.images):
            raise ValueError(f"images must be a tuple of strings, got {self.images!r}")
        expected = self.images[0] if self.images else None
        if self.image_url != expected:
            raise ValueError(f"image_url {self.image_url!r} must be the first image {expected!r}")

    def _check_quarantine(self) -> None:
        if self.quarantined:
            if not isinstance(self.quarantine_reason, QuarantineReason):
                raise ValueError(
                    f"a quarantined observation needs a reason, got {self.quarantine_reason!r}"
                )
            if self.price is not None:
                raise ValueError(f"a quarantined observation carries no price, got {self.price}")
        elif self.quarantine_reason is not None:
            raise ValueError(
                f"quarantine_reason {self.quarantine_reason!r} given but not quarantined"
            )

    def to_json_dict(self) -> dict[str, Any]:
        """The contract JSON: money as decimal strings, dates and times as ISO 8601."""
        return {
            "asin": self.asin,
            "marketplace": self.marketplace,
            "observed_at": self.observed_at.isoformat(),
            "price": _money_json(self.price),
            "list_price": _money_json(self.list_price),
            "shipping_price": _money_json(self.shipping_price),
            "currency": self.currency,
            "availability": self.availability.value,
            "stock_text": self.stock_text,
            "delivery_earliest": _date_json(self.delivery_earliest),
            "delivery_latest": _date_json(self.delivery_latest),
            "title": self.title,
            "description": self.description,
            "image_url": self.image_url,
            "images": list(self.images),
            "seller": self.seller,
            "is_amazon_fulfilled": self.is_amazon_fulfilled,
            "parse_status": self.parse_status,
            "quarantined": self.quarantined,
            "quarantine_reason": (
                None if self.quarantine_reason is None else self.quarantine_reason.value
            ),
            "source_job_id": self.source_job_id,
        }

    @classmethod
    def from_json_dict(cls, data: dict[str, Any]) -> Reading:
        """Inverse of :meth:`to_json_dict`; raises ``ValueError``/``KeyError`` on bad input."""

        def money(key: str) -> Decimal | None:
            raw = data.get(key)
            return None if raw is None else Decimal(str(raw))

        def day(key: str) -> date | None:
            raw = data.get(key)
            return None if raw is None else date.fromisoformat(raw)

        reason = data.get("quarantine_reason")
        return cls(
            asin=data["asin"],
            marketplace=data["marketplace"],
            observed_at=datetime.fromisoformat(data["observed_at"]),
            price=money("price"),
            list_price=money("list_price"),
            shipping_price=money("shipping_price"),
            currency=data.get("currency"),
            availability=Availability(data.get("availability", "unknown")),
            stock_text=data.get("stock_text", ""),
            delivery_earliest=day("delivery_earliest"),
            delivery_latest=day("delivery_latest"),
            title=data.get("title"),
            description=data.get("description"),
            image_url=data.get("image_url"),
            images=tuple(data.get("images", ())),
            seller=data.get("seller"),
            is_amazon_fulfilled=data.get("is_amazon_fulfilled"),
            parse_status=data.get("parse_status"),
            quarantined=bool(data.get("quarantined", False)),
            quarantine_reason=None if reason is None else QuarantineReason(reason),
            source_job_id=data.get("source_job_id"),
        )
