from __future__ import annotations

from datetime import UTC, datetime

import pytest

from simulators.shopify.graphql import Store, add_catalogue
from tests.sim.shopify.graphql.harness import SHOP, TOKEN, Harness

OTHER = "other.myshopify.com"


def test_seed_endpoint_creates_a_shop_with_a_catalogue(harness: Harness) -> None:
    response = harness.client.post(
        "/_sim/graphql/seed",
        json={
            "shop": OTHER,
            "currency": "EUR",
            "plan": "advanced",
            "products": 4,
            "variants_per_product": 2,
            "seed": 3,
        },
    )
    assert response.status_code == 201
    assert response.get_json() == {"shop": OTHER, "products": 4, "variants": 8}
    variants = harness.client.get(f"/_sim/graphql/variants?shop={OTHER}").get_json()["variants"]
    assert len(variants) == 8
    assert all(v["price"] and v["id"].startswith("gid://shopify/ProductVariant/") for v in variants)


def test_variants_of_an_unknown_shop_is_404(harness: Harness) -> None:
    assert harness.client.get("/_sim/graphql/variants?shop=nope.myshopify.com").status_code == 404


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_http_fault_answers_the_next_request_only(harness: Harness, status: int) -> None:
    armed = harness.client.post("/_sim/graphql/faults", json={"kind": "http", "status": status})
    assert armed.status_code == 201
    code, body = harness.gql("{ shop { name } }")
    assert code == status
    assert isinstance(body["errors"], str)
    code, _ = harness.gql("{ shop { name } }")
    assert code == 200


def test_429_fault_carries_retry_after(harness: Harness) -> None:
    harness.client.post("/_sim/graphql/faults", json={"kind": "http", "status": 429, "count": 2})
    for _ in range(2):
        response = harness.client.post(
            f"/shops/{SHOP}/admin/api/2026-10/graphql.json",
            json={"query": "{ shop { name } }"},
            headers={"X-Shopify-Access-Token": TOKEN},
        )
        assert response.status_code == 429
        assert response.headers["Retry-After"] == "2.0"
    assert harness.gql("{ shop { name } }")[0] == 200


def test_timeout_fault_sleeps_then_still_serves(harness: Harness) -> None:
    slept: list[float] = []
    harness.admin.sleep = slept.append
    harness.client.post("/_sim/graphql/faults", json={"kind": "timeout", "sleep_seconds": 31})
    status, _ = harness.gql("{ shop { name } }")
    assert (status, slept) == (200, [31])


def test_fault_for_another_shop_is_not_consumed(harness: Harness) -> None:
    harness.client.post("/_sim/graphql/faults", json={"kind": "http", "shop": OTHER})
    assert harness.gql("{ shop { name } }")[0] == 200
    pending = harness.client.delete("/_sim/graphql/faults").get_json()
    assert pending == {"armed": []}


def test_bad_fault_is_rejected_by_name() -> None:
    from simulators.shopify.graphql import Fault

    with pytest.raises(ValueError, match="fault status 418"):
        Fault(kind="http", status=418)


def test_stats_count_calls_faults_and_points(harness: Harness) -> None:
    harness.client.post("/_sim/graphql/faults", json={"kind": "http"})
    harness.gql("{ shop { name } }")
    harness.gql("{ shop { name } }")
    stats = harness.client.get("/_sim/graphql/stats").get_json()[SHOP]
    assert (stats["calls"], stats["faults"], stats["points"]) == (2, 1, 1)
    assert stats["timeline"] == [["2026-10-01T12:00:00+00:00", 1]]


def test_reset_forgets_everything_and_an_authorized_shop_starts_empty(harness: Harness) -> None:
    harness.client.post("/_sim/graphql/reset")
    data = harness.data("{ shop { name } products(first: 5) { nodes { id } } }")
    assert data == {"shop": {"name": "demo"}, "products": {"nodes": []}}
    assert harness.client.get("/_sim/graphql/stats").get_json()[SHOP]["calls"] == 1


def test_catalogue_builder_is_deterministic_and_sized() -> None:
    def build() -> list[str]:
        store = Store(lambda: datetime(2026, 1, 1, tzinfo=UTC))
        store.seed_shop(SHOP, locations=2)
        add_catalogue(store, SHOP, 1000, 5, seed=11)
        state = store.shop(SHOP)
        assert len(state.variants) == 5000
        assert len(state.levels) == 10000
        return [str(v.price) for v in state.variants.values()]

    assert build() == build()
