"""The demo shop: installed through the Shopify simulator, with products linked to Amazon."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections.abc import Mapping

DEMO_SHOP = "demo.myshopify.com"
DEMO_LINKS = 20
#: The demo polls every few seconds so that observations visibly arrive and history grows.
DEMO_POLL_SECONDS = 20


def post_json(url: str, body: Mapping[str, object]) -> dict[str, object]:
    request = urllib.request.Request(  # noqa: S310 - the simulator we started
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        answer = json.loads(response.read())
    if not isinstance(answer, dict):
        raise ValueError(f"{url} answered {answer!r}, not a JSON object")
    return answer


def install_demo_shop(sim_url: str, api_key: str, app_url: str) -> str:
    """Install the demo shop the way Shopify does: managed install, then the app's first load
    (a session token in the URL) performs the token exchange. Returns the admin URL to open."""
    post_json(f"{sim_url}/_sim/install", {"shop": DEMO_SHOP})
    token = post_json(f"{sim_url}/_sim/session-token", {"shop": DEMO_SHOP})["id_token"]
    query = urllib.parse.urlencode({"embedded": "1", "shop": DEMO_SHOP, "id_token": token})
    with urllib.request.urlopen(f"{app_url}/app?{query}", timeout=30) as response:  # noqa: S310
        if response.status != 200:
            raise RuntimeError(f"installing {DEMO_SHOP} failed: HTTP {response.status}")
    name = DEMO_SHOP.removesuffix(".myshopify.com")
    return f"{sim_url}/store/{name}/apps/{urllib.parse.quote(api_key)}"


def link_demo_products(shopify_sim_url: str, env: Mapping[str, str]) -> int:
    """Give the demo shop Shopify products and link each variant to a simulated ASIN."""
    post_json(f"{shopify_sim_url}/_sim/graphql/seed", {"shop": DEMO_SHOP, "products": DEMO_LINKS})
    url = f"{shopify_sim_url}/_sim/graphql/variants?shop={DEMO_SHOP}"
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - our simulator
        variants = json.loads(response.read())["variants"][:DEMO_LINKS]
    from app import create_app  # the demo links as the API does, checked with Shopify
    from app.clock import utcnow
    from app.config import Settings
    from app.extensions import db
    from app.ingest.link import LinkRequest, link_product
    from app.models import Product, Shop

    app = create_app(Settings.from_env(env))
    with app.app_context():
        shop = db.session.query(Shop).filter_by(domain=DEMO_SHOP).one()
        linked = {
            p.shopify_variant_gid for p in db.session.query(Product).filter_by(shop_id=shop.id)
        }
        for number, variant in enumerate(variants):
            if variant["id"] in linked:
                continue
            request = LinkRequest.from_json(
                {
                    "shopify_variant_gid": variant["id"],
                    "shopify_product_gid": variant["product_id"],
                    "asin": f"B0DEMO{number:04d}",
                    "marketplace": "com",
                }
            )
            # Read from Shopify like any link: title, SKU, price and inventory item.
            product = link_product(shop, request, utcnow())
            product.poll_interval_override_seconds = DEMO_POLL_SECONDS
            db.session.commit()
        count = db.session.query(Product).filter_by(shop_id=shop.id).count()
        db.session.remove()
        db.engine.dispose()
        app.extensions["pricebridge.broker"].redis.close()
    return int(count)
