"""The simulated Shopify's records: shops, users, tokens, codes, grants, and its clock."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

Clock = Callable[[], datetime]
Mode = Literal["offline", "online"]


def utc_now() -> datetime:
    return datetime.now(UTC)


class SimClock:
    """The injected clock plus an offset that tests advance instead of sleeping."""

    def __init__(self, base: Clock) -> None:
        self._base = base
        self._offset = timedelta()
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._base() + self._offset

    def advance(self, seconds: float) -> datetime:
        if seconds < 0:
            raise ValueError(f"clock can only move forward, got advance={seconds!r}")
        with self._lock:
            self._offset += timedelta(seconds=seconds)
        return self.now()


@dataclass(frozen=True)
class Lifetimes:
    """Token lifetimes in seconds; defaults from the token_exchange_examples fixture."""

    access: int = 3600
    online: int = 86399
    refresh: int = 2592000
    code: int = 300
    refresh_recovery: int = 30 * 86400
    migration_recovery: int = 7 * 86400

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if value <= 0:
                raise ValueError(f"Lifetimes.{name} must be positive, got {value!r}")


@dataclass(frozen=True)
class User:
    id: int
    first_name: str
    last_name: str
    email: str
    account_owner: bool = True
    locale: str = "en"
    collaborator: bool = False
    email_verified: bool = True

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "email": self.email,
            "email_verified": self.email_verified,
            "account_owner": self.account_owner,
            "locale": self.locale,
            "collaborator": self.collaborator,
        }


# The merchant of every simulated shop: the user of Shopify's documented online-token example.
DEMO_USER = User(902541635, "John", "Smith", "john@example.com")


class GrantError(Exception):
    """An OAuth error answer: `error` code, description and HTTP status, as Shopify sends them."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status

    def as_json(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


INVALID_GRANT = GrantError("invalid_grant", "The refresh token is invalid or expired")
INVALID_SUBJECT = GrantError(
    "invalid_subject_token",
    "Token exchange cannot be performed due to an invalid subject token.",
)
INVALID_CODE = GrantError(
    "invalid_request", "The authorization code was not found or was already used"
)


@dataclass(frozen=True)
class TokenGrant:
    """One successful answer of the token endpoint."""

    access_token: str
    scope: str
    expires_in: int | None = None
    refresh_token: str | None = None
    refresh_token_expires_in: int | None = None
    user: User | None = None

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"access_token": self.access_token, "scope": self.scope}
        if self.expires_in is not None:
            body["expires_in"] = self.expires_in
        if self.refresh_token is not None:
            body["refresh_token"] = self.refresh_token
            body["refresh_token_expires_in"] = self.refresh_token_expires_in
        if self.user is not None:
            body["associated_user_scope"] = self.scope
            body["associated_user"] = self.user.as_json()
        return body


@dataclass
class AccessToken:
    value: str
    shop: str
    mode: Mode
    scope: str
    expires_at: datetime | None
    user: User | None = None
    revoked: bool = False
    # Set on a non-expiring token once migrated: (pair access token, recovery deadline).
    migrated_to: tuple[str, datetime] | None = None


@dataclass
class RefreshToken:
    value: str
    shop: str
    access_token: str
    expires_at: datetime
    predecessor: str | None = None
    successor: str | None = None
    first_used_at: datetime | None = None
    retired: bool = False


@dataclass
class AuthCode:
    value: str
    shop: str
    mode: Mode
    scope: str
    expires_at: datetime


@dataclass
class ShopRecord:
    domain: str
    installed: bool = False
    scopes: tuple[str, ...] = ()
    session_id: str = field(default_factory=lambda: secrets.token_hex(8))
    users: tuple[User, ...] = (DEMO_USER,)

    def user(self, user_id: str | int | None) -> User:
        return next((u for u in self.users if str(u.id) == str(user_id)), self.users[0])

    def as_json(self) -> dict[str, Any]:
        return {
            "shop": self.domain,
            "installed": self.installed,
            "scopes": list(self.scopes),
            "users": [u.as_json() for u in self.users],
        }


def new_token_value(prefix: str) -> str:
    return prefix + secrets.token_hex(16)
