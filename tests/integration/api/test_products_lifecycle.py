"""Issue 10, faults 2, 3 and 4: a price set by hand holds the open change at once and "Update
Shopify" then refuses with how to clear it; links are checked against Shopify and keep what
Shopify says of the variant; a variant deleted later stops polling; bulk push gives every id
an outcome."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from app.extensions import db
from app.models import Product
from tests.integration.api.merchant_world import World


def _linked(world: World, *prices: str) -> tuple[dict[str, Any], list[int]]:
    product = world.create_product(*(prices or ("262.55",)))
    ids = []
    for variant in product["variants"]:
        status, body = world.link(variant)
        assert status == 201, body
        ids.append(body["id"])
    return product, ids


def _product(world: World, product_id: int) -> dict[str, Any]:
    status, body = world.api("GET", f"/api/products/{product_id}")
    assert status == 200, body
    return body  # type: ignore[no-any-return]


def _links() -> int:
    return int(db.session.scalar(select(func.count()).select_from(Product)) or 0)


# -- fault 3: links are checked against Shopify -----------------------------------------------


def test_linking_reads_the_variant_and_derives_the_product(world: World) -> None:
    product = world.create_product("49.90")
    variant = product["variants"][0]

    status, body = world.link(variant)

    assert status == 201, body
    assert body["shopify_product_gid"] == product["admin_graphql_api_id"]
    assert body["shopify_variant_gid"] == variant["admin_graphql_api_id"]
    item = f"gid://shopify/InventoryItem/{variant['inventory_item_id']}"
    assert body["shopify_inventory_item_gid"] == item
    assert (body["shopify_variant_title"], body["shopify_sku"]) == ("Option 1", "SKU-1")
    assert (body["shopify_price"], body["shopify_compare_at_price"]) == ("49.90", None)


def test_a_variant_shopify_does_not_have_is_422_and_nothing_is_stored(world: World) -> None:
    missing = {"admin_graphql_api_id": "gid://shopify/ProductVariant/777777"}

    status, body = world.link(missing)

    assert status == 422
    assert body["error"]["code"] == "variant_not_found"
    assert body["error"]["message"] == (
        "Shopify has no variant gid://shopify/ProductVariant/777777 in this shop."
    )
    assert _links() == 0


def test_a_product_that_does_not_own_the_variant_is_422(world: World) -> None:
    mine, other = world.create_product("10.00"), world.create_product("20.00", title="Kettle")
    variant = mine["variants"][0]

    status, body = world.link(variant, shopify_product_gid=other["admin_graphql_api_id"])

    assert status == 422
    assert body["error"]["code"] == "product_mismatch"
    assert body["error"]["details"]["owner"] == mine["admin_graphql_api_id"]
    assert _links() == 0
    status, _ = world.link(variant, shopify_product_gid=mine["admin_graphql_api_id"])
    assert status == 201


def test_a_product_deleted_in_shopify_stops_polling_with_its_reason(world: World) -> None:
    product, [product_id] = _linked(world)
    world.observe(product_id, "100.00")
    [change] = world.changes(product_id)

    world.delete_product(product)
    world.run_jobs()

    body = _product(world, product_id)
    assert body["status"] == "variant_deleted"
    assert "deleted in Shopify" in body["status_reason"]
    [closed] = world.changes(product_id)
    assert (closed["id"], closed["state"]) == (change["id"], "superseded")
    status, refused = world.api("POST", f"/api/products/{product_id}/push")
    assert (status, refused["error"]["code"]) == (409, "variant_deleted")


def test_a_push_answered_variant_does_not_exist_stops_polling(world: World) -> None:
    product, [first_id, second_id] = _linked(world, "262.55", "99.00")
    world.observe(first_id, "100.00")
    first = product["variants"][0]
    # The merchant deletes the variant; its products/update is not processed before the push.
    world.sim_call("DELETE", f"/_sim/products/{product['id']}/variants/{first['id']}", {})

    status, _ = world.api("POST", f"/api/products/{first_id}/push")
    assert status == 202
    world.run_jobs()

    [change] = world.changes(first_id)
    assert change["state"] == "failed"
    assert change["error"] == "Product variant does not exist"
    body = _product(world, first_id)
    assert body["status"] == "variant_deleted"
    assert "PRODUCT_VARIANT_DOES_NOT_EXIST" in body["status_reason"]
    assert _product(world, second_id)["status"] == "active"


# -- fault 2: a price set by hand holds at once -----------------------------------------------


def test_a_price_set_by_hand_holds_the_open_change_and_push_says_how_to_clear(
    world: World,
) -> None:
    product, [product_id] = _linked(world)
    world.observe(product_id, "100.00")
    [change] = world.changes(product_id)
    assert change["state"] == "proposed"

    world.edit_price(product, product["variants"][0], "199.00")
    world.run_jobs()

    [held] = world.changes(product_id)
    assert (held["id"], held["state"], held["held_reason"]) == (
        change["id"],
        "held",
        "manual_override",
    )
    status, body = world.api("POST", f"/api/products/{product_id}/push")
    assert status == 409
    assert body["error"]["code"] == "manual_override"
    assert body["error"]["message"] == (
        "This product's price was set by hand in Shopify (199.00 USD), so PriceBridge leaves it"
        " alone. To hand it back, choose \"Use PriceBridge's price\" on the product's page."
    )
    assert body["error"]["details"]["clear_with"] == {
        "method": "DELETE",
        "path": f"/api/products/{product_id}/manual-override",
    }
    status, _ = world.api("POST", f"/api/price-changes/{change['id']}/approve")
    assert status == 409
    assert world.shopify_price(product["variants"][0]) == "199.00"

    status, _ = world.api("DELETE", f"/api/products/{product_id}/manual-override")
    assert status == 200
    status, pushed = world.api("POST", f"/api/products/{product_id}/push")
    assert status == 202, pushed
    world.run_jobs()
    assert world.shopify_price(product["variants"][0]) == "130.00"


# -- fault 4: bulk push gives every id an outcome ---------------------------------------------


def test_bulk_push_gives_each_id_an_outcome(world: World) -> None:
    product, [ready, overridden, in_sync] = _linked(world, "262.55", "262.55", "130.00")
    for product_id in (ready, overridden, in_sync):
        world.observe(product_id, "100.00")  # the rules give 130.00
    world.edit_price(product, product["variants"][1], "150.00")
    world.run_jobs()

    status, body = world.api(
        "POST", "/api/push", json={"product_ids": [ready, overridden, in_sync, 9999]}
    )

    assert status == 202, body
    assert [c["product_id"] for c in body["approved"]] == [ready]
    skipped = {s["product_id"]: s for s in body["skipped"]}
    assert set(skipped) == {overridden, in_sync, 9999}
    assert (skipped[overridden]["reason"], skipped[overridden]["held_reason"]) == (
        "held",
        "manual_override",
    )
    assert skipped[overridden]["message"].startswith("This product's price was set by hand")
    assert skipped[in_sync]["reason"] == "in_sync"
    assert skipped[in_sync]["message"] == "Shopify already has this product's price (130.00 USD)."
    assert skipped[9999] == {
        "product_id": 9999,
        "change_id": None,
        "reason": "not_found",
        "held_reason": None,
        "message": "No linked product 9999 in this shop.",
    }


def test_stock_can_act_on_a_product_linked_through_the_api(world: World) -> None:
    answer = world.sim_call(
        "POST",
        "/_sim/products",
        {"title": "Grinder", "variants": [{"price": "262.55", "available": 7}]},
    )
    variant = answer["product"]["variants"][0]
    status, body = world.link(variant)
    assert status == 201, body
    shop = world.shop()
    shop.out_of_stock_action = "zero_inventory"
    db.session.commit()

    world.observe(body["id"], "100.00", availability="out_of_stock")
    world.run_jobs()

    state = world.sim.admin_api.store.shop(world.domain)
    with state.lock:
        levels = [
            stock["available"]
            for (item, _location), stock in state.levels.items()
            if item == variant["inventory_item_id"]
        ]
    assert levels == [0]
