"""The web stack a realtime/API benchmark runs against: a scratch schema, a private Redis and
gunicorn exactly as the Procfile starts it (gunicorn.conf.py), one worker process."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import psycopg
import requests
from flask import Flask
from flask_migrate import upgrade

from app import create_app
from app.clock import utcnow
from app.config import Settings
from app.extensions import db
from app.models import Shop
from bench.support import bench_redis, free_port
from simulators.shopify.auth import encode_hs256

ROOT = Path(__file__).resolve().parents[2]
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
API_KEY, API_SECRET = "bench-client-id", "bench-client-secret-" + "x" * 20
SHOP = "bench.myshopify.com"


def session_token(shop: str = SHOP) -> str:
    now = int(time.time())
    claims = {
        "iss": f"https://{shop}/admin",
        "dest": f"https://{shop}",
        "aud": API_KEY,
        "sub": "1",
        "exp": now + 60,
        "nbf": now,
        "iat": now,
        "jti": uuid.uuid4().hex,
        "sid": "bench",
    }
    return encode_hs256(claims, API_SECRET)


@dataclass
class Stack:
    app: Flask
    url: str
    env: dict[str, str]
    gunicorn_pid: int
    shop_id: int
    gunicorn: subprocess.Popen[bytes] | None = None

    def restart(self, workers: int) -> None:
        """gunicorn again on the same port and data, with `workers` worker processes."""
        assert self.gunicorn is not None
        _stop(self.gunicorn)
        port = int(self.url.rsplit(":", 1)[1])
        self.gunicorn = _start_gunicorn(self.env, port, workers)
        self.gunicorn_pid = self.gunicorn.pid
        _wait_ready(self.url)


def _env(database_url: str, redis_url: str, instance: str, **extra: str) -> dict[str, str]:
    return {
        "PRICEBRIDGE_ENV": "test",
        "INSTANCE_PATH": instance,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": "b" * 40,
        "SHOPIFY_API_KEY": API_KEY,
        "SHOPIFY_API_SECRET": API_SECRET,
        "LOG_LEVEL": "WARNING",
        "OXYLABS_MONTHLY_BUDGET": "100000000",
        **extra,
    }


@contextmanager
def scratch_schema() -> Iterator[str]:
    schema = f"pb_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(DATABASE_URL, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{DATABASE_URL}?options={quote(f'-csearch_path={schema}')}"
    finally:
        with psycopg.connect(DATABASE_URL, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


@contextmanager
def stack(redis_url: str | None = None, **extra: str) -> Iterator[Stack]:
    """Migrated scratch schema + installed shop + gunicorn (1 worker; `Stack.restart` for
    more) on a free port."""
    with (
        bench_redis(redis_url) as redis,
        scratch_schema() as database_url,
        tempfile.TemporaryDirectory() as instance,
    ):
        env = _env(database_url, redis, instance, **extra)
        app = create_app(Settings.from_env(env))
        with app.app_context():
            upgrade()
            shop_id = _install_shop()
            port = free_port()
            gunicorn = _start_gunicorn(env, port, 1)
            url = f"http://127.0.0.1:{port}"
            running = Stack(app, url, env, gunicorn.pid, shop_id, gunicorn)
            try:
                _wait_ready(url)
                yield running
            finally:
                if running.gunicorn is not None:
                    _stop(running.gunicorn)
                app.extensions["pricebridge.realtime_hub"].shutdown()
                db.session.remove()
                db.engine.dispose()


def _start_gunicorn(env: dict[str, str], port: int, workers: int) -> subprocess.Popen[bytes]:
    """gunicorn as the Procfile starts it (gunicorn.conf.py), `workers` worker processes."""
    process_env = {**os.environ, **env, "PORT": str(port), "WEB_CONCURRENCY": str(workers)}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            "gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "app:create_app()",
        ],
        cwd=ROOT,
        env=process_env,
        stdout=subprocess.DEVNULL,
        stderr=open(os.environ.get("BENCH_GUNICORN_LOG", os.devnull), "a"),
    )


def _stop(gunicorn: subprocess.Popen[bytes]) -> None:
    gunicorn.terminate()
    gunicorn.wait(timeout=60)


def _install_shop() -> int:
    now = utcnow()
    shop = Shop(
        domain=SHOP,
        installed_at=now,
        access_token="shpat_bench",  # noqa: S106 - a scratch shop no request ever reaches
        access_token_expires_at=now + timedelta(days=1),
        refresh_token="shprt_bench",  # noqa: S106
        refresh_token_expires_at=now + timedelta(days=30),
        currency="USD",
    )
    db.session.add(shop)
    db.session.commit()
    return shop.id


def _wait_ready(url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/livez", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass  # not listening yet, or still importing
        time.sleep(0.2)
    raise SystemExit("gunicorn did not become ready within 60 s")


def process_rss_mib(pid: int) -> float:
    """Resident memory of a process and its children (gunicorn's worker), MiB."""
    total = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
        if status.parent.name == str(pid) or fields.get("PPid", "").strip() == str(pid):
            total += int(fields.get("VmRSS", "0 kB").split()[0])
    return total / 1024


def thread_count(pid: int) -> int:
    """Threads of gunicorn's worker processes (the children of `pid`)."""
    total = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(
                line.split(":", 1) for line in status.read_text().splitlines() if ":" in line
            )
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(pid):
            total += int(fields["Threads"].strip())
    return total


_TICK = os.sysconf("SC_CLK_TCK")


def worker_cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) used so far by gunicorn's workers (children of `pid`)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if fields[1] == str(pid):
            total += (int(fields[11]) + int(fields[12])) / _TICK
    return total


def machine_busy_seconds() -> float:
    """CPU seconds every process on the machine has used so far (all cores, not idle/iowait):
    beside a worker's own CPU it shows what else ran during a measurement."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / _TICK
