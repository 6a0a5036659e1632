"""/ws over real sockets and real Redis: auth, ready, per-shop events, limits, closes."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from simple_websocket import Client

from app.clock import utcnow
from app.extensions import db
from app.realtime.events import publish_event
from app.realtime.hub import current_hub
from app.realtime.protocol import CloseCode
from app.shopify.lifecycle import mark_uninstalled
from tests.integration.factories import installed
from tests.integration.realtime.peers import (
    RawPeer,
    auth_message,
    close_code,
    open_client,
    receive_json,
    ws_url,
)
from tests.support import serving

# Events made up to exercise the transport: their payloads are not the backend's.
pytestmark = pytest.mark.synthetic_events

A, B = "a.myshopify.com", "b.myshopify.com"


@pytest.fixture
def base(app: Flask) -> Iterator[str]:
    with serving(app) as url:
        yield url


def wait_until(condition: Callable[[], bool], timeout: float = 5) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def test_ready_carries_the_current_seq_then_only_the_shops_events_in_order(
    app: Flask, base: str
) -> None:
    shop_a, shop_b = installed(A), installed(B)
    publish_event(shop_a.id, "observation", {"n": 0})
    client, ready = open_client(base, A)
    assert ready == {"type": "ready", "seq": 1}

    publish_event(shop_b.id, "observation", {"n": "other shop"})
    for n in range(1, 4):
        publish_event(shop_a.id, "price_change", {"n": n})
    publish_event(shop_a.id, "usage", {"used": 3, "budget": 100})
    messages = receive_json(client, 4)
    client.close()
    assert [(m["type"], m["seq"], m["data"]) for m in messages] == [
        ("price_change", 2, {"n": 1}),
        ("price_change", 3, {"n": 2}),
        ("price_change", 4, {"n": 3}),
        ("usage", 5, {"used": 3, "budget": 100}),
    ]
    assert all(m["shop_id"] == shop_a.id and m["at"] for m in messages)


def test_a_client_ping_is_answered(app: Flask, base: str) -> None:
    installed(A)
    client, _ = open_client(base, A)
    client.send(json.dumps({"type": "ping"}))
    assert receive_json(client, 1) == [{"type": "pong"}]
    client.close()


@pytest.mark.parametrize(
    ("first", "code"),
    [
        ('{"type": "auth", "token": "not.a.jwt"}', CloseCode.POLICY),
        ('{"type": "auth"}', CloseCode.POLICY),
        ('{"type": "auth", "token": 7}', CloseCode.POLICY),
        ('{"type": "ping"}', CloseCode.POLICY),
        ('{"type": "subscribe", "shop": "b.myshopify.com"}', CloseCode.POLICY),
        ("[1, 2]", CloseCode.INVALID_DATA),
        ("not json", CloseCode.INVALID_DATA),
        (b"\x00\x01", CloseCode.UNSUPPORTED),
        ("x" * 20_000, CloseCode.TOO_BIG),
    ],
)
def test_a_bad_first_message_closes_with_its_code(
    app: Flask, base: str, first: str | bytes, code: CloseCode
) -> None:
    installed(A)
    peer = RawPeer(base)
    if isinstance(first, bytes):
        peer.send_bytes(first)
    else:
        peer.send_text(first)
    assert peer.close_code() == code
    peer.close()


def test_a_token_for_a_shop_that_never_installed_is_refused(app: Flask, base: str) -> None:
    installed(A)
    peer = RawPeer(base)
    peer.send_text(auth_message("stranger.myshopify.com"))
    # Unknown shop: the gate tries a token exchange with Shopify, which is unreachable here.
    assert peer.close_code() in (CloseCode.POLICY, CloseCode.TRY_AGAIN_LATER)
    peer.close()


def test_no_auth_message_in_time_is_a_policy_close(
    app: Flask, make_app: Callable[..., Flask]
) -> None:
    quick = make_app(REALTIME_AUTH_SECONDS="0.3")
    with quick.app_context():
        installed(A)
    with serving(quick) as url:
        peer = RawPeer(url)  # a token in the URL would not count either: none is read there
        started = time.monotonic()
        assert peer.close_code() == CloseCode.POLICY
        assert time.monotonic() - started < 3
        peer.close()


def test_uninstall_closes_every_socket_of_that_shop_only(app: Flask, base: str) -> None:
    shop_a, _ = installed(A), installed(B)
    a1, _ = open_client(base, A)
    a2, _ = open_client(base, A)
    b1, _ = open_client(base, B)
    hub = current_hub()
    assert wait_until(lambda: hub.sockets_of(shop_a.id) == 2)

    mark_uninstalled(shop_a, utcnow())
    assert close_code(a1, timeout=0.3) is None  # nothing happens before the commit
    db.session.commit()
    assert close_code(a1) == CloseCode.SHOP_UNINSTALLED
    assert close_code(a2) == CloseCode.SHOP_UNINSTALLED
    assert wait_until(lambda: hub.sockets_of(shop_a.id) == 0)
    b1.send(json.dumps({"type": "ping"}))
    assert receive_json(b1, 1) == [{"type": "pong"}]
    b1.close()


def test_a_rolled_back_uninstall_closes_nothing(app: Flask, base: str) -> None:
    shop = installed(A)
    client, _ = open_client(base, A)
    mark_uninstalled(shop, utcnow())
    db.session.rollback()
    db.session.commit()
    assert close_code(client, timeout=0.5) is None
    client.close()


def test_over_capacity_a_socket_is_refused_at_once_with_1013(
    app: Flask,
    make_app: Callable[..., Flask],
) -> None:
    small = make_app(REALTIME_MAX_SOCKETS="2")
    with small.app_context():
        installed(A)
    with serving(small) as url:
        held = [open_client(url, A)[0] for _ in range(2)]
        started = time.monotonic()
        refused = Client.connect(ws_url(url))
        assert close_code(refused) == CloseCode.TRY_AGAIN_LATER
        assert time.monotonic() - started < 2
        held[0].close()
        hub = small.extensions["pricebridge.realtime_hub"]
        assert wait_until(lambda: hub.open_sockets == 1)
        again, ready = open_client(url, A)  # room again
        assert ready["type"] == "ready"
        for client in [again, held[1]]:
            client.close()


def test_a_peer_that_stops_answering_pings_is_dropped(
    app: Flask, make_app: Callable[..., Flask]
) -> None:
    fast = make_app(REALTIME_PING_SECONDS="0.2")
    with fast.app_context():
        installed(A)
    with serving(fast) as url:
        hub = fast.extensions["pricebridge.realtime_hub"]
        alive, _ = open_client(url, A)  # simple-websocket answers pings by itself
        dead = RawPeer(url)  # never reads, so never answers a ping
        dead.send_text(auth_message(A))
        assert wait_until(lambda: hub.open_sockets == 2)
        assert wait_until(lambda: hub.open_sockets == 1, timeout=3)
        time.sleep(0.6)  # several more ping rounds: the live one stays
        assert hub.open_sockets == 1
        alive.send(json.dumps({"type": "ping"}))
        assert receive_json(alive, 1) == [{"type": "pong"}]
        alive.close()
        dead.close()


def test_a_slow_client_is_dropped_without_holding_back_the_others(
    app: Flask,
    make_app: Callable[..., Flask],
) -> None:
    tight = make_app(REALTIME_QUEUE_SIZE="8", REALTIME_SEND_TIMEOUT_SECONDS="0.5")
    with tight.app_context():
        shop = installed(A)
        with serving(tight) as url:
            hub = tight.extensions["pricebridge.realtime_hub"]
            reader, _ = open_client(url, A)
            slow = RawPeer(url)
            slow.shrink_receive_buffer()
            slow.send_text(auth_message(A))
            assert slow.next_text().startswith('{"type": "ready"')
            bulk: dict[str, Any] = {"pad": "x" * 20_000}
            received: list[dict[str, Any]] = []
            for n in range(300):
                publish_event(shop.id, "observation", {**bulk, "n": n})
                received += receive_json(reader, 1, timeout=2)
            received += receive_json(reader, 300 - len(received))
            assert [m["data"]["n"] for m in received] == list(range(300))
            # Dropped (its backlog is not read here: through a 4 KiB window that takes minutes).
            assert wait_until(lambda: hub.open_sockets == 1)
            reader.close()
            slow.close()
