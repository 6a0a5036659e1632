"""Rows for the API benchmarks, written with INSERT ... SELECT generate_series (seconds, not
minutes): a shop's products with observations and price changes, and other shops' products."""

from __future__ import annotations

from sqlalchemy import text

from app.clock import utcnow
from app.extensions import db
from app.models import Shop

_PRODUCTS = """
INSERT INTO product (shop_id, asin, marketplace, shopify_product_gid, shopify_variant_gid,
    status, polling_tier, poll_interval_seconds, next_poll_at, last_polled_at, observed_at,
    amazon_price, amazon_currency, availability, title, image_url, shopify_price,
    created_at, updated_at, failed_polls)
SELECT :shop_id, 'B' || lpad((:offset + n)::text, 9, '0'), 'com',
    'gid://shopify/Product/' || (:offset + n), 'gid://shopify/ProductVariant/' || (:offset + n),
    'active', 'normal', 3600, now() + (n % 3600) * interval '1 second',
    now() - (n % 600) * interval '1 second', now() - (n % 600) * interval '1 second',
    10 + (n % 9000) / 100.0, 'USD',
    (ARRAY['in_stock','low_stock','out_of_stock','delayed'])[1 + n % 4],
    'Bench product ' || (:offset + n) || ' stainless steel water bottle',
    'https://m.media-amazon.com/images/I/' || (:offset + n) || '.jpg', 14.99 + (n % 50),
    now() - interval '30 days', now(), 0
FROM generate_series(1, :count) AS n
"""

_OBSERVATIONS = """
INSERT INTO observation (shop_id, product_id, observed_at, asin, marketplace, price, currency,
    availability, stock_text, images, quarantined, created_at)
SELECT p.shop_id, p.id, now() - k * interval '1 hour', p.asin, p.marketplace,
    p.amazon_price + k, 'USD', p.availability, 'In Stock', '[]', false, now()
FROM product p CROSS JOIN generate_series(0, :per_product - 1) AS k
WHERE p.shop_id = :shop_id
"""

# Per product: `per_product` changes; the newest is open (proposed) on one product in four,
# the rest pushed or superseded, as a long-lived shop's history is.
_CHANGES = """
INSERT INTO price_change (shop_id, product_id, state, proposed_price, previous_price, currency,
    rule, idempotency_key, attempts, confirmed_price, created_at, updated_at)
SELECT p.shop_id, p.id,
    CASE WHEN k = :per_product - 1 AND p.id % 4 = 0 THEN 'proposed'
         WHEN k % 3 = 0 THEN 'superseded' ELSE 'pushed' END,
    p.shopify_price + k % 7, p.shopify_price, 'USD', '{}',
    md5(p.id || ':' || k || ':' || :salt), 1, p.shopify_price + k % 7,
    now() - (:per_product - k) * interval '1 hour', now() - (:per_product - k) * interval '1 hour'
FROM product p CROSS JOIN generate_series(0, :per_product - 1) AS k
WHERE p.shop_id = :shop_id
"""


def other_shops(products: int, shops: int = 20) -> None:
    """`products` products spread over `shops` other shops (written before the bench shop's)."""
    per_shop = products // shops
    for index in range(shops):
        shop = Shop(domain=f"other-{index}.myshopify.com", installed_at=utcnow())
        db.session.add(shop)
        db.session.flush()
        db.session.execute(
            text(_PRODUCTS),
            {"shop_id": shop.id, "offset": 10_000_000 * (index + 1), "count": per_shop},
        )
    db.session.commit()


def shop_rows(shop_id: int, products: int, observations: int, changes: int) -> None:
    db.session.execute(text(_PRODUCTS), {"shop_id": shop_id, "offset": 0, "count": products})
    db.session.execute(text(_OBSERVATIONS), {"shop_id": shop_id, "per_product": observations})
    db.session.execute(
        text(_CHANGES), {"shop_id": shop_id, "per_product": changes, "salt": str(shop_id)}
    )
    db.session.commit()
    # VACUUM as autovacuum would after so many inserts (it cannot run in a transaction), so
    # the measurement that follows does not share the cores with it: a settled table.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for table in ("product", "observation", "price_change", "price_change_event"):
            connection.execute(text(f"VACUUM (ANALYZE) {table}"))
        # And write the seeded pages out now, not in a checkpoint during the measurement.
        connection.execute(text("CHECKPOINT"))
