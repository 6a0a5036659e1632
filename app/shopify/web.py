"""The browser-facing Shopify pages as one blueprint: /app, /auth/session-token, /auth/install,
/auth/callback, /app-assets/ (the built dashboard). `create_app` registers `bp`."""

from __future__ import annotations

from flask import Blueprint

from app.shopify import dashboard_assets, embedded, oauth

bp = Blueprint("shopify", __name__)
bp.register_blueprint(embedded.bp)
bp.register_blueprint(oauth.bp)
bp.register_blueprint(dashboard_assets.bp)
