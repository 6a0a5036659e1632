"""What the dashboard's first paint needs, embedded in the /app page so it draws without a
round trip: the shop's live-stream sequence number (read first: the page catches up on every
event after it), its settings, and on the home page the summary and the first page of products
in the default order, each exactly as its API route answers (GET /api/shop/settings,
/api/summary, /api/products). The web client reads them in web/src/initial.ts.
"""

from __future__ import annotations

import logging
from typing import Any

from redis.exceptions import RedisError

from app.api.product_list import product_page
from app.api.shop import settings_answer
from app.api.summary import shop_summary
from app.clock import utcnow
from app.models import Shop
from app.realtime.events import current_seq
from app.shopify.signals import dashboard_opened

log = logging.getLogger(__name__)
HOME_PATHS = frozenset({"/app", "/app/"})


def first_paint(shop: Shop, *, path: str) -> dict[str, Any]:
    """``seq``, ``settings`` and, for the home page, ``summary`` and ``products``; nothing
    when the live stream's position cannot be read (the page then asks the API, and says so
    in plain words if that fails too)."""
    try:
        seq = current_seq(shop.id)
    except RedisError as error:
        log.warning(
            "no first-paint data for the dashboard: the live stream is out of reach (%s)",
            type(error).__name__,
            extra={"event": "dashboard.first_paint_skipped"},
        )
        return {}
    data: dict[str, Any] = {"seq": seq, "settings": settings_answer(shop)}
    if path in HOME_PATHS:
        data["summary"] = shop_summary(shop, utcnow())
        data["products"] = product_page({}, shop.id, lambda: shop.id)  # ready: just checked
    return data


def connect() -> None:
    """Called by `create_app`: the /app page embeds `first_paint`."""
    dashboard_opened.connect(first_paint)
