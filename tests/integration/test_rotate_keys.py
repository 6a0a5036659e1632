from __future__ import annotations

from collections.abc import Callable

from cryptography.fernet import Fernet
from flask import Flask
from sqlalchemy import select, text

from app.extensions import db
from app.models import Shop
from tests.integration.factories import make_shop
from tests.support import TEST_KEYS


def test_rotate_keys_reencrypts_every_token_with_the_newest_key(
    app: Flask, make_app: Callable[..., Flask]
) -> None:
    make_shop("a.myshopify.com", access_token="shpat_a", refresh_token="shprt_a")
    make_shop("b.myshopify.com", access_token="shpat_b")
    make_shop("c.myshopify.com")  # uninstalled: no tokens
    db.session.commit()
    newest = Fernet.generate_key().decode()
    rotated_app = make_app(
        TOKEN_ENCRYPTION_KEYS=",".join((newest, *TEST_KEYS)),
    )

    # The `app` fixture holds migrated_app's context; the command must run in rotated_app's.
    with rotated_app.app_context():
        result = rotated_app.test_cli_runner().invoke(args=["rotate-keys"])
    assert result.exit_code == 0, result.output
    assert "re-encrypted the tokens of 2 shop(s)" in result.output

    only_newest = make_app(
        TOKEN_ENCRYPTION_KEYS=newest,
    )
    with only_newest.app_context():
        tokens = db.session.execute(
            select(Shop.domain, Shop.access_token, Shop.refresh_token).order_by(Shop.domain)
        ).all()
        raw = db.session.scalars(text("SELECT access_token FROM shop ORDER BY domain")).all()
        db.session.remove()
    assert [tuple(row) for row in tokens] == [
        ("a.myshopify.com", "shpat_a", "shprt_a"),
        ("b.myshopify.com", "shpat_b", None),
        ("c.myshopify.com", None, None),
    ]
    assert all(value is None or "shpat" not in value for value in raw)
