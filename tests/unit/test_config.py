from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from app.config import Settings, SettingsError
from tests.support import ROOT, make_env


def test_zero_setup_defaults_use_sqlite_and_generate_secrets_once(tmp_path: Path) -> None:
    first = Settings.from_env({"INSTANCE_PATH": str(tmp_path)})
    second = Settings.from_env({"INSTANCE_PATH": str(tmp_path)})

    assert first.env == "development"
    assert first.database_url == f"sqlite:///{tmp_path.resolve() / 'pricebridge.db'}"
    assert first.redis_url == "redis://127.0.0.1:6379/0"
    assert first.secret_key == second.secret_key
    assert first.token_encryption_keys == second.token_encryption_keys
    assert first.shopify_api_secret == second.shopify_api_secret
    secrets_file = tmp_path / "secrets.json"
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    assert set(json.loads(secrets_file.read_text())) == {
        "SECRET_KEY",
        "TOKEN_ENCRYPTION_KEYS",
        "SHOPIFY_API_KEY",
        "SHOPIFY_API_SECRET",
    }


def test_generated_secrets_stay_out_of_git() -> None:
    assert "instance/" in (ROOT / ".gitignore").read_text().splitlines()


def test_values_are_parsed(tmp_path: Path) -> None:
    keys = [Fernet.generate_key().decode() for _ in range(2)]
    settings = Settings.from_env(
        make_env(
            tmp_path,
            DATABASE_URL="postgres://u:p@db.example:5432/pb",
            TOKEN_ENCRYPTION_KEYS=f" {keys[0]} , {keys[1]} ",
            SHOPIFY_ADMIN_ORIGIN="http://127.0.0.1:9000/shops/{shop}/",
            OXYLABS_DELIVERY_LOCATIONS="co.uk=EC1A 1BB, fr=75001",
            SHOPIFY_SCOPES="write_products, read_locations",
            LOG_LEVEL="debug",
        )
    )
    assert settings.database_url == "postgresql+psycopg://u:p@db.example:5432/pb"
    assert settings.token_encryption_keys == tuple(keys)
    assert settings.shopify_admin_url("a.myshopify.com", "/admin/oauth/access_token") == (
        "http://127.0.0.1:9000/shops/a.myshopify.com/admin/oauth/access_token"
    )
    assert settings.delivery_locations["co.uk"] == "EC1A 1BB"
    assert settings.delivery_locations["fr"] == "75001"
    assert settings.delivery_locations["com"] == "90210"
    assert settings.shopify_scopes == ("write_products", "read_locations")
    assert settings.log_level == "DEBUG"


def test_secrets_are_not_in_repr(tmp_path: Path) -> None:
    settings = Settings.from_env(make_env(tmp_path, OXYLABS_PASSWORD="hunter2-secret"))
    text = repr(settings)
    assert "hunter2-secret" not in text
    assert settings.shopify_api_secret not in text
    assert settings.secret_key not in text


BAD_VALUES = [
    ("PRICEBRIDGE_ENV", "staging", "not one of"),
    ("DATABASE_URL", "mysql://localhost/pb", "postgresql:// or sqlite://"),
    ("REDIS_URL", "http://localhost:6379", "redis"),
    ("REDIS_URL", "redis://", "no host"),
    ("SECRET_KEY", "short", "at least 32"),
    ("TOKEN_ENCRYPTION_KEYS", "not-a-key", "key 1 is not"),
    ("TOKEN_ENCRYPTION_KEYS", f"{Fernet.generate_key().decode()},nope", "key 2 is not"),
    ("TOKEN_ENCRYPTION_KEYS", " , ", "at least one"),
    ("SHOPIFY_APP_URL", "ftp://example.com", "http or https"),
    ("SHOPIFY_API_VERSION", "2026-13", "malformed"),
    ("SHOPIFY_ADMIN_ORIGIN", "https://admin.example", "{shop}"),
    ("SHOPIFY_SCOPES", "write_products,drop_tables", "drop_tables"),
    ("APP_BRIDGE_SRC", "javascript:alert(1)", "http or https"),
    ("OXYLABS_REALTIME_URL", "not a url", "http or https"),
    ("OXYLABS_DELIVERY_LOCATIONS", "com:90210", "MARKETPLACE=LOCATION"),
    ("OXYLABS_DELIVERY_LOCATIONS", "com=<script>", "postal code"),
    ("OXYLABS_MONTHLY_BUDGET", "lots", "whole number"),
    ("OXYLABS_MONTHLY_BUDGET", "-1", "below the minimum"),
    ("SCHEDULER_TICK_SECONDS", "0", "outside"),
    ("SCHEDULER_TICK_SECONDS", "soon", "not a number"),
    ("LOG_LEVEL", "LOUD", "not one of"),
    ("LOG_FORMAT", "xml", "not one of"),
    ("METRICS_PORT", "http", "whole number"),
    ("METRICS_PORT", "70000", "above the maximum"),
]


@pytest.mark.parametrize(("name", "value", "message"), BAD_VALUES)
def test_each_bad_value_fails_naming_the_variable(
    tmp_path: Path, name: str, value: str, message: str
) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(make_env(tmp_path, **{name: value}))
    assert caught.value.name == name
    assert str(caught.value).startswith(f"{name}: ")
    assert message in str(caught.value)


def test_production_requires_real_secrets(tmp_path: Path) -> None:
    env = make_env(tmp_path, PRICEBRIDGE_ENV="production")
    with pytest.raises(SettingsError, match="DATABASE_URL: is required"):
        Settings.from_env(env)
    assert not (tmp_path / "instance" / "secrets.json").exists()


def test_corrupt_secrets_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "secrets.json").write_text("{not json")
    with pytest.raises(SettingsError, match=r"INSTANCE_PATH: .*secrets\.json is not valid JSON"):
        Settings.from_env({"INSTANCE_PATH": str(tmp_path)})


def test_readme_documents_every_setting(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text()
    names = Settings.variables_read(make_env(tmp_path))
    undocumented = sorted(name for name in names if f"`{name}`" not in readme)
    assert undocumented == []
