"""Issue 10, faults 1 and 5: a reject sticks (its own state, its actor), the same quote is not
proposed again, a new Amazon price or a rules change proposes anew, a pushed change cannot be
rejected, and "Update Shopify" after a reject says what is really the case."""

from __future__ import annotations

from typing import Any

from tests.integration.api.merchant_world import MERCHANT, World


def _linked(world: World, shopify_price: str = "262.55") -> tuple[int, dict[str, Any]]:
    product = world.create_product(shopify_price)
    variant = product["variants"][0]
    status, body = world.link(variant)
    assert status == 201, body
    return body["id"], variant


def _reject(world: World, change_id: int) -> tuple[int, Any]:
    return world.api("POST", f"/api/price-changes/{change_id}/reject")


def test_a_reject_is_its_own_terminal_state_and_records_who(world: World) -> None:
    product_id, _ = _linked(world)
    world.observe(product_id, "100.00")
    [change] = world.changes(product_id)
    assert (change["state"], change["proposed_price"]) == ("proposed", "130.00")

    status, body = _reject(world, change["id"])

    assert status == 200, body
    assert body["state"] == "rejected"
    assert body["rejected_by"] == MERCHANT
    status, detail = world.api("GET", f"/api/price-changes/{change['id']}")
    assert detail["transitions"][-1]["to"] == "rejected"
    assert detail["transitions"][-1]["actor"] == MERCHANT
    status, again = _reject(world, change["id"])
    assert status == 409
    assert again["error"]["code"] == "already_rejected"


def test_the_same_quote_is_not_proposed_again(world: World) -> None:
    product_id, _ = _linked(world)
    world.observe(product_id, "100.00")
    [change] = world.changes(product_id)
    _reject(world, change["id"])

    world.observe(product_id, "100.00")  # the next poll, 14 s later: Amazon unchanged
    world.observe(product_id, "100.00")

    assert [(c["id"], c["state"]) for c in world.changes(product_id)] == [
        (change["id"], "rejected")
    ]


def test_a_new_amazon_price_proposes_anew(world: World) -> None:
    product_id, _ = _linked(world)
    world.observe(product_id, "100.00")
    [rejected] = world.changes(product_id)
    _reject(world, rejected["id"])

    world.observe(product_id, "110.00")

    newest, older = world.changes(product_id)
    assert (newest["state"], newest["proposed_price"]) == ("proposed", "143.00")
    assert (older["id"], older["state"]) == (rejected["id"], "rejected")


def test_a_rules_change_proposes_anew(world: World) -> None:
    product_id, _ = _linked(world)
    world.observe(product_id, "100.00")
    [rejected] = world.changes(product_id)
    _reject(world, rejected["id"])

    status, body = world.api("PATCH", "/api/shop/settings", json={"markup_percent": "40"})

    assert status == 200, body
    newest = world.changes(product_id)[0]
    assert (newest["state"], newest["proposed_price"]) == ("proposed", "140.00")


def test_rejecting_a_pushed_change_is_a_plain_409(world: World) -> None:
    product_id, variant = _linked(world)
    world.observe(product_id, "100.00")
    [change] = world.changes(product_id)
    status, _ = world.api("POST", f"/api/products/{product_id}/push")
    assert status == 202
    world.run_jobs()
    assert world.shopify_price(variant) == "130.00"

    status, body = _reject(world, change["id"])

    assert status == 409
    assert body["error"]["code"] == "already_pushed"
    assert body["error"]["message"] == (
        "This change is already in Shopify (130.00 USD), so it can no longer be rejected."
    )


def test_update_shopify_after_a_reject_says_what_is_the_case(world: World) -> None:
    product_id, _ = _linked(world, shopify_price="262.55")
    world.observe(product_id, "189.22")  # the rules give 245.99 (30 % markup)
    [change] = world.changes(product_id)
    assert change["proposed_price"] == "245.99"
    _reject(world, change["id"])

    status, body = world.api("POST", f"/api/products/{product_id}/push")

    assert status == 409
    assert body["error"]["code"] == "change_rejected"
    assert body["error"]["message"] == (
        f"You rejected 245.99 USD for this product (change {change['id']}); Shopify keeps"
        " 262.55 USD. PriceBridge proposes a price again when Amazon's price or your rules"
        " change."
    )


def test_update_shopify_when_shopify_has_the_price_says_so(world: World) -> None:
    product_id, _ = _linked(world, shopify_price="130.00")
    world.observe(product_id, "100.00")  # the rules give 130.00: nothing to propose
    assert world.changes(product_id) == []

    status, body = world.api("POST", f"/api/products/{product_id}/push")

    assert status == 409
    assert body["error"]["code"] == "in_sync"
    assert body["error"]["message"] == "Shopify already has this product's price (130.00 USD)."


def test_update_shopify_before_any_amazon_price_says_so(world: World) -> None:
    product_id, _ = _linked(world)

    status, body = world.api("POST", f"/api/products/{product_id}/push")

    assert status == 409
    assert body["error"]["code"] == "no_quote"
    assert "no Amazon price" in body["error"]["message"]
