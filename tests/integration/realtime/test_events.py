from __future__ import annotations

import json

import pytest
from flask import Flask

from app.broker import current_broker
from app.realtime.events import channel, events_after, publish_event, publish_events

# Events made up to exercise the transport: their payloads are not the backend's.
pytestmark = pytest.mark.synthetic_events


def test_events_are_numbered_per_shop_and_replayable(app: Flask) -> None:
    assert publish_event(1, "observation", {"price": "9.99"}) == 1
    assert publish_event(1, "price_change", {"id": 7}) == 2
    assert publish_event(2, "observation", {"price": "1.00"}) == 1

    replay = events_after(1, 0)
    assert [(e.seq, e.type, dict(e.data)) for e in replay] == [
        (1, "observation", {"price": "9.99"}),
        (2, "price_change", {"id": 7}),
    ]
    assert [e.seq for e in events_after(1, 1)] == [2]
    assert events_after(1, 2) == []
    assert [e.shop_id for e in events_after(2, 0)] == [2]


def test_events_are_published_on_the_shops_channel_only(app: Flask) -> None:
    pubsub = current_broker().redis.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(channel(1, current_broker().redis))
    pubsub.get_message(timeout=1)
    publish_event(2, "observation", {"x": 1})
    publish_event(1, "error", {"message": "needs a person"})
    message = None
    for _ in range(5):
        message = message or pubsub.get_message(timeout=1)
    pubsub.close()
    assert message is not None
    event = json.loads(message["data"])
    assert event["seq"] == 1
    assert event["type"] == "error"
    assert event["shop_id"] == 1
    assert event["data"] == {"message": "needs a person"}


def test_unknown_event_types_are_refused(app: Flask) -> None:
    with pytest.raises(ValueError, match="unknown event type"):
        publish_event(1, "gossip", {})


def test_a_batch_numbers_events_as_one_call_per_event_would(app: Flask) -> None:
    assert publish_event(1, "observation", {"n": 0}) == 1
    batch = [("observation", {"n": 1}), ("price_change", {"n": 2}), ("observation", {"n": 3})]
    assert publish_events(1, batch) == [2, 3, 4]
    assert publish_event(1, "error", {"n": 4}) == 5
    assert publish_events(2, [("observation", {"n": 0})]) == [1]
    assert publish_events(1, []) == []

    replay = events_after(1, 0)
    assert [(e.seq, e.type, e.data["n"]) for e in replay] == [
        (1, "observation", 0),
        (2, "observation", 1),
        (3, "price_change", 2),
        (4, "observation", 3),
        (5, "error", 4),
    ]
    assert [e.seq for e in events_after(2, 0)] == [1]


def test_a_batch_publishes_each_event_in_order_on_the_shops_channel(app: Flask) -> None:
    pubsub = current_broker().redis.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(channel(3, current_broker().redis))
    pubsub.get_message(timeout=1)
    publish_events(3, [("observation", {"n": n}) for n in range(3)])
    messages = []
    for _ in range(10):
        message = pubsub.get_message(timeout=1)
        if message is not None:
            messages.append(json.loads(message["data"]))
        if len(messages) == 3:
            break
    pubsub.close()
    assert [(m["seq"], m["data"]["n"], m["shop_id"]) for m in messages] == [
        (1, 0, 3),
        (2, 1, 3),
        (3, 2, 3),
    ]


def test_a_batch_with_an_unknown_type_publishes_nothing(app: Flask) -> None:
    with pytest.raises(ValueError, match="unknown event type"):
        publish_events(1, [("observation", {}), ("gossip", {})])
    assert events_after(1, 0) == []


def test_a_payload_reaches_the_stream_as_it_was_encoded(app: Flask) -> None:
    """Empty lists stay lists and long numbers stay exact (a Lua cjson round trip made every
    [] a {} and every id past 2^53 a float)."""
    data = {"code": "x", "message": "m", "product_ids": [], "rule": {}, "big": 2**62 + 1}
    publish_event(1, "error", data)
    (event,) = events_after(1, 0)
    assert event.data == data
