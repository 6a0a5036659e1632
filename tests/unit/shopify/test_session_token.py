"""Session tokens: Shopify's vectors, plus shopify-app-js's negative cases."""

from __future__ import annotations

import base64
import json

import pytest

from app.shopify.session_token import InvalidSessionToken, verify_session_token
from tests.support import load_fixture, session_token

VECTORS = load_fixture("shopify/session_token_vectors.json")
CASES = {case["name"]: case for case in VECTORS["cases"]}
NOW = 1782864030.0


def verify(token: str, now: float = NOW, secret: str = VECTORS["client_secret"]) -> object:
    return verify_session_token(token, api_key=VECTORS["client_id"], api_secret=secret, now=now)


@pytest.mark.parametrize("case", VECTORS["cases"], ids=lambda case: case["name"])
def test_every_vector_is_judged_as_expected(case: dict[str, object]) -> None:
    token, now = str(case["token"]), float(case["verify_at"])  # type: ignore[arg-type]
    if str(case["expect"]).startswith("valid"):
        claims = verify(token, now)
        assert claims.shop == "test-shop.myshopify.com"  # type: ignore[attr-defined]
        assert claims.user_id == "12345"  # type: ignore[attr-defined]
    else:
        with pytest.raises(InvalidSessionToken):
            verify(token, now)


def test_valid_vector_claims() -> None:
    claims = verify(CASES["valid"]["token"])
    assert claims.session_id == "0987654321abcdef"  # type: ignore[attr-defined]
    assert claims.expires_at == 1782864060  # type: ignore[attr-defined]


def test_expired_beyond_leeway_but_not_within() -> None:
    token = CASES["valid"]["token"]
    verify(token, now=1782864060 + 10)
    with pytest.raises(InvalidSessionToken, match="expired"):
        verify(token, now=1782864060 + 11)


def test_nbf_beyond_the_leeway_is_refused() -> None:
    token = session_token("a.myshopify.com", now=NOW + 11, secret=VECTORS["client_secret"])
    with pytest.raises(InvalidSessionToken, match="nbf"):
        verify(token)


def test_alg_none_is_refused() -> None:
    def part(value: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    token = f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(VECTORS['claims'])}."
    with pytest.raises(InvalidSessionToken, match="HS256 only"):
        verify(token)


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"aud": "another-app"}, "audience"),
        ({"dest": "https://evil.example.com"}, "dest is not a myshopify.com shop"),
        ({"dest": "http://a.myshopify.com"}, "dest is not a myshopify.com shop"),
        ({"iss": "https://b.myshopify.com/admin"}, "iss and dest disagree"),
        ({"iss": "https://a.myshopify.com/not-admin"}, "iss and dest disagree"),
        ({"exp": None}, "missing or non-numeric exp"),
        ({"exp": "soon"}, "missing or non-numeric exp"),
        ({"nbf": None}, "missing or non-numeric nbf"),
        ({"dest": None}, "missing dest"),
    ],
)
def test_claims_that_are_refused(overrides: dict[str, object], reason: str) -> None:
    token = session_token("a.myshopify.com", now=NOW, secret=VECTORS["client_secret"], **overrides)
    with pytest.raises(InvalidSessionToken, match=reason):
        verify(token)


@pytest.mark.parametrize(
    "garbage",
    ["", "abc", "a.b", "a.b.c.d", "!!!.???.***", "e30.e30.", "W10.e30.sig", "bnVsbA.e30.x"],
)
def test_garbage_is_refused_with_a_reason(garbage: str) -> None:
    with pytest.raises(InvalidSessionToken):
        verify(garbage)


def test_tampered_payload_fails_the_signature() -> None:
    header, payload, signature = CASES["valid"]["token"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["dest"] = "https://other-shop.myshopify.com"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(InvalidSessionToken, match="signature"):
        verify(f"{header}.{forged}.{signature}")
