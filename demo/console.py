"""What the demo's terminal shows: a short banner, then one compact line per notable event.

Events come from the shop's live event stream (the same Redis channel the dashboard listens
on): observations that changed something, price changes, push outcomes, errors. Errors also
come from the processes' JSON logs. Everything else stays in the log files.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from redis import Redis
from redis.exceptions import RedisError

from app.realtime.events import channel_prefix

#: Unchanged observations are counted, and the count is shown at most this often.
TALLY_SECONDS = 30.0
_ERROR_LEVELS = frozenset({"ERROR", "CRITICAL"})


class Console:
    """Prints whole lines from any thread; a vanished terminal ends printing, not the demo."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout
        self._lock = threading.Lock()

    def say(self, text: str = "") -> None:
        with self._lock:
            self.stream.write(text + "\n")
            self.stream.flush()

    def event(self, text: str) -> None:
        self.say(f"{datetime.now(UTC).astimezone():%H:%M:%S}  {text}")


def banner(admin_url: str, sim_url: str, logs: Path, pid: int, seconds: float) -> str:
    webhook = '{"topic": "products/update", "shop": "demo.myshopify.com"}'
    return "\n".join(
        [
            "",
            f"PriceBridge is running (ready in {seconds:.1f} s, PID {pid}): open {admin_url}",
            "",
            "Things to try:",
            "  1. Watch Amazon observations arrive and history grow (products poll every 20 s,",
            "     simulated Amazon prices move every 2 minutes).",
            '  2. Press "Update Shopify" on a product with a proposed price; the push and',
            "     Shopify's confirmation appear below.",
            "  3. Send a signed webhook as Shopify would:",
            f"     curl -X POST {sim_url}/_sim/webhooks -H 'Content-Type: application/json' \\",
            f"          -d '{webhook}'",
            "",
            f"Logs (JSON, one file per process): {logs}",
            "Ctrl-C stops everything. Events:",
        ]
    )


def _money(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return "?" if value is None else f"{value} {data.get('currency') or ''}".strip()


class EventLines:
    """Turns live events into compact lines; None for an event not worth a line of its own."""

    def __init__(self) -> None:
        self.seen: dict[Any, tuple[Any, Any]] = {}
        self.unchanged = 0
        self.first = 0
        self.tally_at = time.monotonic()

    def line(self, event: Mapping[str, Any]) -> str | None:
        data = event.get("data") or {}
        kind = event.get("type")
        if kind == "observation":
            return self._observation(data)
        if kind == "price_change":
            return _price_change(data)
        if kind == "error":
            return f"error        {data.get('code', 'error')}: {data.get('message', '')}"
        return None

    def _observation(self, data: Mapping[str, Any]) -> str | None:
        product = data.get("product_id")
        if data.get("quarantined"):
            return f"observation  product {product} quarantined: {data.get('quarantine_reason')}"
        now = (data.get("price"), data.get("availability"))
        before = self.seen.get(product)
        self.seen[product] = now
        if before is None:
            self.first += 1
            return None
        if before == now:
            self.unchanged += 1
            return None
        was = f"{before[0]} → " if before[0] != now[0] else ""
        return f"observation  product {product}: {was}{_money(data, 'price')}, {now[1]}"

    def tally(self, now: float) -> str | None:
        """Every TALLY_SECONDS: how many observations arrived that needed no line."""
        if now - self.tally_at < TALLY_SECONDS or not (self.first or self.unchanged):
            return None
        parts = []
        if self.first:
            parts.append(f"{self.first} first for their product")
        if self.unchanged:
            parts.append(f"{self.unchanged} unchanged")
        self.first = self.unchanged = 0
        self.tally_at = now
        return "observations " + ", ".join(parts)


def _price_change(data: Mapping[str, Any]) -> str | None:
    change, product, state = data.get("id"), data.get("product_id"), data.get("state")
    head = f"price change #{change} product {product}"
    if state == "proposed":
        return f"{head}: {data.get('previous_price') or '?'} → {_money(data, 'proposed_price')}"
    if state == "held":
        reason = data.get("held_message") or data.get("held_reason")
        return f"{head}: held ({reason})"
    if state == "approved":
        return f"{head}: approved by {data.get('approved_by') or 'the shop'}"
    if state == "pushed":
        return f"push         #{change} product {product}: Shopify confirmed " + _money(
            data, "confirmed_price"
        )
    if state == "failed":
        return f"push         #{change} product {product} failed: {data.get('error')}"
    return None


def log_line(process: str, line: str) -> str | None:
    """An error line of a process's log, compacted; None for any other line."""
    text = line.strip()
    if text.startswith("{"):
        try:
            record = json.loads(text)
        except json.JSONDecodeError:
            return None
        if not isinstance(record, dict):
            return None
        # The app logs ECS JSON ("log.level", "message"); gunicorn's access log its own.
        level = str(record.get("log.level") or record.get("level") or "").upper()
        if level in _ERROR_LEVELS:
            message = record.get("message") or record.get("msg") or ""
            return f"error        {process}: {message}"[:200]
        return None
    if text.startswith("Traceback (most recent call last)"):
        return f"error        {process}: a traceback (see logs/{process}.log)"
    if "[ERROR]" in text or " ERROR " in text:
        return f"error        {process}: {text}"[:200]
    return None


def events_pattern(redis: Redis) -> str:
    """Matches `app.realtime.events.channel(shop_id, redis)` for every shop."""
    return f"{channel_prefix(redis)}:shop:*:events"


def follow_events(redis: Redis, console: Console, stop: threading.Event) -> None:
    """Print the shops' live events until `stop` is set (run in a thread)."""
    lines = EventLines()
    pubsub = redis.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]
    try:
        pubsub.psubscribe(events_pattern(redis))
        while not stop.is_set():
            message = pubsub.get_message(timeout=1.0)
            if message is not None:
                text = lines.line(json.loads(message["data"]))
                if text:
                    console.event(text)
            tally = lines.tally(time.monotonic())
            if tally:
                console.event(tally)
    except RedisError as error:
        if not stop.is_set():
            console.event(f"error        demo: the live event stream stopped: {error}")
    finally:
        pubsub.close()


def follow_logs(logs: Path, console: Console, stop: threading.Event) -> None:
    """Print error lines appended to any log file of the run until `stop` is set."""
    offsets: dict[Path, int] = {path: path.stat().st_size for path in logs.glob("*.log")}
    while not stop.wait(0.5):
        for path in sorted(logs.glob("*.log")):
            offset = offsets.get(path, 0)
            with path.open("rb") as handle:
                handle.seek(offset)
                chunk = handle.read()
            complete = chunk[: chunk.rfind(b"\n") + 1]
            offsets[path] = offset + len(complete)
            for raw in complete.decode(errors="replace").splitlines():
                text = log_line(path.stem, raw)
                if text:
                    console.event(text)


def start_thread(target: Callable[..., None], *args: object) -> threading.Thread:
    thread = threading.Thread(target=target, args=args, daemon=True)
    thread.start()
    return thread
