"""gunicorn settings for the `web` process: threaded workers, so each websocket holds a thread.

PORT, WEB_CONCURRENCY and WEB_THREADS are read here (gunicorn starts before the app).
"""

from __future__ import annotations

import os


def _positive_int(name: str, default: int) -> int:
    raw = os.environ.get(name, str(default)).strip()
    try:
        value = int(raw)
    except ValueError:
        raise SystemExit(f"{name}: {raw!r} is not a whole number") from None
    if value <= 0 or value > 65535:
        raise SystemExit(f"{name}: {value} is outside 1..65535")
    return value


bind = f"0.0.0.0:{_positive_int('PORT', 8000)}"
workers = _positive_int("WEB_CONCURRENCY", 2)
worker_class = "gthread"
threads = _positive_int("WEB_THREADS", 64)
# Websockets are long-lived; the heartbeat keeps them alive, not the request timeout.
timeout = 60
graceful_timeout = 20
keepalive = 5
accesslog = "-"
access_log_format = (
    '{"ts":"%(t)s","level":"INFO","logger":"gunicorn.access","method":"%(m)s",'
    '"path":"%(U)s","status":%(s)s,"bytes":"%(B)s","ms":%(M)s,'
    '"request_id":"%({x-request-id}o)s"}'
)
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
