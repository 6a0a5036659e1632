"""A scan of the whole suite's log output for every secret and token the tests made.

Loaded by tests/conftest.py. While the suite runs:

- every log record of the test process is written through PriceBridge's own filter and
  formatter (ECS JSON, as production writes it) to one file;
- every secret the tests make is remembered: the secrets in each `Settings` (SECRET_KEY,
  TOKEN_ENCRYPTION_KEYS, SHOPIFY_API_SECRET and its predecessor, OXYLABS_PASSWORD and its
  Basic credentials), every token the app encrypts or decrypts (Shopify access and refresh
  tokens, whoever issued them), and every session token signed for a test;
- a last item, ``no secret or token in the suite's log``, runs after every test and fails,
  naming the kind of secret and the logger, if any of them appears in the log: as is,
  URL-quoted or JSON-escaped.

Other suites that run the app in processes of their own (tests/reliability) add their log
files with `watch_log_file` and the secrets they hand those processes with `remember`.

The test server's own request lines (logger ``werkzeug``) are not the app's log: production
serves through gunicorn with its access log off, and the app logs the path of each request
without its query string (app/observability/logging.py).
"""

from __future__ import annotations

import base64
import json
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest

from app.config import Settings
from app.crypto import TokenCipher
from app.observability.logging import ContextFilter, EcsFormatter

SHORTEST_SECRET = 8  # shorter values ("x") would match by accident, and are no test's secret
NOT_THE_APPS_LOG = frozenset({"werkzeug"})
SCAN_ITEM_NAME = "no secret or token in the suite's log"


@dataclass(frozen=True)
class Leak:
    kind: str
    line_number: int
    logger: str


class SecretLog:
    """The secrets made so far, and the log lines written so far."""

    def __init__(self) -> None:
        self.secrets: dict[str, str] = {}
        self.files: list[Path] = []
        handle, name = tempfile.mkstemp(prefix="pricebridge-suite-", suffix=".log")
        self.path = Path(name)
        self._stream = open(handle, "w", encoding="utf-8")  # noqa: SIM115 - open for the session

    def remember(self, kind: str, value: str | None) -> None:
        if value and len(value) >= SHORTEST_SECRET:
            self.secrets.setdefault(value, kind)

    def write(self, line: str) -> None:
        self._stream.write(line + "\n")
        self._stream.flush()

    def close(self) -> None:
        self._stream.close()
        self.path.unlink(missing_ok=True)

    def leaks(self) -> list[Leak]:
        forms = {form: kind for secret, kind in self.secrets.items() for form in _forms(secret)}
        found = []
        for path in [self.path, *self.files]:
            if not path.exists():
                continue
            with path.open(encoding="utf-8", errors="replace") as lines:
                for number, line in enumerate(lines, start=1):
                    for form, kind in forms.items():
                        if form in line:
                            found.append(Leak(kind, number, f"{path.name}: {_logger_of(line)}"))
        return found


def _forms(secret: str) -> set[str]:
    return {secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1]}


def _logger_of(line: str) -> str:
    try:
        return str(json.loads(line).get("log", {}).get("logger", "?"))
    except (ValueError, AttributeError):
        return "?"


SUITE = SecretLog()


def remember(kind: str, value: str | None) -> None:
    """Count ``value`` among the secrets the log must never show."""
    SUITE.remember(kind, value)


def watch_log_file(path: Path) -> None:
    """Scan ``path`` too at the end (the log of a process the test started)."""
    SUITE.files.append(path)


class _Recorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.NOTSET)
        self.addFilter(ContextFilter())
        self.setFormatter(EcsFormatter())

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.split(".")[0] in NOT_THE_APPS_LOG:
            return
        try:
            SUITE.write(self.format(record))
        except Exception:  # noqa: BLE001 - logging's own contract: report, never raise
            self.handleError(record)


def _remember_settings(settings: Settings) -> None:
    remember("SECRET_KEY", settings.secret_key)
    for key in settings.token_encryption_keys:
        remember("TOKEN_ENCRYPTION_KEYS", key)
    remember("SHOPIFY_API_SECRET", settings.shopify_api_secret)
    remember("SHOPIFY_API_SECRET_PREVIOUS", settings.shopify_api_secret_previous)
    remember("OXYLABS_PASSWORD", settings.oxylabs_password)
    if settings.oxylabs_password:
        basic = f"{settings.oxylabs_username}:{settings.oxylabs_password}".encode()
        remember("Oxylabs Basic credentials", base64.b64encode(basic).decode())


def _install_spies() -> None:
    """Wrap where secrets are made or handled, so that each one is remembered."""
    from simulators.shopify import auth

    original_from_reader = Settings._from_reader.__func__  # type: ignore[attr-defined]

    def from_reader(cls: type[Settings], *args: Any, **kwargs: Any) -> Settings:
        settings: Settings = original_from_reader(cls, *args, **kwargs)
        _remember_settings(settings)
        return settings

    Settings._from_reader = classmethod(from_reader)  # type: ignore[assignment,method-assign]

    encrypt, decrypt = TokenCipher.encrypt, TokenCipher.decrypt

    def spying_encrypt(self: TokenCipher, plaintext: str) -> str:
        remember("a Shopify token the app stored", plaintext)
        return encrypt(self, plaintext)

    def spying_decrypt(self: TokenCipher, ciphertext: str) -> str:
        plaintext = decrypt(self, ciphertext)
        remember("a Shopify token the app stored", plaintext)
        return plaintext

    TokenCipher.encrypt = spying_encrypt  # type: ignore[method-assign]
    TokenCipher.decrypt = spying_decrypt  # type: ignore[method-assign]

    sign = auth.encode_hs256

    def spying_sign(claims: dict[str, Any], secret: str) -> str:
        token = sign(claims, secret)
        remember("a session token", token)
        return token

    auth.encode_hs256 = spying_sign


class SecretScan(pytest.Item):
    def runtest(self) -> None:
        leaks = SUITE.leaks()
        if leaks:
            shown = "\n".join(
                f"  {leak.kind} in line {leak.line_number} ({leak.logger})" for leak in leaks[:20]
            )
            raise AssertionError(f"{len(leaks)} secret(s) in the suite's log:\n{shown}")

    def reportinfo(self) -> tuple[Path, int, str]:
        return Path(__file__), 0, SCAN_ITEM_NAME


def pytest_configure(config: pytest.Config) -> None:
    _install_spies()
    logging.getLogger().addHandler(_Recorder())


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session: pytest.Session, items: list[pytest.Item]) -> None:
    if items:
        items.append(SecretScan.from_parent(session, name=SCAN_ITEM_NAME))


def pytest_unconfigure(config: pytest.Config) -> None:
    SUITE.close()
