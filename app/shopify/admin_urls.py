"""Where the Shopify admin is, for the browser: the app's admin URL and who may frame the app."""

from __future__ import annotations

from typing import Final
from urllib.parse import quote, urlsplit

from app.config import Settings
from app.shopify.http import DEFAULT_ORIGIN

SHOPIFY_ADMIN: Final = "https://admin.shopify.com"


def simulated_admin_origin(settings: Settings) -> str | None:
    """scheme://host:port of SHOPIFY_ADMIN_ORIGIN when it is a stand-in (the simulator), else None.

    Only the path form (`http://127.0.0.1:PORT/shops/{shop}`) names one admin origin for every
    shop; a template with `{shop}` in the host does not.
    """
    template = settings.shopify_admin_origin
    if template == DEFAULT_ORIGIN:
        return None
    parts = urlsplit(template)
    if "{shop}" in parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def admin_app_url(settings: Settings, shop: str) -> str:
    """The app inside the shop's admin (Shopify's, or the simulator's admin page)."""
    origin = simulated_admin_origin(settings) or SHOPIFY_ADMIN
    name = shop.removesuffix(".myshopify.com")
    return f"{origin}/store/{quote(name)}/apps/{quote(settings.shopify_api_key)}"


def frame_ancestors(settings: Settings, shop: str | None) -> str:
    """The CSP of every page the admin frames: the shop and Shopify's admin, never a wildcard.

    In development and test the simulator's admin origin is added so its admin page can frame
    the app; production never trusts anything but Shopify.
    """
    sources = [f"https://{shop}"] if shop else []
    sources.append(SHOPIFY_ADMIN)
    simulated = simulated_admin_origin(settings)
    if simulated is not None and settings.env != "production":
        sources.append(simulated)
    return "frame-ancestors " + " ".join(sources)
