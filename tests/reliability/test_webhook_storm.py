"""Signed webhooks, 10 % sent twice and 5 % tampered (issue 14, part 3).

`make test` sends 60; bench/reliability sends 1,000 (`WEBHOOK_STORM_DELIVERIES`).
"""

from __future__ import annotations

import os
import random
import re
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg

from tests.reliability.figures import Figures, report
from tests.reliability.shops import install, timed
from tests.reliability.stack import Stack, http_json, wait_until

DELIVERIES = int(os.environ.get("WEBHOOK_STORM_DELIVERIES", "60"))
TOPICS = ("products/update", "customers/data_request", "customers/redact", "app/scopes_update")


def test_a_webhook_storm_with_duplicates_and_tampering(stack: Stack) -> None:
    merchant = install(stack, "storm.myshopify.com", products=1)
    rng = random.Random(14)
    plan = [
        {
            "topic": TOPICS[index % len(TOPICS)],
            "shop": merchant.shop,
            "duplicate": rng.random() < 0.10,
            "tamper": rng.random() < 0.05,
        }
        for index in range(DELIVERIES)
    ]

    def send(spec: dict[str, Any]) -> list[dict[str, Any]]:
        status, body = http_json("POST", f"{stack.shopify_url}/_sim/webhooks", spec)
        assert status == 200, body
        return list(body["deliveries"])

    worker = stack.processes["worker"]
    cpu_before = worker.cpu_seconds()
    started = time.monotonic()
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(send, plan))
    sent_in = timed(started)
    statuses = Counter(d["status"] for deliveries in results for d in deliveries)
    genuine = {
        deliveries[0]["webhook_id"]
        for spec, deliveries in zip(plan, results, strict=True)
        if not spec["tamper"]
    }
    tampered = {
        deliveries[0]["webhook_id"]
        for spec, deliveries in zip(plan, results, strict=True)
        if spec["tamper"]
    }
    last_sent = time.monotonic()

    def recorded() -> dict[str, tuple[bool, str | None]]:
        with psycopg.connect(stack.postgres.url) as connection:
            rows = connection.execute(
                "SELECT webhook_id, processed_at IS NOT NULL, error FROM webhook_event"
            ).fetchall()
        return {row[0]: (row[1], row[2]) for row in rows}

    def all_handled() -> bool:
        rows = recorded()
        return genuine <= set(rows) and all(rows[w][0] or rows[w][1] for w in genuine)

    wait_until(all_handled, 120, "every genuine delivery handled", 0.5)
    converged = timed(last_sent)
    since_first = timed(started)
    # Everything the worker ran meanwhile (a poll, a sweep) counts too: an upper bound.
    worker_ms = (worker.cpu_seconds() - cpu_before) * 1000 / len(genuine)
    rows = recorded()
    lost = len(genuine - set(rows))
    stored_tampered = len(tampered & set(rows))
    worker_log = (stack.folder / "worker.log").read_text(errors="replace")
    handled = Counter(re.findall(r"webhook \S+ (\S+) processed", worker_log))
    duplicated = sum(count - 1 for webhook_id, count in handled.items() if webhook_id in genuine)
    server_errors = sum(count for status, count in statuses.items() if status >= 500)
    assert statuses[401] >= len(tampered)
    assert stored_tampered == 0
    report(
        Figures(
            f"webhook storm of {DELIVERIES}",
            lost,
            duplicated,
            server_errors,
            converged,
            f"sent in {sent_in} s ({sum(statuses.values())} requests, {dict(statuses)}), all "
            f"handled {since_first} s after the first; "
            f"tampered stored {stored_tampered}; worker CPU {worker_ms:.1f} ms a delivery",
        )
    )
