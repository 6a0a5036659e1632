from __future__ import annotations

import socket
import time
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_livez_answers_without_touching_dependencies(make_app: Callable[..., Flask]) -> None:
    app = make_app(
        DATABASE_URL=f"postgresql://nobody@127.0.0.1:{closed_port()}/none",
        REDIS_URL=f"redis://127.0.0.1:{closed_port()}/0",
    )
    response = app.test_client().get("/livez")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_is_ok_when_postgres_and_redis_answer(client: FlaskClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ok",
        "checks": {"database": "ok", "redis": "ok"},
    }


def test_readyz_is_503_when_redis_is_unreachable(make_app: Callable[..., Flask]) -> None:
    app = make_app(
        REDIS_URL=f"redis://127.0.0.1:{closed_port()}/0",
    )
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "ok"
    assert "ConnectionError" in body["checks"]["redis"]


def test_readyz_is_503_when_postgres_is_unreachable(make_app: Callable[..., Flask]) -> None:
    app = make_app(
        DATABASE_URL=f"postgresql://nobody@127.0.0.1:{closed_port()}/none",
    )
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["checks"]["redis"] == "ok"
    assert body["checks"]["database"] != "ok"


def test_readyz_times_out_after_one_second_on_a_silent_redis(
    make_app: Callable[..., Flask],
) -> None:
    # A listening socket that never answers: the check must give up after 1 s.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        app = make_app(
            REDIS_URL=f"redis://127.0.0.1:{silent.getsockname()[1]}/0",
        )
        started = time.monotonic()
        response = app.test_client().get("/readyz")
        elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert response.get_json()["checks"]["redis"] == "timed out after 1s"
    assert elapsed < 2.5


def test_every_response_carries_a_request_id(client: FlaskClient) -> None:
    generated = client.get("/livez").headers["X-Request-Id"]
    assert len(generated) == 32
    echoed = client.get("/livez", headers={"X-Request-Id": "abc-123"})
    assert echoed.headers["X-Request-Id"] == "abc-123"
    for unsafe in ("<script>", "x" * 129):
        replaced = client.get("/livez", headers={"X-Request-Id": unsafe})
        assert len(replaced.headers["X-Request-Id"]) == 32
