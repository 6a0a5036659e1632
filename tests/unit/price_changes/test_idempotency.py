from __future__ import annotations

import hashlib
import re
from decimal import Decimal

import pytest

from app.price_changes.idempotency import idempotency_key

D = Decimal
GID = "gid://shopify/ProductVariant/42"


def test_key_is_short_hex_and_deterministic() -> None:
    key = idempotency_key(7, GID, D("12.99"), 1001)
    assert re.fullmatch(r"[0-9a-f]{32}", key)
    assert key == idempotency_key(7, GID, D("12.99"), 1001)
    expected = hashlib.sha256(f"7|{GID}|12.99|1001".encode()).hexdigest()[:32]
    assert key == expected


def test_equal_prices_written_differently_share_a_key() -> None:
    assert idempotency_key(7, GID, D("12.50"), 1) == idempotency_key(7, GID, D("12.5"), 1)
    assert idempotency_key(7, GID, D("12"), 1) == idempotency_key(7, GID, D("12.00"), 1)


@pytest.mark.parametrize(
    "other",
    [
        (8, GID, D("12.99"), 1001),
        (7, "gid://shopify/ProductVariant/43", D("12.99"), 1001),
        (7, GID, D("13.99"), 1001),
        (7, GID, D("12.99"), 1002),
    ],
)
def test_any_different_part_changes_the_key(other: tuple[int, str, Decimal, int]) -> None:
    assert idempotency_key(*other) != idempotency_key(7, GID, D("12.99"), 1001)


@pytest.mark.parametrize(
    ("args", "name"),
    [
        ((True, GID, D(1), 1), "shop_id"),
        (("", GID, D(1), 1), "shop_id"),
        (("a|b", GID, D(1), 1), "shop_id"),
        ((1, "", D(1), 1), "variant_gid"),
        ((1, GID, D("1.001"), 1), "proposed_price"),
        ((1, GID, D("NaN"), 1), "proposed_price"),
        ((1, GID, D(1), ""), "observation_id"),
    ],
)
def test_bad_parts_are_refused(args: tuple[object, ...], name: str) -> None:
    with pytest.raises(ValueError, match=name):
        idempotency_key(*args)  # type: ignore[arg-type]
