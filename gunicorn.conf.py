"""gunicorn settings for the `web` process: threaded workers, so each websocket holds a thread.

PORT, WEB_CONCURRENCY, WEB_THREADS and REALTIME_MAX_SOCKETS are read here (gunicorn starts
before the app; the app reads REALTIME_MAX_SOCKETS again in app/config.py to refuse the socket
over the limit with close code 1013).

Why gthread, sized as threads = WEB_THREADS + REALTIME_MAX_SOCKETS:
- A websocket under flask-sock holds its request thread for its whole life (and
  simple-websocket adds one reader thread per socket, outside the pool). With a pool of only
  WEB_THREADS, 64 open dashboards would leave no thread for plain HTTP. So the pool gets one
  thread per allowed socket on top of the HTTP threads, and the app refuses socket number
  REALTIME_MAX_SOCKETS + 1 at once (1013): sockets can never take the HTTP threads.
- An idle socket's threads sleep in the kernel (no GIL, no CPU). Measured (bench/realtime):
  1,000 open sockets are 2,000 threads and ~76 MiB more resident memory for the worker, and
  add ~0.3 ms of worker CPU to an /api/products request (2.2 ms without them); the list's p95
  at 100 requests/s is the same with and without them. Pings are one wake-up per socket every
  REALTIME_PING_SECONDS.
- gevent/eventlet would hold sockets more cheaply, but every library on the request path
  (psycopg, redis-py, httpx, shopifyapp) would have to cooperate with monkey-patching, and one
  call that does not stalls every socket and request of the worker; threads need no such
  promise. sync workers cannot hold a socket without losing the whole worker to it.
- worker_connections bounds connections gthread keeps (sockets, requests and idle keep-alive
  connections); it must exceed the threads or keep-alive clients would be turned away.
- The database pool is sized to WEB_THREADS in the app (sockets release their connection after
  authenticating), so the pool never opens and closes connections under load.

Metrics: with PROMETHEUS_MULTIPROC_DIR set (bin/start sets and empties it), every worker
writes its metrics there and `child_exit` forgets a dead worker's live gauges (open sockets).
"""

from __future__ import annotations

import os
from typing import Any


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
threads = _positive_int("WEB_THREADS", 64) + _positive_int("REALTIME_MAX_SOCKETS", 1000)
worker_connections = threads + 1000
# Websockets are long-lived; the heartbeat keeps them alive, not the request timeout.
timeout = 60
graceful_timeout = 20
keepalive = 5
# The app logs each request itself (path only, no query string), in the same ECS JSON as every
# other line (app/observability/logging.py); gunicorn's own lines use that formatter too.
accesslog = None
if os.environ.get("LOG_FORMAT", "json") == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"ecs": {"()": "app.observability.logging.EcsFormatter"}},
        "handlers": {
            "ecs": {
                "class": "logging.StreamHandler",
                "formatter": "ecs",
                "stream": "ext://sys.stderr",
            }
        },
        # gunicorn merges this over its defaults, replacing whole keys: root must be named.
        # The app adds its own root handler (create_app); gunicorn's must not double it.
        "root": {"level": "WARNING", "handlers": []},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["ecs"], "propagate": False},
            # A log config turns gunicorn's access log on, in a format that carries the query
            # string (and so an embedded page's id_token): never emitted.
            "gunicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
        },
    }
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def child_exit(server: Any, worker: Any) -> None:
    from app.observability.exposition import mark_process_dead

    mark_process_dead(worker.pid)
