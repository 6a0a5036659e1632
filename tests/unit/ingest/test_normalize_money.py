from __future__ import annotations

from decimal import Decimal

import pytest

from app.ingest.normalize_money import parse_money


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (328.95, "328.95"),
        (329, "329.00"),
        (0.1 + 0.2, "0.30"),  # float noise must not leak into money
        (19.999, "20.00"),
        ("328.95", "328.95"),
        ("$1,299.99", "1299.99"),
        ("US$ 1,299.99", "1299.99"),
        ("1.299,99 €", "1299.99"),
        ("1 299,99 €", "1299.99"),
        ("1\u00a0299,99\u00a0€", "1299.99"),
        ("CHF 1'299.50", "1299.50"),
        ("£12.5", "12.50"),
        ("EUR 12,50", "12.50"),
        ("€12", "12.00"),
        ("$1,299", "1299.00"),
        ("1.299 €", "1299.00"),
        ("¥1,299", "1299.00"),
        ("￥ 12,800", "12800.00"),
        ("₹1,29,999.00", "129999.00"),
        ("1,234,567.89", "1234567.89"),
        ("1.234.567,89", "1234567.89"),
        ("  $5.00  ", "5.00"),
        (0.005, "0.01"),
        ("1,05", "1.05"),
        ("0.5", "0.50"),
    ],
)
def test_reads_prices(raw: object, expected: str | None) -> None:
    assert parse_money(raw) == (None if expected is None else Decimal(expected))


@pytest.mark.parametrize(
    "raw",
    [
        None,
        True,
        False,
        0,
        0.0,
        -1,
        -1.0,
        "0",
        "0.00",
        "",
        "   ",
        "-$5.00",
        "\u22125,00 €",
        "($5.00)",
        "$10.99 - $20.99",
        "$10 to $20",
        "free",
        "N/A",
        "1.2345",
        "12,3456",
        "1,2.3,4",
        "0.005",  # neither cents nor a thousands group
        "0.004",
        (0.004),
        "12,34.56",
        "1,234,56.00",
        "1.234,567,8",
        float("nan"),
        float("inf"),
        float("-inf"),
        1e300,
        10**40,
        "9" * 70,
        [],
        {},
        {"amount": 5},
    ],
)
def test_absent_sentinel_and_garbage_give_none(raw: object) -> None:
    assert parse_money(raw) is None


def test_never_float_even_for_binary_unfriendly_values() -> None:
    price = parse_money(1.15)

    assert isinstance(price, Decimal)
    assert price == Decimal("1.15")
    assert price.as_tuple().exponent == -2
