"""The Redis-shared cost throttle never overdraws Shopify's bucket, whoever calls."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from decimal import Decimal

from flask import Flask
from redis import Redis

from app.shopify.graphql.client import AdminClient
from app.shopify.graphql.operations import VariantPrice, bulk_update_prices
from app.shopify.graphql.throttle import CostThrottle, ThrottleStatus
from tests.integration.conftest import TOKEN, LiveShopify

SHOP = "throttle.myshopify.com"
THREADS = 8
CALLS_EACH = 5


def _client(shopify: LiveShopify, redis_url: str) -> AdminClient:
    return AdminClient(
        shop=SHOP,
        url=f"{shopify.origin}/shops/{SHOP}/admin/api/2026-10/graphql.json",
        token=lambda *, refresh: TOKEN,
        throttle=CostThrottle(Redis.from_url(redis_url), SHOP),
    )


def test_many_threads_sharing_one_bucket_are_never_throttled(
    pricing_app: Flask, shopify: LiveShopify
) -> None:
    variants = shopify.seed(SHOP, products=THREADS)
    redis_url = pricing_app.extensions["pricebridge.settings"].redis_url
    # Drain Shopify's bucket to 10 points: every later call must wait for the restore.
    now = datetime.now(UTC)
    shopify.admin.buckets.for_shop(SHOP, 100, now).try_spend(1990, now)
    first = variants[0]
    entry = [VariantPrice(first["id"], Decimal("10.00"), currency="USD")]
    bulk_update_prices(_client(shopify, redis_url), first["product_id"], entry)  # learns

    errors: list[BaseException] = []

    def work(variant: dict[str, str]) -> None:
        client = _client(shopify, redis_url)
        try:
            for n in range(CALLS_EACH):
                price = [VariantPrice(variant["id"], Decimal(f"{11 + n}.00"), currency="USD")]
                bulk_update_prices(client, variant["product_id"], price)
        except BaseException as error:  # reported below; a thread must not die silently
            errors.append(error)
            raise

    started = time.monotonic()
    threads = [threading.Thread(target=work, args=(v,)) for v in variants]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    elapsed = time.monotonic() - started
    assert errors == []
    stats = shopify.stats(SHOP)
    assert stats["throttled"] == 0
    assert stats["calls"] == 1 + THREADS * CALLS_EACH
    # 40 mutations of 10 points at 100 points/s cannot take less than ~4 s: it really waited.
    assert elapsed >= (THREADS * CALLS_EACH * 10 - 20) / 100


def test_reservations_in_flight_stay_deducted_until_settled(pricing_app: Flask) -> None:
    redis = Redis.from_url(pricing_app.extensions["pricebridge.settings"].redis_url)
    throttle = CostThrottle(redis, "bucket.myshopify.com", sleep=lambda _s: None)
    throttle.settle(0, 0, ThrottleStatus(2000, 25, 100))
    assert throttle.try_reserve(20) == 0
    assert throttle.try_reserve(20) > 0  # 5 left (plus a few ms of restore): must wait
    left = throttle.settle(20, 5, ThrottleStatus(2000, 1000, 100))
    # Refunded 15 (plus the refill since, at 100 points/s: this bound allows 0.4 s on a loaded
    # machine), never Shopify's 1,000 above what our own ledger says.
    assert 20 <= left < 60


def _age_ledger(redis: Redis, throttle: CostThrottle, seconds: float) -> None:
    """As if the ledger's last update were ``seconds`` older (its refill is then owed)."""
    at = float(redis.hget(throttle.key, "at") or 0)
    redis.hset(throttle.key, "at", str(at - seconds))


def test_shopifys_figure_never_forgets_calls_still_in_flight(pricing_app: Flask) -> None:
    """The cause of bench/push's THROTTLED answers: our ledger charges a call when it is
    reserved, Shopify when it arrives; while Shopify's bucket sits full, the ledger earns
    refill Shopify never gets. Applying Shopify's older figure must keep deducting the calls
    Shopify has not seen yet, or the next reservation overdraws."""
    redis = Redis.from_url(pricing_app.extensions["pricebridge.settings"].redis_url)
    throttle = CostThrottle(redis, "inflight.myshopify.com", sleep=lambda _s: None)
    assert throttle.try_reserve(10, ticket="a") == 0  # full bucket: 2,000 -> 1,990
    assert throttle.try_reserve(10, ticket="b") == 0  # -> 1,980
    _age_ledger(redis, throttle, 0.5)  # half a second of refill Shopify never had
    # Shopify answers "a" having seen only "a": 1,990 left by its count.
    left = throttle.settle(10, 10, ThrottleStatus(2000, 1990, 100), ticket="a")
    # "b" is still deducted: it would be 1,990 without the ticket (the bounds allow 40 ms of
    # refill between these calls on a loaded machine).
    assert left < 1984
    left = throttle.settle(10, 10, ThrottleStatus(2000, 1980, 100), ticket="b")
    assert 1980 <= left < 1984  # once settled it no longer counts as in flight


def test_a_reservation_lost_with_its_worker_stops_counting_after_its_lease(
    pricing_app: Flask,
) -> None:
    redis = Redis.from_url(pricing_app.extensions["pricebridge.settings"].redis_url)
    running = CostThrottle(redis, "running.myshopify.com", sleep=lambda _s: None)
    killed = CostThrottle(redis, "killed.myshopify.com", sleep=lambda _s: None)
    for throttle in (running, killed):
        assert throttle.try_reserve(10, ticket="lost") == 0  # never settled: its worker died
    cost, _deadline = (redis.hget(killed.key, "r:lost") or b"").decode().split()
    redis.hset(killed.key, "r:lost", f"{cost} 0")  # that one's lease ran out
    left = running.settle(0, 0, ThrottleStatus(2000, 1000, 100))
    assert 989 <= left < 995  # still counted while its lease runs (999 if it were not)
    left = killed.settle(0, 0, ThrottleStatus(2000, 1000, 100))
    assert 999 <= left <= 1000.5
    assert not redis.hexists(killed.key, "r:lost")
