"""Helpers for tests: where the recorded fixtures live, and a test environment."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
#: Real recorded data only tests read (origins in its README).
FIXTURES = ROOT / "tests" / "fixtures"
#: What the Shopify simulator serves: the Admin schema and the webhook bodies; the webhook HMAC
#: vectors' `file` entries are relative to it.
SHOPIFY_SIM_DATA = ROOT / "simulators" / "shopify" / "data"
TEST_SHOPIFY_API_KEY = "test-client-id"
TEST_SHOPIFY_API_SECRET = "test-client-secret"
TEST_KEYS = (Fernet.generate_key().decode(), Fernet.generate_key().decode())


def load_fixture(relative: str) -> Any:
    return json.loads((FIXTURES / relative).read_text())


def make_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    env = {
        "PRICEBRIDGE_ENV": "test",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SECRET_KEY": "s" * 40,
        "TOKEN_ENCRYPTION_KEYS": ",".join(TEST_KEYS),
        "SHOPIFY_API_KEY": TEST_SHOPIFY_API_KEY,
        "SHOPIFY_API_SECRET": TEST_SHOPIFY_API_SECRET,
        "SHOPIFY_APP_URL": "https://pricebridge.test",
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "DEBUG",  # every line the app can write passes the secrets scan
    }
    env.update(overrides)
    return env


def session_token(
    shop: str,
    *,
    now: float,
    secret: str = TEST_SHOPIFY_API_SECRET,
    api_key: str = TEST_SHOPIFY_API_KEY,
    user_id: str = "42",
    **overrides: Any,
) -> str:
    """A session token laid out like App Bridge's, signed with the given secret."""
    from simulators.shopify.auth import encode_hs256

    claims: dict[str, Any] = {
        "iss": f"https://{shop}/admin",
        "dest": f"https://{shop}",
        "aud": api_key,
        "sub": user_id,
        "exp": int(now) + 60,
        "nbf": int(now),
        "iat": int(now),
        "jti": "test-jti",
        "sid": "test-sid",
    }
    claims.update(overrides)
    return encode_hs256({k: v for k, v in claims.items() if v is not None}, secret)


@contextmanager
def serving(wsgi_app: Any, port: int = 0) -> Iterator[str]:
    """Serve a WSGI app over real HTTP on loopback (a free port by default); yields its URL."""
    server = make_server("127.0.0.1", port, wsgi_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def free_port() -> int:
    """A loopback port free right now (for two servers that must know each other's URL)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
