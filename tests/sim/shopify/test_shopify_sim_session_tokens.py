"""Session tokens the simulator issues: claim layout of the vectors, verifiable with PyJWT."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import jwt
import pytest
from shopify_sim_support import SHOP, load_fixture, make_config

from simulators.shopify.app import create_app, simulator
from simulators.shopify.auth import SessionTokens, decode_hs256, encode_hs256
from simulators.shopify.records import GrantError, ShopRecord

VECTORS = load_fixture("session_token_vectors.json")
CASES = {case["name"]: case for case in VECTORS["cases"]}
VECTOR_SHOP = "test-shop.myshopify.com"
# PyJWT warns about HMAC keys under 32 bytes; a realistic secret keeps that warning out.
LONG_SECRET = "shpss_" + "ab" * 16


def segment(token: str, index: int) -> dict[str, Any]:
    part = token.split(".")[index]
    return dict(json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))))


def vector_tokens(at: int) -> SessionTokens:
    def clock() -> datetime:
        return datetime.fromtimestamp(at, UTC)

    return SessionTokens(VECTORS["client_id"], VECTORS["client_secret"], clock)


def test_encoding_matches_pyjwt_byte_for_byte() -> None:
    claims = VECTORS["claims"]

    assert encode_hs256(claims, VECTORS["client_secret"]) == CASES["valid"]["token"]


def test_issued_token_has_the_vector_claim_layout() -> None:
    sim = simulator(create_app(make_config()))
    sim.install(SHOP)
    record = sim.registry.shop(SHOP)
    assert record is not None

    token = sim.session_tokens.issue(record)

    assert segment(token, 0) == segment(CASES["valid"]["token"], 0)
    claims = segment(token, 1)
    assert list(claims) == list(VECTORS["claims"])
    assert claims["iss"] == f"https://{SHOP}/admin"
    assert claims["dest"] == f"https://{SHOP}"
    assert claims["aud"] == "test-client-id"
    assert claims["exp"] - claims["nbf"] == 60
    assert claims["iat"] == claims["nbf"]


def test_issued_token_verifies_with_pyjwt_under_the_session_token_rules() -> None:
    sim = simulator(create_app(make_config(api_secret=LONG_SECRET)))
    sim.install(SHOP)
    record = sim.registry.shop(SHOP)
    assert record is not None

    claims = jwt.decode(
        sim.session_tokens.issue(record),
        LONG_SECRET,
        algorithms=["HS256"],
        audience="test-client-id",
        leeway=10,
        options={"require": ["exp", "nbf", "iat", "iss", "aud", "sub", "jti"]},
    )

    assert claims["iss"] == claims["dest"] + "/admin"
    assert claims["dest"].endswith(".myshopify.com")
    assert claims["sub"] == "902541635"
    assert claims["sid"] == record.session_id


def test_each_token_is_fresh() -> None:
    record = ShopRecord(SHOP, installed=True)
    tokens = vector_tokens(CASES["valid"]["verify_at"])

    assert segment(tokens.issue(record), 1)["jti"] != segment(tokens.issue(record), 1)["jti"]


@pytest.mark.parametrize("name", ["valid", "valid_nbf_in_future_within_10s_leeway"])
def test_verifier_accepts_valid_vectors(name: str) -> None:
    case = CASES[name]

    claims = vector_tokens(case["verify_at"]).verify(case["token"], VECTOR_SHOP)

    assert claims["sub"] == "12345"


@pytest.mark.parametrize(
    "name", ["expired", "wrong_secret", "wrong_aud", "iss_dest_mismatch", "alg_none"]
)
def test_verifier_refuses_invalid_vectors(name: str) -> None:
    case = CASES[name]

    with pytest.raises(GrantError) as refused:
        vector_tokens(case["verify_at"]).verify(case["token"], VECTOR_SHOP)

    assert refused.value.error == "invalid_subject_token"


def test_verifier_refuses_a_destination_other_than_the_shop() -> None:
    case = CASES["dest_not_myshopify"]

    with pytest.raises(GrantError):
        vector_tokens(case["verify_at"]).verify(case["token"], VECTOR_SHOP)
    with pytest.raises(GrantError):
        vector_tokens(case["verify_at"]).verify(CASES["valid"]["token"], SHOP)


def test_decoder_refuses_malformed_tokens() -> None:
    for token in ["", "one.two", "x.y.z", CASES["valid"]["token"] + "x"]:
        with pytest.raises(GrantError):
            decode_hs256(token, VECTORS["client_secret"])
