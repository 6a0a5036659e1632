"""Idempotency keys for price pushes."""

from __future__ import annotations

import hashlib
from decimal import Decimal

KEY_LENGTH = 32
# Keys write every price with two decimals, whatever its currency, so they never change.
CENT = Decimal("0.01")


def idempotency_key(
    shop_id: int | str, variant_gid: str, proposed_price: Decimal, observation_id: int | str
) -> str:
    """A stable key naming "this price, for this variant, from this observation, in this shop".

    It is the first 32 hex digits (128 bits) of SHA-256 over the four parts joined by ``|``,
    with the price written to exactly two decimals so ``12.5`` and ``12.50`` agree. The same
    inputs always give the same key, so a retried or resumed push (a worker killed mid-push)
    is recognised as the same write; any different part gives a different key. ``shop_id``
    and ``observation_id`` are compared as text (``1`` and ``"1"`` are the same key).
    """
    for name, part in (("shop_id", shop_id), ("observation_id", observation_id)):
        if isinstance(part, bool) or not isinstance(part, int | str) or str(part) == "":
            raise ValueError(f"{name} must be a non-empty id, got {part!r}")
        if "|" in str(part):
            raise ValueError(f"{name} must not contain '|', got {part!r}")
    if not isinstance(variant_gid, str) or not variant_gid or "|" in variant_gid:
        raise ValueError(f"variant_gid must be a non-empty gid without '|', got {variant_gid!r}")
    if not isinstance(proposed_price, Decimal) or not proposed_price.is_finite():
        raise ValueError(f"proposed_price must be a finite Decimal, got {proposed_price!r}")
    if proposed_price != proposed_price.quantize(CENT):
        raise ValueError(f"proposed_price must be whole cents, got {proposed_price!r}")
    price = f"{proposed_price.quantize(CENT):f}"
    material = "|".join((str(shop_id), variant_gid, price, str(observation_id)))
    return hashlib.sha256(material.encode()).hexdigest()[:KEY_LENGTH]
