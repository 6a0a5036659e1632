"""Helpers for tests: where the shared fixtures live, and a test environment."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
FIXTURES = SHARED / "fixtures"
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
        "LOG_LEVEL": "WARNING",
    }
    env.update(overrides)
    return env
