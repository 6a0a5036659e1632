"""Health checks: /livez says the process runs; /readyz says its dependencies answer."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from flask import Blueprint, Flask, current_app, jsonify
from flask.typing import ResponseReturnValue
from redis import Redis
from redis.exceptions import TimeoutError as RedisTimeout
from sqlalchemy import text

from app.broker import current_broker
from app.extensions import db

CHECK_TIMEOUT_SECONDS = 1.0

bp = Blueprint("health", __name__)
# A few threads so that one dependency hanging never holds up the other's check.
_executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="readyz")


@bp.get("/livez")
def livez() -> ResponseReturnValue:
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> ResponseReturnValue:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    results = dependency_checks(app)
    ready = all(result == "ok" for result in results.values())
    return jsonify(status="ok" if ready else "unavailable", checks=results), 200 if ready else 503


def dependency_checks(app: Flask) -> dict[str, str]:
    """``{"database": "ok" | why not, "redis": ...}``, each check limited to one second."""
    with app.app_context():
        redis_url = current_broker().url
    checks = {
        "database": lambda: _ping_database(app),
        "redis": lambda: _ping_redis(redis_url),
    }
    return {name: _run_with_timeout(check) for name, check in checks.items()}


def _ping_database(app: Flask) -> None:
    with app.app_context(), db.engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def _ping_redis(url: str) -> None:
    # A private client with 1-second socket timeouts; the shared one may wait longer.
    probe = Redis.from_url(
        url, socket_timeout=CHECK_TIMEOUT_SECONDS, socket_connect_timeout=CHECK_TIMEOUT_SECONDS
    )
    try:
        probe.ping()
    finally:
        probe.close()


def _run_with_timeout(check: Callable[[], None]) -> str:
    future = _executor.submit(check)
    try:
        future.result(timeout=CHECK_TIMEOUT_SECONDS)
    except (FutureTimeout, RedisTimeout, TimeoutError):
        # The deadline and the client's own socket timeout are both one second; whichever
        # fires first on a busy machine, the answer is the same.
        return f"timed out after {CHECK_TIMEOUT_SECONDS:g}s"
    except Exception as error:  # noqa: BLE001 - a failed check is reported, not raised
        return f"{type(error).__name__}: {error}"
    return "ok"
