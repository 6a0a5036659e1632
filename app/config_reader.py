"""Parsing environment variables for `Settings`: each helper names the variable it reads.

Kept apart from `app/config.py` so that the settings themselves read as one list.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

from cryptography.fernet import Fernet

ENVIRONMENTS: Final = ("development", "test", "production")
LOG_FORMATS: Final = ("json", "text")
LOG_LEVELS: Final = ("DEBUG", "INFO", "WARNING", "ERROR")
DEFAULT_SCOPES: Final = ("write_products", "write_inventory", "read_locations")
API_VERSION_RE: Final = re.compile(r"^\d{4}-(01|04|07|10)$|^unstable$")
SCOPE_RE: Final = re.compile(r"^(read|write|unauthenticated_read|unauthenticated_write)_[a-z_]+$")
ZIP_OR_POSTCODE_RE: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 -]{1,15}$")
MARKETPLACE_RE: Final = re.compile(r"^[a-z]{2,3}(\.[a-z]{2,3})?$")
DEFAULT_DELIVERY_LOCATIONS: Final = {"com": "90210", "co.uk": "SW1A 1AA", "de": "10115"}


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"{name}: {problem}")
        self.name = name


class EnvReader:
    """Parses one variable at a time and names it in every error."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env
        self.seen: set[str] = set()

    def text(self, name: str, *, default: str) -> str:
        self.seen.add(name)
        return self.env.get(name, default).strip()

    def choice(
        self, name: str, options: tuple[str, ...], *, default: str, upper: bool = False
    ) -> str:
        raw = self.text(name, default=default)
        value = raw.upper() if upper else raw.lower()
        if value not in options:
            raise SettingsError(name, f"{raw!r} is not one of {', '.join(options)}")
        return value

    def integer(self, name: str, *, default: int, minimum: int, maximum: int | None = None) -> int:
        raw = self.text(name, default=str(default))
        try:
            value = int(raw)
        except ValueError:
            raise SettingsError(name, f"{raw!r} is not a whole number") from None
        if value < minimum:
            raise SettingsError(name, f"{value} is below the minimum of {minimum}")
        if maximum is not None and value > maximum:
            raise SettingsError(name, f"{value} is above the maximum of {maximum}")
        return value

    def number(self, name: str, *, default: float, minimum: float, maximum: float) -> float:
        raw = self.text(name, default=str(default))
        try:
            value = float(raw)
        except ValueError:
            raise SettingsError(name, f"{raw!r} is not a number") from None
        if not minimum <= value <= maximum:
            raise SettingsError(name, f"{value} is outside {minimum}..{maximum}")
        return value

    def matching(self, name: str, pattern: re.Pattern[str], *, default: str, example: str) -> str:
        value = self.text(name, default=default)
        if not pattern.match(value):
            raise SettingsError(name, f"{value!r} is malformed (expected e.g. {example!r})")
        return value

    def url(self, name: str, *, schemes: tuple[str, ...], default: str | None) -> str | None:
        value = self.text(name, default=default or "")
        if not value:
            return None
        parts = urlsplit(value)
        if parts.scheme not in schemes:
            raise SettingsError(name, f"{value!r} must start with {' or '.join(schemes)}://")
        if parts.scheme != "unix" and not parts.hostname:
            raise SettingsError(name, f"{value!r} has no host")
        return value

    def redis_url(self, name: str) -> str:
        value = self.url(
            name, schemes=("redis", "rediss", "unix"), default="redis://127.0.0.1:6379/0"
        )
        assert value is not None  # a non-empty default always yields a value
        return value

    def http_url(self, name: str, *, default: str) -> str:
        value = self.url(name, schemes=("http", "https"), default=default)
        assert value is not None  # a non-empty default always yields a value
        return value.rstrip("/")

    def database_url(self, name: str, *, default: str) -> str:
        value = self.text(name, default=default)
        # Heroku-style URLs name the dialect "postgres"; SQLAlchemy wants a driver too.
        for prefix in ("postgres://", "postgresql://"):
            if value.startswith(prefix):
                value = "postgresql+psycopg://" + value[len(prefix) :]
        if not value.startswith(("postgresql+psycopg://", "sqlite://")):
            raise SettingsError(name, f"{value!r} must be a postgresql:// or sqlite:// URL")
        return value

    def fernet_keys(self, name: str, raw: str) -> tuple[str, ...]:
        keys = tuple(part.strip() for part in raw.split(",") if part.strip())
        if not keys:
            raise SettingsError(name, "needs at least one Fernet key")
        for position, key in enumerate(keys, start=1):
            try:
                Fernet(key)
            except ValueError:
                raise SettingsError(
                    name, f"key {position} is not a urlsafe-base64 32-byte Fernet key"
                ) from None
        return keys

    def admin_origin(self, name: str) -> str:
        value = self.text(name, default="https://{shop}").rstrip("/")
        if "{shop}" not in value:
            raise SettingsError(name, f"{value!r} must contain the {{shop}} placeholder")
        self.url(name, schemes=("http", "https"), default=value.replace("{shop}", "x.test"))
        return value

    def scopes(self, name: str) -> tuple[str, ...]:
        raw = self.text(name, default=",".join(DEFAULT_SCOPES))
        scopes = tuple(part.strip() for part in raw.split(",") if part.strip())
        bad = [scope for scope in scopes if not SCOPE_RE.match(scope)]
        if bad or not scopes:
            raise SettingsError(name, f"{', '.join(bad) or raw!r} is not a Shopify access scope")
        return scopes

    def delivery_locations(self, name: str) -> Mapping[str, str]:
        raw = self.text(name, default="")
        locations = dict(DEFAULT_DELIVERY_LOCATIONS)
        for item in filter(None, (part.strip() for part in raw.split(","))):
            marketplace, sep, location = (piece.strip() for piece in item.partition("="))
            if not sep or not MARKETPLACE_RE.match(marketplace):
                raise SettingsError(name, f"{item!r} is not MARKETPLACE=LOCATION (com=90210)")
            if not ZIP_OR_POSTCODE_RE.match(location):
                raise SettingsError(name, f"{location!r} is not a postal code for {marketplace}")
            locations[marketplace] = location
        return locations


class DevelopmentSecrets:
    """Secrets for a zero-setup run, generated once into instance/secrets.json (0600)."""

    def __init__(self, instance: Path) -> None:
        self.path = instance / "secrets.json"

    def get(self, name: str, make: Callable[[], str]) -> str:
        stored = self._load()
        if name not in stored:
            stored[name] = make()
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.path.with_suffix(".tmp")
            temporary.write_text(json.dumps(stored, indent=2, sort_keys=True))
            temporary.chmod(0o600)
            temporary.replace(self.path)
        return stored[name]

    def _load(self) -> dict[str, str]:
        if not self.path.exists():
            return {}
        try:
            stored = json.loads(self.path.read_text())
        except json.JSONDecodeError as error:
            raise SettingsError(
                "INSTANCE_PATH", f"{self.path} is not valid JSON: {error}"
            ) from None
        if not isinstance(stored, dict) or not all(isinstance(v, str) for v in stored.values()):
            raise SettingsError("INSTANCE_PATH", f"{self.path} must map names to strings")
        return stored
