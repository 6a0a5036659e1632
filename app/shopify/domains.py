"""What a shop's domain looks like: the one definition every Shopify edge checks against."""

from __future__ import annotations

import re
from typing import Final

SHOP_DOMAIN_RE: Final = re.compile(r"[a-z0-9][a-z0-9-]*\.myshopify\.com")


def is_shop_domain(value: object) -> bool:
    """True for `name.myshopify.com` exactly (no scheme, port, path or trailing newline)."""
    return (
        isinstance(value, str) and len(value) <= 255 and SHOP_DOMAIN_RE.fullmatch(value) is not None
    )
