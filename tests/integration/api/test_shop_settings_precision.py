"""Issue 10, faults 6 and 7: one precision for the rules, validated at the edge, one
representation in every answer; error messages name the field once and show the value as
the merchant typed it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.integration.api.merchant_world import World


def _product_with_change(world: World) -> int:
    product = world.create_product("262.55")
    status, body = world.link(product["variants"][0])
    assert status == 201, body
    world.observe(body["id"], "100.00")
    return int(body["id"])


def test_a_markup_finer_than_the_stored_precision_is_refused_not_rounded(world: World) -> None:
    product_id = _product_with_change(world)
    before = world.changes(product_id)

    status, body = world.api("PATCH", "/api/shop/settings", json={"markup_percent": "12.345"})

    assert status == 422
    assert body["error"]["message"] == (
        "markup_percent can have at most 2 decimal places, got 12.345"
    )
    assert body["error"]["details"] == {"field": "markup_percent"}
    assert world.shop().markup_percent == Decimal("30.00")
    assert world.changes(product_id) == before  # nothing repriced with a markup not kept


def test_one_representation_of_the_markup_in_settings_and_in_changes(world: World) -> None:
    product_id = _product_with_change(world)

    status, body = world.api("PATCH", "/api/shop/settings", json={"markup_percent": "50"})

    assert status == 200, body
    assert body["settings"]["markup_percent"] == "50.00"
    assert world.api("GET", "/api/shop/settings")[1]["markup_percent"] == "50.00"
    newest = world.changes(product_id)[0]
    assert newest["proposed_price"] == "150.00"
    assert newest["rule"]["markup_percent"] == "50.00"
    assert newest["rule"]["breakdown"]["markup_percent"] == "50.00"
    assert newest["rule"]["fixed_addon"] == "0.00"
    status, body = world.api("PATCH", "/api/shop/settings", json={"markup_percent": "12.5"})
    assert status == 200, body
    assert world.changes(product_id)[0]["rule"]["markup_percent"] == "12.50"
    status, body = world.api(
        "PATCH", f"/api/products/{product_id}", json={"markup_override_percent": "7.5"}
    )
    assert status == 200, body
    assert body["pricing"]["markup_override_percent"] == "7.50"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"markup_percent": "-10"}, "markup_percent must be between 0 and 1000, got -10"),
        ({"markup_percent": -10}, "markup_percent must be between 0 and 1000, got -10"),
        (
            {"markup_percent": "lots"},
            'markup_percent must be a decimal string such as "12.50", got lots',
        ),
        (
            {"markup_percent": None},
            'markup_percent must be a decimal string such as "12.50", got null',
        ),
        (
            {"markup_percent": 12.345},
            'markup_percent must be a decimal string such as "12.50", got 12.345',
        ),
        ({"fixed_addon": "0.001"}, "fixed_addon can have at most 2 decimal places, got 0.001"),
        (
            {"auto_push_tolerance_percent": "150"},
            "auto_push_tolerance_percent must be between 0 and 100, got 150",
        ),
        ({"rounding": "97"}, "rounding must be one of none, 99, 95, whole, got 97"),
        (
            {"compare_at_from_list_price": "yes"},
            "compare_at_from_list_price must be true or false, got yes",
        ),
        (
            {"out_of_stock_action": "explode"},
            "out_of_stock_action must be one of none, zero_inventory, got explode",
        ),
    ],
)
def test_setting_errors_are_for_merchants(
    world: World, body: dict[str, object], message: str
) -> None:
    status, answer = world.api("PATCH", "/api/shop/settings", json=body)

    assert status == 422
    assert answer["error"]["message"] == message
    [field] = body
    assert answer["error"]["message"].count(field) == 1
    assert "Decimal(" not in answer["error"]["message"]


def test_product_setting_errors_are_for_merchants(world: World) -> None:
    product_id = _product_with_change(world)
    for body, message in (
        (
            {"markup_override_percent": "-1"},
            "markup_override_percent must be between 0 and 1000, got -1",
        ),
        (
            {"markup_override_percent": "2.555"},
            "markup_override_percent can have at most 2 decimal places, got 2.555",
        ),
        ({"paused": "no"}, "paused must be true or false, got no"),
    ):
        status, answer = world.api("PATCH", f"/api/products/{product_id}", json=body)
        assert status == 422, body
        assert answer["error"]["message"] == message
