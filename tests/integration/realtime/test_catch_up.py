"""GET /api/events and reconnects: nothing lost, nothing repeated, 410 when history is gone."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.broker import current_broker
from app.realtime.events import publish_event
from app.realtime.hub import current_hub
from tests.integration.factories import auth, installed
from tests.integration.realtime.peers import open_client, receive_json
from tests.support import serving

# Events made up to exercise the transport: their payloads are not the backend's.
pytestmark = pytest.mark.synthetic_events

A, B = "a.myshopify.com", "b.myshopify.com"


@pytest.fixture
def base(app: Flask) -> Iterator[str]:
    with serving(app) as url:
        yield url


def catch_up(client: FlaskClient, after: int, **params: Any) -> Any:
    query = "&".join(f"{k}={v}" for k, v in {"after": after, **params}.items())
    return client.get(f"/api/events?{query}", headers=auth(A))


def test_catch_up_returns_the_shops_events_after_n_in_order(client: FlaskClient) -> None:
    shop_a, shop_b = installed(A), installed(B)
    for n in range(5):
        publish_event(shop_a.id, "observation", {"n": n})
    publish_event(shop_b.id, "observation", {"n": "b"})
    body = catch_up(client, 2).get_json()
    assert [(e["seq"], e["data"]["n"]) for e in body["events"]] == [(3, 2), (4, 3), (5, 4)]
    assert (body["seq"], body["has_more"]) == (5, False)
    assert catch_up(client, 5).get_json() == {"events": [], "seq": 5, "has_more": False}
    paged = catch_up(client, 0, limit=2).get_json()
    assert ([e["seq"] for e in paged["events"]], paged["has_more"]) == ([1, 2], True)


def test_a_fresh_shop_catches_up_from_zero(client: FlaskClient) -> None:
    installed(A)
    assert catch_up(client, 0).get_json() == {"events": [], "seq": 0, "has_more": False}


def test_after_older_than_what_is_held_is_a_410_telling_the_client_to_reload(
    client: FlaskClient,
) -> None:
    shop = installed(A)
    for n in range(10):
        publish_event(shop.id, "observation", {"n": n})
    current_broker().redis.xtrim(f"pricebridge:shop:{shop.id}:stream", maxlen=3, approximate=False)
    response = catch_up(client, 2)
    assert response.status_code == 410
    error = response.get_json()["error"]
    assert error["code"] == "events_expired"
    assert error["details"]["action"] == "reload"
    assert error["details"]["oldest_held"] == 8
    assert [e["seq"] for e in catch_up(client, 7).get_json()["events"]] == [8, 9, 10]


def test_after_ahead_of_the_stream_means_it_restarted_410(client: FlaskClient) -> None:
    shop = installed(A)
    publish_event(shop.id, "observation", {})
    response = catch_up(client, 40)
    assert response.status_code == 410
    assert response.get_json()["error"]["code"] == "events_expired"


@pytest.mark.parametrize(
    "query",
    [
        "",
        "after=-1",
        "after=x",
        "after=1.5",
        "after=99999999999999999999",
        "after=1&limit=0",
        "after=1&limit=501",
        "after=1&since=3",
    ],
)
def test_bad_catch_up_queries_are_422(client: FlaskClient, query: str) -> None:
    installed(A)
    response = client.get(f"/api/events?{query}", headers=auth(A))
    assert response.status_code == 422
    assert response.get_json()["error"]["code"]


def test_catch_up_needs_a_session_token(client: FlaskClient) -> None:
    assert client.get("/api/events?after=0").status_code == 401


def test_a_client_that_reconnects_after_a_gap_loses_and_repeats_nothing(
    app: Flask, client: FlaskClient, base: str
) -> None:
    shop = installed(A)
    seen: list[int] = []
    ws, ready = open_client(base, A)
    for n in range(3):
        publish_event(shop.id, "observation", {"n": n})
    seen += [m["seq"] for m in receive_json(ws, 3)]
    ws.close()
    for n in range(3, 6):  # published while the client is away
        publish_event(shop.id, "price_change", {"n": n})

    ws, ready = open_client(base, A)
    publish_event(shop.id, "push", {"n": 6})
    live = receive_json(ws, 1)
    missed = catch_up(client, seen[-1]).get_json()["events"]
    seen += [e["seq"] for e in missed if e["seq"] <= ready["seq"]]
    seen += [m["seq"] for m in live if m["seq"] > ready["seq"]]
    ws.close()
    assert seen == list(range(1, 8))


def test_the_feed_resubscribes_after_redis_drops_it_and_the_socket_misses_nothing(
    app: Flask, base: str
) -> None:
    shop = installed(A)
    ws, _ = open_client(base, A)
    redis = current_broker().redis
    feed = current_hub().feed
    before = feed.reconnects  # type: ignore[attr-defined]
    db = redis.connection_pool.connection_kwargs.get("db", 0)
    killed = 0
    for entry in redis.client_list():
        if int(entry.get("db", -1)) == db and int(entry.get("psub", 0)) > 0:
            killed += redis.client_kill_filter(_id=entry["id"])
    assert killed >= 1
    for n in range(20):  # some land while the feed is deaf
        publish_event(shop.id, "observation", {"n": n})
    messages = receive_json(ws, 20, timeout=10)
    ws.close()
    assert [m["seq"] for m in messages] == list(range(1, 21))
    assert feed.reconnects > before  # type: ignore[attr-defined]
