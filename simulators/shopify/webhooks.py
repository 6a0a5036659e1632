"""Signed webhook deliveries to the app, shaped like Shopify's, and their control endpoints.

`POST /_sim/webhooks` sends one (real fixture payloads, adapted to the shop), optionally twice
with the same webhook id or with a body that no longer matches its HMAC, or again under the id
of an earlier delivery (as Shopify's later retries do); `GET /_sim/webhooks` lists the latest
deliveries and counts every delivery by shop and topic.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from collections import Counter, defaultdict, deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import requests
from flask import Flask, Response, jsonify, request

if TYPE_CHECKING:
    from simulators.shopify.app import Simulator

HeaderStyle = Literal["x-shopify", "shopify"]
HEADER_STYLES: tuple[HeaderStyle, ...] = ("x-shopify", "shopify")


@dataclass(frozen=True)
class DeliveryResult:
    """The app's answer to the last attempt (status 0: no answer, body says why)."""

    status: int
    body: str
    webhook_id: str = ""
    attempts: int = 1

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


@dataclass(frozen=True)
class DeliveryRecord:
    topic: str
    shop: str
    webhook_id: str
    event_id: str
    triggered_at: str
    api_version: str
    header_style: str
    tampered: bool
    status: int
    attempts: int
    response: str


def body_hmac(body: bytes, secret: str) -> str:
    """`X-Shopify-Hmac-Sha256`: base64 HMAC-SHA256 of the exact body bytes."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def triggered_at(moment: datetime) -> str:
    """Shopify's nanosecond UTC timestamp, e.g. 2026-07-01T12:00:00.000000000Z."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}000Z"


def webhook_headers(
    topic: str,
    shop: str,
    signature: str,
    *,
    style: HeaderStyle,
    webhook_id: str,
    event_id: str,
    triggered: str,
    api_version: str,
) -> dict[str, str]:
    fields = {
        "Topic": topic,
        "Hmac-Sha256": signature,
        "Shop-Domain": shop,
        "API-Version": api_version,
        "Webhook-Id": webhook_id,
        "Event-Id": event_id,
        "Triggered-At": triggered,
    }
    if style == "shopify":
        named = {f"shopify-{k.lower()}": v for k, v in fields.items()}
    else:
        named = {f"X-Shopify-{k}": v for k, v in fields.items()}
    return {"Content-Type": "application/json", **named}


def tampered_body(body: bytes) -> bytes:
    """The same JSON with one more field, so the HMAC of the original no longer matches."""
    stripped = body.rstrip()
    if stripped.endswith(b"}") and stripped != b"{}":
        return stripped[:-1] + b',"tampered":true}'
    return body + b" "


class WebhookSender:
    """Delivers signed webhooks to one URL, retrying non-2xx answers like Shopify (fewer times)."""

    def __init__(
        self,
        *,
        url: str,
        secret: str,
        clock: Callable[[], datetime],
        fixtures_dir: Path,
        retries: int = 3,
        retry_delay: float = 1.0,
        timeout: float = 5.0,
        api_version: str = "2026-10",
        log_size: int = 500,
    ) -> None:
        self.url = url
        self.secret = secret
        self.clock = clock
        self.fixtures_dir = fixtures_dir
        self.retries = retries
        self.retry_delay = retry_delay
        self.timeout = timeout
        self.api_version = api_version
        self._log: deque[DeliveryRecord] = deque(maxlen=log_size)
        # Every delivery, by shop and topic: the log keeps only the latest `log_size`.
        self._counts: dict[str, Counter[str]] = defaultdict(Counter)
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None
        self._pending: set[Future[DeliveryResult]] = set()

    # -- payloads --------------------------------------------------------------------------

    def fixture_bytes(self, name: str) -> bytes:
        """A fixture by topic (`app/uninstalled`) or file name (`app_uninstalled[.json]`)."""
        stem = Path(name.replace("/", "_")).name.removesuffix(".json")
        path = self.fixtures_dir / f"{stem}.json"
        if not path.is_file():
            raise LookupError(f"no webhook fixture {name!r} in {self.fixtures_dir}")
        return path.read_bytes()

    def fixture_json(self, name: str, shop: str) -> dict[str, Any]:
        """The fixture payload adapted to `shop` (domains that Shopify fills in for the shop)."""
        text = self.fixture_bytes(name).decode()
        if shop:
            text = text.replace("{shop}.myshopify.com", shop)
        body: dict[str, Any] = json.loads(text)
        if shop and "myshopify_domain" in body:
            body["myshopify_domain"] = shop
            body["domain"] = shop
        return body

    # -- delivery --------------------------------------------------------------------------

    def deliver(
        self,
        topic: str,
        shop: str,
        payload: bytes | dict[str, Any],
        *,
        header_style: HeaderStyle = "x-shopify",
        webhook_id: str | None = None,
        event_id: str | None = None,
        api_version: str | None = None,
        tamper: bool = False,
    ) -> DeliveryResult:
        if header_style not in HEADER_STYLES:
            raise ValueError(f"header_style must be one of {HEADER_STYLES}, got {header_style!r}")
        body = payload if isinstance(payload, bytes) else _compact_json(payload)
        webhook_id = webhook_id or str(uuid.uuid4())
        event_id = event_id or str(uuid.uuid4())
        version = api_version or self.api_version
        triggered = triggered_at(self.clock())
        headers = webhook_headers(
            topic,
            shop,
            body_hmac(body, self.secret),
            style=header_style,
            webhook_id=webhook_id,
            event_id=event_id,
            triggered=triggered,
            api_version=version,
        )
        sent = tampered_body(body) if tamper else body
        result = self._post_with_retries(sent, headers, webhook_id)
        record = DeliveryRecord(
            topic, shop, webhook_id, event_id, triggered, version, header_style, tamper,
            result.status, result.attempts, result.body[:500],
        )  # fmt: skip
        with self._lock:
            self._log.append(record)
            self._counts[shop][topic] += 1
        return result

    def _post_with_retries(
        self, body: bytes, headers: dict[str, str], webhook_id: str
    ) -> DeliveryResult:
        attempt = 0
        while True:
            attempt += 1
            try:
                answer = requests.post(self.url, data=body, headers=headers, timeout=self.timeout)
                result = DeliveryResult(answer.status_code, answer.text, webhook_id, attempt)
            except requests.RequestException as error:
                result = DeliveryResult(0, f"{type(error).__name__}: {error}", webhook_id, attempt)
            if result.ok or attempt > self.retries:
                return result
            time.sleep(self.retry_delay * 2 ** (attempt - 1))

    def enqueue(
        self, topic: str, shop: str, payload: bytes | dict[str, Any]
    ) -> Future[DeliveryResult]:
        """Deliver in the background, as Shopify does after the change that caused it."""
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(2, thread_name_prefix="shopify-sim-webhook")
            future = self._executor.submit(self.deliver, topic, shop, payload)
            self._pending.add(future)
        future.add_done_callback(self._forget)
        return future

    def _forget(self, future: Future[DeliveryResult]) -> None:
        with self._lock:
            self._pending.discard(future)

    def flush(self, timeout: float = 30.0) -> None:
        """Wait for background deliveries (tests call this instead of sleeping)."""
        with self._lock:
            pending = list(self._pending)
        wait(pending, timeout=timeout)

    def log(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(r) for r in self._log]

    def counts(self) -> dict[str, dict[str, int]]:
        """Deliveries made (each retry of one counted once), by shop and topic."""
        with self._lock:
            return {shop: dict(topics) for shop, topics in self._counts.items()}


def _compact_json(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


class WebhookControl:
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim

    def send(self) -> tuple[Response, int]:
        spec = request.get_json(silent=True)
        if not isinstance(spec, dict) or not spec.get("topic") or not spec.get("shop"):
            return jsonify({"error": "body must be a JSON object with 'topic' and 'shop'"}), 400
        topic, shop = str(spec["topic"]), str(spec["shop"])
        style = spec.get("header_style", "x-shopify")
        if style not in HEADER_STYLES:
            return jsonify({"error": f"header_style must be one of {list(HEADER_STYLES)}"}), 400
        try:
            payload = self._payload(topic, shop, spec.get("payload"))
        except LookupError as error:
            return jsonify({"error": str(error)}), 404
        sender = self.sim.webhooks
        webhook_id = spec.get("webhook_id") or str(uuid.uuid4())
        if not isinstance(webhook_id, str):
            return jsonify({"error": "'webhook_id' must be a string"}), 400
        event_id = str(uuid.uuid4())
        results = [
            sender.deliver(
                topic, shop, payload, header_style=style, webhook_id=webhook_id,
                event_id=event_id, tamper=bool(spec.get("tamper")),
            )
            for _ in range(2 if spec.get("duplicate") else 1)
        ]  # fmt: skip
        return jsonify({"deliveries": [asdict(r) for r in results]}), 200

    def _payload(self, topic: str, shop: str, payload: Any) -> bytes | dict[str, Any]:
        if isinstance(payload, dict):
            return payload
        return self.sim.webhooks.fixture_json(str(payload or topic), shop)

    def log(self) -> Response:
        sender = self.sim.webhooks
        return jsonify({"deliveries": sender.log(), "counts": sender.counts()})


def register_webhooks(app: Flask, sim: Simulator) -> None:
    control = WebhookControl(sim)
    app.add_url_rule("/_sim/webhooks", "shopify_sim_webhooks_send", control.send, methods=["POST"])
    app.add_url_rule("/_sim/webhooks", "shopify_sim_webhooks_log", control.log, methods=["GET"])
