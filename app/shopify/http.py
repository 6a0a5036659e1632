"""HTTP to Shopify, honouring SHOPIFY_ADMIN_ORIGIN.

`shopifyapp` (httpx) and Authlib (requests) build `https://{shop}/admin/...` URLs themselves.
Rather than patch every caller, the clients they are given carry `AdminOriginTransport` or
`AdminOriginAdapter`, which rewrite a request for a myshopify host onto the origin template
(`http://127.0.0.1:PORT/shops/{shop}` for the simulator), so every call to Shopify, token
exchange included, goes where the setting says.
"""

from __future__ import annotations

from typing import Any, Final, TypeVar

import httpx
import requests
from requests import PreparedRequest
from requests.adapters import HTTPAdapter

from app.config import Settings
from app.shopify.domains import is_shop_domain

DEFAULT_ORIGIN: Final = "https://{shop}"
DEFAULT_TIMEOUT_SECONDS: Final = 10.0
S = TypeVar("S", bound=requests.Session)


def rewrite_shop_url(url: httpx.URL, origin_template: str) -> httpx.URL:
    """`https://{shop}/path?q` on the origin template; any other URL unchanged."""
    if origin_template == DEFAULT_ORIGIN or url.scheme != "https" or not is_shop_domain(url.host):
        return url
    if url.port not in (None, 443):
        return url
    base = httpx.URL(origin_template.format(shop=url.host))
    return base.copy_with(path=base.path.rstrip("/") + url.path, query=url.query or None)


class AdminOriginTransport(httpx.BaseTransport):
    """Sends requests for `https://<shop>.myshopify.com` to the configured admin origin."""

    def __init__(self, origin_template: str, inner: httpx.BaseTransport | None = None) -> None:
        if "{shop}" not in origin_template:
            raise ValueError(f"origin template {origin_template!r} lacks the {{shop}} placeholder")
        self.origin_template = origin_template.rstrip("/")
        self.inner = inner or httpx.HTTPTransport(retries=0)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        target = rewrite_shop_url(request.url, self.origin_template)
        if target != request.url:
            # Rewritten in place, not copied: httpx logs the client's request object after
            # the call, and `response.request` is that object, so both name the URL called.
            request.url = target
            request.headers["Host"] = target.netloc.decode("ascii")
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def shopify_transport(
    settings: Settings, inner: httpx.BaseTransport | None = None
) -> AdminOriginTransport:
    return AdminOriginTransport(settings.shopify_admin_origin, inner)


def shopify_http_client(
    settings: Settings,
    *,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    inner: httpx.BaseTransport | None = None,
) -> httpx.Client:
    """A client for Shopify calls; close it after use (`with shopify_http_client(s) as c:`)."""
    return httpx.Client(transport=shopify_transport(settings, inner), timeout=timeout)


class AdminOriginAdapter(HTTPAdapter):
    """The same rewrite for `requests` sessions (Authlib's OAuth client is one)."""

    def __init__(self, origin_template: str) -> None:
        super().__init__(max_retries=0)
        self.origin_template = origin_template.rstrip("/")

    def send(self, request: PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        original = httpx.URL(str(request.url))
        target = rewrite_shop_url(original, self.origin_template)
        if target != original:
            request = request.copy()
            request.url = str(target)
        return super().send(request, **kwargs)


def mount_shopify_adapter(session: S, settings: Settings) -> S:
    session.mount("https://", AdminOriginAdapter(settings.shopify_admin_origin))
    return session
