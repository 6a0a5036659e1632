from __future__ import annotations

import pytest
from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse

from simulators.shopify.graphql.cost import connection_multiplier, requested_cost
from simulators.shopify.graphql.schema import load_schema
from tests.sim.shopify.graphql.harness import SHOP, Harness

# level 1 + location 1 + quantities 1 = 3; levels 2 + 11 x 3 = 35; item 36; variant 37;
# variants 2 + 11 x 37 = 409; product 410; products 2 + 11 x 410 = 4512
BIG = (
    "{ products(first: 250) { nodes { variants(first: 250) { nodes { inventoryItem {"
    ' inventoryLevels(first: 250) { nodes { location { id } quantities(names: ["available"])'
    " { quantity } } } } } } } } }"
)
PAGE = "{ products(first: 250) { nodes { id title } } }"  # 2 + 11 x 1 = 13


def _cost(query: str) -> int:
    document = parse(query)
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    return requested_cost(load_schema(), operation, fragments, {})


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # Shopify answered 25 for this query (community.shopify.dev, "Unexpectedly low GraphQL
        # query cost"): product 1 + variants connection 2 + 11 x (variant 1 + inventoryItem 1)
        (
            '{ product(id: "gid://shopify/Product/1") { variants(first: 250) { nodes {'
            " inventoryItem { id tracked } } } } }",
            25,
        ),
        ("{ shop { id name currencyCode } }", 1),
        ("{ productsCount { count } }", 10),
        (
            'mutation { productVariantsBulkUpdate(productId: "x", variants: []) {'
            " product { id variants(first: 250) { nodes { id } } } userErrors { field } } }",
            10,
        ),
        ("{ products(first: 10) { pageInfo { hasNextPage } } }", 2),
        ("{ products(first: 1) { nodes { id } } }", 3),
    ],
)
def test_requested_cost_of_known_queries(query: str, expected: int) -> None:
    assert _cost(query) == expected


def test_connection_multiplier_is_logarithmic_and_capped() -> None:
    assert [connection_multiplier(n) for n in (0, 1, 2, 10, 100, 250, 1000)] == [
        0,
        1,
        1,
        4,
        9,
        11,
        11,
    ]


def test_every_answer_carries_cost_and_throttle_status(harness: Harness) -> None:
    _, body = harness.gql(PAGE)
    assert body["extensions"]["cost"] == {
        "requestedQueryCost": 13,
        "actualQueryCost": 5,  # five products came back: 2 + floor(2 ln 5) x 1
        "throttleStatus": {
            "maximumAvailable": 2000.0,
            "currentlyAvailable": 1995,
            "restoreRate": 100.0,
        },
    }


def test_bucket_drains_throttles_with_http_200_and_restores(harness: Harness) -> None:
    harness.admin.store.seed_products(SHOP, 300, 1)
    cost = _cost(PAGE)
    calls = 0
    while True:
        status, body = harness.gql(PAGE)
        assert status == 200
        if "errors" in body:
            break
        calls += 1
    assert calls == 2000 // cost  # no refund: every product page came back full
    assert body == {
        "errors": [
            {
                "message": "Throttled",
                "extensions": {
                    "code": "THROTTLED",
                    "documentation": "https://shopify.dev/api/usage/limits#rate-limits",
                },
            }
        ],
        "extensions": {
            "cost": {
                "requestedQueryCost": cost,
                "actualQueryCost": None,
                "throttleStatus": {
                    "maximumAvailable": 2000.0,
                    "currentlyAvailable": 2000 - calls * cost,
                    "restoreRate": 100.0,
                },
            }
        },
    }
    harness.clock.advance(1)
    status, body = harness.gql(PAGE)
    assert "errors" not in body
    remaining = 2000 - calls * cost + 100 - cost
    assert body["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == remaining
    harness.clock.advance(3600)
    _, body = harness.gql("{ shop { name } }")
    assert body["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == 1999
    stats = harness.client.get(f"/_sim/graphql/stats?shop={SHOP}").get_json()[SHOP]
    assert stats["throttled"] == 1
    assert stats["points"] == (calls + 1) * cost + 1


def test_plus_plan_has_a_bigger_bucket(harness: Harness) -> None:
    harness.admin.store.seed_shop(SHOP, plan="plus")
    _, body = harness.gql("{ shop { name } }")
    assert body["extensions"]["cost"]["throttleStatus"] == {
        "maximumAvailable": 20000.0,
        "currentlyAvailable": 19999,
        "restoreRate": 1000.0,
    }


def test_single_query_above_1000_points_is_max_cost_exceeded(harness: Harness) -> None:
    status, body = harness.gql(BIG)
    assert status == 200
    [error] = body["errors"]
    assert error["message"].startswith(
        "Query cost is 4512, which exceeds the single query max cost limit (1000)."
    )
    assert error["extensions"]["code"] == "MAX_COST_EXCEEDED"
    assert error["extensions"]["cost"] == 4512
    assert error["extensions"]["maxCost"] == 1000
