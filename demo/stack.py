"""One demo run's processes, from start to stop (imported once the run holds its lock).

Order: make the run's database, start a private Redis, the two simulators and the migration,
then web, worker and scheduler, wait until each answers its own health check, install the demo
shop, then print the banner. A stop signal (SIGHUP from a closed terminal, SIGINT, SIGTERM)
and any failure end in the same place: every process the run started is stopped, its process
group and its descendants with it.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from redis import Redis

from demo import console as screen
from demo import readiness, runs, stores
from demo.launcher import ROOT, STOP_SIGNALS, StopDemo, free_port
from demo.processes import Child, ChildFailed, Children
from demo.shop import install_demo_shop, link_demo_products

BIN = Path(sys.executable).parent
FLASK = [str(BIN / "flask"), "--app", "app"]


@dataclass
class Demo:
    run: runs.Run
    env: dict[str, str]
    port: int
    children: Children
    database: stores.Database | None = None
    redis: Redis | None = None
    stop_following: threading.Event = field(default_factory=threading.Event)

    def start_support(self) -> tuple[str, str]:
        """Redis, both simulators and the migration at once, each on its own free port; the
        app's settings point at them. Returns the Shopify simulator's URL and the api key."""
        from app.config import Settings  # the app's own reading of its development secrets

        settings = Settings.from_env(self.env)
        redis, shopify, oxylabs = free_port(), free_port(), free_port()
        sim, oxy = f"http://127.0.0.1:{shopify}", f"http://127.0.0.1:{oxylabs}"
        self.env.update(
            REDIS_URL=f"redis://127.0.0.1:{redis}/0",
            SHOPIFY_ADMIN_ORIGIN=f"{sim}/shops/{{shop}}",
            APP_BRIDGE_SRC=f"{sim}/cdn/app-bridge.js",
            POLARIS_SRC=f"{sim}/cdn/polaris.js",
            OXYLABS_USERNAME="sim-user",
            OXYLABS_PASSWORD="sim-pass",  # noqa: S106 - the simulator's documented password
            OXYLABS_REALTIME_URL=f"{oxy}/realtime/v1/queries",
            OXYLABS_DATA_URL=oxy,
        )
        start = self.children.start
        redis_child = start("redis", stores.redis_command(redis, self.run.folder), self.env)
        shopify_child = start(
            "shopify-simulator",
            [sys.executable, "-m", "simulators.shopify", "--port", str(shopify),
             "--api-key", settings.shopify_api_key, "--api-secret", settings.shopify_api_secret,
             "--app-url", self.env["SHOPIFY_APP_URL"]],
            self.env,
        )  # fmt: skip
        # Simulated Amazon prices move every two minutes, so history shows changes soon.
        oxylabs_child = start(
            "oxylabs-simulator",
            [sys.executable, "-m", "simulators.oxylabs", "--port", str(oxylabs),
             "--price-period", "120", "--image-origin", oxy],
            self.env,
            stop_signal=signal.SIGINT,
        )  # fmt: skip
        migrate = start("migrate", [*FLASK, "db", "upgrade"], self.env)
        self.wait_all(
            (redis_child, readiness.answers_ping(redis_child, redis)),
            (shopify_child, readiness.answers_http(shopify_child, shopify, "/_sim/shops")),
            (oxylabs_child, readiness.answers_http(oxylabs_child, oxylabs, "/_sim/stats")),
            (migrate, readiness.finished(migrate)),
        )
        self.redis = Redis.from_url(self.env["REDIS_URL"])
        return sim, settings.shopify_api_key

    def start_app(self) -> None:
        """Web, worker and scheduler, each ready by its own health check."""
        assert self.redis is not None
        # SIGTERM is gunicorn's graceful stop; a short grace, since a dashboard left open holds
        # a websocket that would otherwise keep a worker for gunicorn.conf.py's 20 s.
        gunicorn = [
            str(BIN / "gunicorn"),
            "--config",
            "gunicorn.conf.py",
            "--graceful-timeout",
            "3",
        ]
        web = self.children.start(
            "web",
            [*gunicorn, "--bind", f"127.0.0.1:{self.port}", "app:create_app()"],
            self.env,
        )
        worker = self.children.start("worker", [*FLASK, "worker"], self.env)
        scheduler = self.children.start("scheduler", [*FLASK, "scheduler"], self.env)
        self.wait_all(
            (web, readiness.answers_http(web, self.port, "/readyz")),
            (worker, readiness.worker_registered(worker, self.redis)),
            (scheduler, readiness.scheduler_holds_lock(self.redis)),
        )

    def wait_all(self, *checks: tuple[Child, readiness.Check]) -> None:
        for child, check in checks:
            readiness.wait_for(child, check, self.children)

    def follow(self, out: screen.Console) -> None:
        assert self.redis is not None
        screen.start_thread(screen.follow_events, self.redis, out, self.stop_following)
        screen.start_thread(screen.follow_logs, self.run.logs, out, self.stop_following)

    def stop(self, out: screen.Console) -> None:
        self.stop_following.set()
        stopped = self.children.stop()
        out.say(
            "stopped "
            + ", ".join(
                f"{name} ({seconds:.1f} s{', killed' if killed else ''})"
                for name, seconds, killed in stopped
            )
        )
        if self.redis is not None:
            self.redis.close()
        if self.database is not None:
            stores.release_database(self.run, self.database)


def demo_env(run: runs.Run, port: int) -> dict[str, str]:
    """The environment every process of the run shares: the run's folder, port and logs."""
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "PORT"}}
    env.update(
        PRICEBRIDGE_ENV="development",
        INSTANCE_PATH=str(run.folder),
        LOG_FORMAT="json",
        PORT=str(port),
        SHOPIFY_APP_URL=f"http://127.0.0.1:{port}",
        PYTHONUNBUFFERED="1",
    )
    env.setdefault("WEB_CONCURRENCY", "1")
    # web, worker and scheduler write their metrics to one folder of the run's own, so the
    # web's /metrics shows every family (prometheus_client's multiprocess mode).
    metrics = run.folder / "metrics"
    metrics.mkdir(parents=True, exist_ok=True)
    env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics)
    return env


def bring_up(demo: Demo, out: screen.Console, began: float) -> None:
    demo.run.announce(status="starting", app_url=demo.env["SHOPIFY_APP_URL"])
    runs.prune(demo.run, stores.drop_schema)
    demo.database = stores.fresh_database(demo.run, os.environ.get("DATABASE_URL"))
    demo.env["DATABASE_URL"] = demo.database.url
    sim_url, api_key = demo.start_support()
    demo.start_app()
    admin_url = install_demo_shop(sim_url, api_key, demo.env["SHOPIFY_APP_URL"])
    linked = link_demo_products(sim_url, {**demo.env, "LOG_LEVEL": "WARNING"})
    demo.children.check_alive()
    demo.run.announce(
        status="running",
        url=admin_url,
        app_url=demo.env["SHOPIFY_APP_URL"],
        processes={child.name: child.pid for child in demo.children.started},
    )
    out.say(screen.banner(admin_url, sim_url, demo.run.logs, os.getpid(), time.monotonic() - began))
    out.event(f"demo         {linked} products of {sim_url} linked to simulated Amazon listings")
    demo.follow(out)


def _terminal_gone(run: runs.Run) -> None:
    """After SIGHUP the terminal is gone: what the demo still says goes to its log instead."""
    with (run.logs / "demo.log").open("ab") as log:
        os.dup2(log.fileno(), sys.stdout.fileno())
        os.dup2(log.fileno(), sys.stderr.fileno())


def run_demo(run: runs.Run, port: int, began: float) -> int:
    """Bring the run up, follow it until a stop signal or a failure, then stop everything."""
    out = screen.Console()
    demo = Demo(run, demo_env(run, port), port, Children(ROOT, run.logs))
    out.say(f"Starting PriceBridge (run {run.id}; logs in {run.logs}) ...")
    status = 0
    try:
        bring_up(demo, out, began)
        while True:
            demo.children.check_alive()
            time.sleep(0.5)
    except StopDemo as stop:
        if stop.signum == signal.SIGHUP:
            _terminal_gone(run)
        out.say(f"\nstopping ({stop}) ...")
    except (ChildFailed, stores.StoreRefused) as failure:
        out.say(f"\nthe demo cannot run: {failure}")
        status = 1
    finally:
        for signum in STOP_SIGNALS:  # a second Ctrl-C must not cut the shutdown short
            signal.signal(signum, signal.SIG_IGN)
        stopping = time.monotonic()
        demo.stop(out)
        run.release()
        out.say(f"stopped in {time.monotonic() - stopping:.1f} s; nothing of this run is left")
    return status
