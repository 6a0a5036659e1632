"""The hub and its mailboxes on the in-memory feed: fan-out per shop, capacity, slow sockets."""

from __future__ import annotations

import json

import pytest

from app.config import RealtimeSettings
from app.realtime.feed import MemoryFeed
from app.realtime.hub import Hub
from app.realtime.mailbox import Mailbox
from app.realtime.protocol import CloseCode, ProtocolError, parse_client_message


def make_hub(**limits: int) -> tuple[Hub, MemoryFeed]:
    feed = MemoryFeed()
    return Hub(feed, RealtimeSettings(**limits)), feed  # type: ignore[arg-type]


def bound(hub: Hub, shop_id: int) -> Mailbox:
    mailbox = hub.open()
    assert mailbox is not None
    hub.bind(mailbox, shop_id)
    return mailbox


def test_each_event_reaches_every_socket_of_its_shop_and_no_other() -> None:
    hub, feed = make_hub()
    a1, a2, b1 = bound(hub, 1), bound(hub, 1), bound(hub, 2)
    feed.publish(1, "observation", {"n": 1})
    feed.publish(2, "price_change", {"n": 2})
    for mailbox in (a1, a2):
        delivery = mailbox.wait(0)
        assert [(e.seq, e.type, e.shop_id) for e, _ in delivery.events] == [(1, "observation", 1)]
        frame = delivery.events[0][1]
        assert frame[:2] == bytes([0x81, len(frame) - 2])  # FIN + text, unmasked, short
        assert json.loads(frame[2:])["data"] == {"n": 1}
    assert [(e.shop_id, e.seq) for e, _ in b1.wait(0).events] == [(2, 1)]


def test_a_full_process_refuses_a_socket_until_one_is_released() -> None:
    hub, _ = make_hub(max_sockets=2)
    first, second = hub.open(), hub.open()
    assert first is not None
    assert second is not None
    assert hub.open() is None
    hub.release(first)
    assert hub.open() is not None
    assert hub.open_sockets == 2


def test_a_mailbox_that_overflows_asks_for_a_too_slow_close_and_keeps_nothing_more() -> None:
    hub, feed = make_hub(queue_size=3)
    slow, fast = bound(hub, 1), bound(hub, 1)
    for n in range(3):
        feed.publish(1, "observation", {"n": n})
        assert len(fast.wait(0).events) == 1
    feed.publish(1, "observation", {"n": 3})
    delivery = slow.wait(0)
    assert delivery.close is not None
    assert delivery.close.code == CloseCode.TOO_SLOW
    assert [e.seq for e, _ in delivery.events] == [1, 2, 3]
    assert [e.seq for e, _ in fast.wait(0).events] == [4]


def test_close_shop_closes_only_that_shops_mailboxes() -> None:
    hub, _ = make_hub()
    a, b = bound(hub, 1), bound(hub, 2)
    hub.control(json.dumps({"close_shop": 1}))
    close = a.wait(0).close
    assert close is not None
    assert close.code == CloseCode.SHOP_UNINSTALLED
    assert b.wait(0).close is None


def test_a_deaf_spell_ends_with_every_socket_asked_to_resync() -> None:
    hub, feed = make_hub()
    mailbox = bound(hub, 1)
    feed.deaf = True
    feed.publish(1, "observation", {})
    assert mailbox.wait(0).events == []
    feed.hear_again()
    assert mailbox.wait(0).resync
    assert [e.seq for e in feed.events_after(1, 0, 10)] == [1]


def test_a_message_that_is_not_an_event_is_dropped_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    hub, _ = make_hub()
    bound(hub, 1)
    assert hub.dispatch(b"{not json") == 0
    assert hub.dispatch(json.dumps({"type": "x"})) == 0
    assert "not an event" in caplog.text


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (None, CloseCode.POLICY),
        (b"\x00", CloseCode.UNSUPPORTED),
        ("nope", CloseCode.INVALID_DATA),
        ('"auth"', CloseCode.INVALID_DATA),
        ('{"type": 1}', CloseCode.INVALID_DATA),
        ('{"type": "auth", "token": ""}', CloseCode.POLICY),
        ('{"type": "auth", "token": "' + "t" * 9000 + '"}', CloseCode.POLICY),
        ('{"type": "auth", "token": "t", "shop": "x"}', CloseCode.POLICY),
        ('{"type": "subscribe"}', CloseCode.POLICY),
    ],
)
def test_client_messages_the_protocol_refuses(raw: str | bytes | None, code: CloseCode) -> None:
    with pytest.raises(ProtocolError) as refused:
        parse_client_message(raw)
    assert refused.value.code == code


def test_client_messages_the_protocol_accepts() -> None:
    assert parse_client_message('{"type": "auth", "token": "abc"}').token == "abc"
    assert parse_client_message('{"type": "ping"}').type == "ping"
