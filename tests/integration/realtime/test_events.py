from __future__ import annotations

import json

import pytest
from flask import Flask

from app.broker import current_broker
from app.realtime.events import channel, events_after, publish_event


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
    pubsub.subscribe(channel(1))
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
