"""Thread-safe in-memory registry of the simulated Shopify: shops, installs, tokens and codes.

Lifecycles follow Shopify's documented behaviour: expiring offline tokens last an hour and come
with a refresh token that rotates on use; a used refresh token stays retryable until its
replacement is used (changelog "More resilient refreshes", Aug 2026) unless `refresh_recovery` is
off; a non-expiring token migrated to an expiring one stops working for the API, and retrying the
migration within seven days returns the same pair until that pair is refreshed.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import replace
from datetime import datetime, timedelta

from simulators.shopify.records import (
    INVALID_CODE,
    INVALID_GRANT,
    INVALID_SUBJECT,
    AccessToken,
    AuthCode,
    GrantError,
    Lifetimes,
    Mode,
    RefreshToken,
    ShopRecord,
    SimClock,
    TokenGrant,
    User,
    new_token_value,
)


class Registry:
    """Every mutable fact of the simulated Shopify, guarded by one lock."""

    def __init__(
        self, clock: SimClock, lifetimes: Lifetimes, *, refresh_recovery: bool = True
    ) -> None:
        self.clock = clock
        self.lifetimes = lifetimes
        self.refresh_recovery = refresh_recovery
        self._lock = threading.RLock()
        self._shops: dict[str, ShopRecord] = {}
        self._access: dict[str, AccessToken] = {}
        self._refresh: dict[str, RefreshToken] = {}
        self._codes: dict[str, AuthCode] = {}

    # -- shops -----------------------------------------------------------------------------

    def shop(self, domain: str) -> ShopRecord | None:
        with self._lock:
            record = self._shops.get(domain)
            return replace(record) if record else None

    def shops(self) -> list[ShopRecord]:
        with self._lock:
            return [replace(r) for r in self._shops.values()]

    def install(self, domain: str, scopes: tuple[str, ...]) -> tuple[str, ...] | None:
        """Install (or update the grant); returns the previous scopes when they changed."""
        with self._lock:
            record = self._shops.setdefault(domain, ShopRecord(domain))
            previous = record.scopes if record.installed else None
            record.installed, record.scopes = True, scopes
            return previous if previous is not None and previous != scopes else None

    def uninstall(self, domain: str) -> bool:
        """Mark the shop uninstalled and revoke every token and code it holds."""
        with self._lock:
            record = self._shops.get(domain)
            if record is None or not record.installed:
                return False
            record.installed = False
            for token in self._access.values():
                if token.shop == domain:
                    token.revoked = True
            for value in [v for v, r in self._refresh.items() if r.shop == domain]:
                self._refresh[value].retired = True
            for value in [v for v, c in self._codes.items() if c.shop == domain]:
                del self._codes[value]
            return True

    def is_installed(self, domain: str) -> bool:
        with self._lock:
            record = self._shops.get(domain)
            return bool(record and record.installed)

    # -- issuing ---------------------------------------------------------------------------

    def _scope(self, domain: str) -> str:
        return ",".join(self._shops[domain].scopes)

    def _issue(self, domain: str, mode: Mode, *, expiring: bool, user: User | None) -> TokenGrant:
        now, life = self.clock.now(), self.lifetimes
        scope = self._scope(domain)
        if mode == "online":
            value = new_token_value("shpua_")
            self._access[value] = AccessToken(
                value, domain, mode, scope, now + timedelta(seconds=life.online), user
            )
            return TokenGrant(value, scope, expires_in=life.online, user=user)
        value = new_token_value("shpat_")
        if not expiring:
            self._access[value] = AccessToken(value, domain, mode, scope, None)
            return TokenGrant(value, scope)
        self._access[value] = AccessToken(
            value, domain, mode, scope, now + timedelta(seconds=life.access)
        )
        refresh = new_token_value("shprt_")
        self._refresh[refresh] = RefreshToken(
            refresh, domain, value, now + timedelta(seconds=life.refresh)
        )
        return self._pair_grant(self._refresh[refresh])

    def _pair_grant(self, refresh: RefreshToken) -> TokenGrant:
        access = self._access[refresh.access_token]
        now = self.clock.now()
        assert access.expires_at is not None
        return TokenGrant(
            access.value,
            access.scope,
            expires_in=max(0, round((access.expires_at - now).total_seconds())),
            refresh_token=refresh.value,
            refresh_token_expires_in=max(0, round((refresh.expires_at - now).total_seconds())),
        )

    def issue(
        self, domain: str, mode: Mode, *, expiring: bool, user_id: str | None = None
    ) -> TokenGrant:
        """Issue a token for an installed shop (token exchange after its checks passed)."""
        with self._lock:
            record = self._shops.get(domain)
            if record is None or not record.installed:
                raise GrantError("invalid_client", "The app is not installed on this shop", 401)
            user = record.user(user_id) if mode == "online" else None
            return self._issue(domain, mode, expiring=expiring, user=user)

    # -- refresh and migration -------------------------------------------------------------

    def refresh(self, domain: str, value: str) -> TokenGrant:
        with self._lock:
            now = self.clock.now()
            token = self._refresh.get(value)
            if token is None or token.shop != domain or token.retired or token.expires_at <= now:
                raise INVALID_GRANT
            if token.successor is not None:
                return self._retry_refresh(token, now)
            token.first_used_at = now
            return self._rotate(token)

    def _rotate(self, token: RefreshToken) -> TokenGrant:
        if token.predecessor is not None:
            # Using the replacement is what retires its predecessor.
            self._refresh[token.predecessor].retired = True
        grant = self._issue(token.shop, "offline", expiring=True, user=None)
        assert grant.refresh_token is not None
        self._refresh[grant.refresh_token].predecessor = token.value
        token.successor = grant.refresh_token
        return grant

    def _retry_refresh(self, token: RefreshToken, now: datetime) -> TokenGrant:
        assert token.successor is not None
        assert token.first_used_at is not None
        window = timedelta(seconds=self.lifetimes.refresh_recovery)
        successor = self._refresh[token.successor]
        if not self.refresh_recovery or now > token.first_used_at + window:
            raise INVALID_GRANT
        # The lost replacement pair is superseded by the one issued now.
        successor.retired = True
        self._access[successor.access_token].revoked = True
        return self._rotate(token)

    def migrate(self, domain: str, value: str) -> TokenGrant:
        """Exchange a non-expiring offline token for an expiring pair."""
        with self._lock:
            now = self.clock.now()
            old = self._access.get(value)
            if old is None or old.shop != domain or old.revoked or old.mode != "offline":
                raise INVALID_SUBJECT
            if old.expires_at is not None:
                raise INVALID_SUBJECT
            if old.migrated_to is not None:
                return self._retry_migration(old, now)
            grant = self._issue(domain, "offline", expiring=True, user=None)
            window = timedelta(seconds=self.lifetimes.migration_recovery)
            old.migrated_to = (grant.access_token, now + window)
            return grant

    def _retry_migration(self, old: AccessToken, now: datetime) -> TokenGrant:
        assert old.migrated_to is not None
        pair_access, deadline = old.migrated_to
        refresh = next(r for r in self._refresh.values() if r.access_token == pair_access)
        if now > deadline or refresh.successor is not None or refresh.retired:
            raise INVALID_SUBJECT
        access = self._access[pair_access]
        minimum = now + timedelta(seconds=self.lifetimes.access)
        if access.expires_at is None or access.expires_at < minimum:
            access.expires_at = minimum
        return self._pair_grant(refresh)

    # -- authorization codes ---------------------------------------------------------------

    def create_code(self, domain: str, mode: Mode) -> str:
        with self._lock:
            value = secrets.token_hex(16)
            expires = self.clock.now() + timedelta(seconds=self.lifetimes.code)
            self._codes[value] = AuthCode(value, domain, mode, self._scope(domain), expires)
            return value

    def redeem_code(self, domain: str, value: str, *, expiring: bool) -> TokenGrant:
        with self._lock:
            code = self._codes.pop(value, None)
            if code is None or code.shop != domain or code.expires_at <= self.clock.now():
                raise INVALID_CODE
            user = self._shops[domain].user(None) if code.mode == "online" else None
            return self._issue(domain, code.mode, expiring=expiring, user=user)

    # -- checks used by the Admin API and the control endpoints ----------------------------

    def authorize(self, domain: str, value: str) -> bool:
        """Whether `value` is a live access token for `domain`."""
        with self._lock:
            token = self._access.get(value)
            record = self._shops.get(domain)
            if token is None or record is None or not record.installed:
                return False
            if token.shop != domain or token.revoked or token.migrated_to is not None:
                return False
            return token.expires_at is None or token.expires_at > self.clock.now()

    def expire_tokens(self, domain: str) -> int:
        """Make every live access token of the shop expire now; refresh tokens stay usable."""
        with self._lock:
            now, count = self.clock.now(), 0
            for token in self._access.values():
                live = token.expires_at is None or token.expires_at > now
                if token.shop == domain and not token.revoked and live:
                    token.expires_at, count = now, count + 1
            return count
