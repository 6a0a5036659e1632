"""The gate's memory of verified session tokens: kept until the token expires, bounded."""

from __future__ import annotations

from app.api.auth import Verified, VerifiedTokens
from app.shopify.session_token import LEEWAY_SECONDS, SessionClaims


def _verified(shop_id: int, expires_at: int) -> Verified:
    claims = SessionClaims(
        shop="a.myshopify.com", user_id="1", session_id="s", expires_at=expires_at, claims={}
    )
    return Verified(claims, shop_id)


def test_a_token_is_known_until_it_expires_as_the_verifier_counts() -> None:
    tokens = VerifiedTokens()
    tokens.put("t", _verified(7, expires_at=1_000), now=950)
    found = tokens.get("t", now=1_000 + LEEWAY_SECONDS)
    assert found is not None
    assert found.shop_id == 7
    assert tokens.get("t", now=1_000 + LEEWAY_SECONDS + 1) is None  # expired: verify again
    assert len(tokens) == 0
    assert tokens.get("other", now=950) is None


def test_the_memory_is_bounded_dropping_expired_then_oldest() -> None:
    tokens = VerifiedTokens(capacity=3)
    tokens.put("expired", _verified(1, expires_at=10), now=0)
    tokens.put("a", _verified(1, expires_at=1_000), now=0)
    tokens.put("b", _verified(1, expires_at=1_000), now=0)
    tokens.put("c", _verified(1, expires_at=1_000), now=100)  # full: the expired one goes
    assert len(tokens) == 3
    assert tokens.get("expired", now=0) is None
    tokens.put("d", _verified(1, expires_at=1_000), now=100)  # full of live ones: the oldest
    assert tokens.get("a", now=100) is None
    assert [t for t in "bcd" if tokens.get(t, now=100) is not None] == ["b", "c", "d"]
