"""Redis and the RQ queues, made in the factory and kept in `app.extensions`."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app
from redis import Redis
from rq import Queue

BROKER_EXTENSION = "pricebridge.broker"

# Worker priority order: a price push never waits behind a batch of polls.
QUEUE_NAMES = ("push", "webhooks", "ingest", "default")


@dataclass(frozen=True)
class Broker:
    url: str
    redis: Redis
    queues: dict[str, Queue]

    @classmethod
    def connect(cls, url: str) -> Broker:
        # Connecting is lazy in redis-py: nothing touches the network until the first command.
        redis = Redis.from_url(url, socket_connect_timeout=5, health_check_interval=30)
        queues = {name: Queue(name, connection=redis) for name in QUEUE_NAMES}
        return cls(url=url, redis=redis, queues=queues)

    def queue(self, name: str) -> Queue:
        try:
            return self.queues[name]
        except KeyError:
            raise ValueError(
                f"unknown queue {name!r}; queues are {', '.join(QUEUE_NAMES)}"
            ) from None


def init_app(app: Flask, redis_url: str) -> None:
    app.extensions[BROKER_EXTENSION] = Broker.connect(redis_url)


def current_broker() -> Broker:
    broker = current_app.extensions[BROKER_EXTENSION]
    assert isinstance(broker, Broker)
    return broker
