"""prometheus_client's multiprocess mode as PriceBridge runs it: gunicorn workers that die and
RQ work horses forked one at a time. Runs in a child interpreter, because the mode is chosen
from the environment when `app.observability.metrics` is first imported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.support import ROOT

SCENARIO = r"""
import json, os, sys
from app.observability import metrics
from app.observability.exposition import events_registry, mark_process_dead

def horse(jobs):
    pid = os.fork()
    if pid == 0:
        metrics.become_work_horse(os.getppid())
        for _ in range(jobs):
            metrics.job_finished("app.ingest.jobs.collect", True, 0.2)
        metrics.scrape_trusted()
        os._exit(0)
    os.waitpid(pid, 0)

def web_worker():
    pid = os.fork()
    if pid == 0:
        metrics.WEBSOCKETS_OPEN.inc(3)
        metrics.shopify_throttled("ProductVariantsBulkUpdate", "graphql")
        os._exit(0)
    os.waitpid(pid, 0)
    return pid

horse(2)
horse(3)
metrics.scrape_failed(TimeoutError())
dead = web_worker()

def sample(name, **labels):
    for family in events_registry().collect():
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return s.value
    return None

before = sample("pricebridge_websockets_open")
mark_process_dead(dead)
print(json.dumps({
    "jobs": sample("pricebridge_job_duration_seconds_count", outcome="succeeded"),
    "trusted": sample("pricebridge_scrape_results_total", outcome="trusted"),
    "failed": sample("pricebridge_scrape_results_total", reason="TimeoutError"),
    "throttled": sample(
        "pricebridge_shopify_throttled_total", operation="ProductVariantsBulkUpdate", kind="graphql"
    ),
    "sockets_before": before,
    "sockets_after": sample("pricebridge_websockets_open"),
    "files": sorted(os.listdir(os.environ["PROMETHEUS_MULTIPROC_DIR"])),
    "parent": os.getpid(),
    "dead": dead,
}))
"""


def run_scenario(folder: Path) -> dict[str, object]:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(folder)}
    done = subprocess.run(
        [sys.executable, "-c", SCENARIO],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_work_horses_add_up_in_one_file_set_and_dead_workers_drop_their_live_gauges(
    tmp_path: Path,
) -> None:
    result = run_scenario(tmp_path)
    assert result["jobs"] == 5.0  # two horses, one after the other, both counted
    assert result["trusted"] == 2.0
    assert result["failed"] == 1.0
    # A dead worker's counters stay (they happened), its live gauge goes.
    assert result["throttled"] == 1.0
    assert result["sockets_before"] == 3.0
    assert result["sockets_after"] == 0.0
    files = [str(name) for name in result["files"]]  # type: ignore[attr-defined]
    horse_files = [name for name in files if "-horse" in name]
    # One file per kind for all of the worker's horses, never one per job.
    assert horse_files
    assert all(f"_{result['parent']}-horse.db" in str(name) for name in horse_files)
    assert f"gauge_livesum_{result['dead']}.db" not in files
