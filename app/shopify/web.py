"""The browser-facing Shopify pages as one blueprint: /app, /auth/session-token, /auth/install,
/auth/callback. `create_app` registers `bp`."""

from __future__ import annotations

from flask import Blueprint

from app.shopify import embedded, oauth

bp = Blueprint("shopify", __name__)
bp.register_blueprint(embedded.bp)
bp.register_blueprint(oauth.bp)
